import Foundation
import Hummingbird
import Logging

/// The Kubernetes API under `/k8s` on the sandbox's listener: discovery, OpenAPI stubs, and the
/// object verbs of `KubeCluster`, answered in the apiserver's JSON shapes (errors as `Status`).
///
/// Every path needs the cluster's token: either as the first path segment (`/k8s/<token>/api/v1/…`,
/// which is how the generated kubeconfig's server URL carries it, because kubectl never sends
/// credentials over plain HTTP) or as `Authorization: Bearer <token>`.
struct KubeAPI: Sendable {
    static let prefix = "/k8s"

    let cluster: KubeCluster
    let token: String
    /// The lane's notifier: writes here signal it, watches wait on it (clock advances signal it
    /// too) and end when it shuts down.
    var notifier: ChangeNotifier? = nil

    /// Whether the request is one for this API (anything under `/k8s`).
    static func handles(_ path: String) -> Bool {
        path == prefix || path.hasPrefix(prefix + "/")
    }

    func respond(to request: Request, logger: Logger) async -> Response {
        do {
            return try await route(request)
        } catch let status as KubeStatus {
            return Self.reply(status.document, status: status.code)
        } catch {
            logger.error("\(request.method) \(request.uri.path) failed: \(error)")
            let status = KubeStatus.internal("\(error)")
            return Self.reply(status.document, status: status.code)
        }
    }

    // MARK: - Routing

    private func route(_ request: Request) async throws -> Response {
        var segments = request.uri.path.dropFirst(Self.prefix.count).split(separator: "/", omittingEmptySubsequences: true).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        if let first = segments.first, Self.constantTimeEqual(first, token) {
            segments.removeFirst()
        } else {
            guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
                Self.constantTimeEqual(String(header.dropFirst("bearer ".count)).trimmingSpaces, token)
            else { throw KubeStatus.unauthorized }
        }
        let query = Self.query(request.uri.query)
        let method = request.method

        if method == .get, let document = try discovery(segments, request: request) { return document }

        let (resource, namespace, name, subresource) = try target(segments)
        if subresource == "log", resource == KubeCatalog.pods, method == .get, let name {
            // The sandbox's pods write nothing: an existing pod has an empty log.
            _ = try await cluster.get(resource, namespace: namespace, name: name)
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer()))
        }
        if let subresource, subresource != "status" {
            throw KubeStatus(code: 404, reason: "NotFound", message: "the server could not find the requested resource (\(subresource))")
        }
        let dryRun = query["dryRun"] == "All"
        let response = try await change(
            request, method: method, resource: resource, namespace: namespace, name: name, query: query, dryRun: dryRun)
        if method != .get, !dryRun, let notifier { await notifier.signal() }
        return response
    }

    /// The object verbs.
    private func change(
        _ request: Request, method: HTTPRequest.Method, resource: KubeResource, namespace: String?, name: String?, query: [String: String],
        dryRun: Bool
    ) async throws -> Response {
        switch (method, name) {
        case (.get, nil):
            if query["watch"] == "true" || query["watch"] == "1" {
                return try await watch(request, resource: resource, namespace: namespace, query: query)
            }
            let labels = try KubeLabelSelector(parsing: query["labelSelector"] ?? "")
            let fields = try KubeFieldSelector(parsing: query["fieldSelector"] ?? "", resource: resource)
            let list = try await cluster.list(resource, namespace: namespace, labels: labels, fields: fields)
            if Self.wantsTable(request) { return Self.reply(await cluster.table(resource, list: list, request: Self.tableOptions(query))) }
            return Self.reply(list)
        case (.get, let name?):
            let object = try await cluster.get(resource, namespace: namespace, name: name)
            if Self.wantsTable(request) {
                let list = KubeJSON.object([
                    "metadata": .object(["resourceVersion": object[path: ["metadata", "resourceVersion"]] ?? .string("")]),
                    "items": .array([object]),
                ])
                return Self.reply(await cluster.table(resource, list: list, request: Self.tableOptions(query)))
            }
            return Self.reply(object)
        case (.post, nil):
            let body = try await Self.body(request)
            let created = try await cluster.create(resource, namespace: namespace, body: body, dryRun: dryRun)
            return Self.reply(created, status: 201)
        case (.put, let name?):
            let body = try await Self.body(request)
            return Self.reply(try await cluster.replace(resource, namespace: namespace, name: name, body: body, dryRun: dryRun))
        case (.patch, let name?):
            let contentType = request.headers[.contentType] ?? ""
            guard let format = KubePatch.Format(contentType: contentType) else { throw KubeStatus.unsupportedMediaType(contentType) }
            let body = try await Self.body(request)
            return Self.reply(
                try await cluster.patch(resource, namespace: namespace, name: name, format: format, patch: body, dryRun: dryRun))
        case (.delete, let name?):
            let options = try await Self.optionalBody(request)
            let propagation =
                options?.string("propagationPolicy") ?? query["propagationPolicy"]
                ?? (options?["orphanDependents"]?.boolValue == true ? "Orphan" : nil)
            let dry = dryRun || (options?["dryRun"]?.arrayValue?.contains(.string("All")) ?? false)
            return Self.reply(try await cluster.delete(resource, namespace: namespace, name: name, propagation: propagation, dryRun: dry))
        case (.delete, nil):
            let labels = try KubeLabelSelector(parsing: query["labelSelector"] ?? "")
            let fields = try KubeFieldSelector(parsing: query["fieldSelector"] ?? "", resource: resource)
            let options = try await Self.optionalBody(request)
            let propagation = options?.string("propagationPolicy") ?? query["propagationPolicy"]
            return Self.reply(
                try await cluster.deleteCollection(
                    resource, namespace: namespace, labels: labels, fields: fields, propagation: propagation, dryRun: dryRun))
        default:
            throw KubeStatus.methodNotAllowed(method.rawValue.lowercased(), resource)
        }
    }

    /// `?watch=true`: a stream of `{"type": ADDED|MODIFIED|DELETED, "object": …}` lines (objects
    /// as one-row Tables when kubectl prints for people), from `resourceVersion` on (or every
    /// current object first), until `timeoutSeconds` (default 30 min), the client leaves, or the
    /// sandbox shuts down.
    private func watch(_ request: Request, resource: KubeResource, namespace: String?, query: [String: String]) async throws -> Response {
        let labels = try KubeLabelSelector(parsing: query["labelSelector"] ?? "")
        let fields = try KubeFieldSelector(parsing: query["fieldSelector"] ?? "", resource: resource)
        var start: Int64?
        if let text = query["resourceVersion"], !text.isEmpty, text != "0" {
            guard let value = Int64(text) else { throw KubeStatus.badRequest("invalid resourceVersion \"\(text)\"") }
            start = value
        }
        let first = try await cluster.watch(resource, namespace: namespace, labels: labels, fields: fields, after: start)
        let seconds = min(max(Int(query["timeoutSeconds"] ?? "") ?? 1800, 1), 3600)
        let deadline = ContinuousClock.now + .seconds(seconds)
        let table = Self.wantsTable(request) ? Self.tableOptions(query) : nil
        let (cluster, notifier) = (self.cluster, self.notifier)
        let body = ResponseBody { writer in
            var batch = first
            while true {
                for event in batch.events {
                    try await writer.write(
                        await Self.watchEvent(event.type, event.object, resource: resource, table: table, cluster: cluster))
                }
                if ContinuousClock.now >= deadline { break }
                if let notifier {
                    if await notifier.isShutDown { break }
                    await notifier.wait(after: await notifier.generation, timeout: .milliseconds(100))
                } else {
                    try await Task.sleep(for: .milliseconds(100))
                }
                do {
                    batch = try await cluster.watch(resource, namespace: namespace, labels: labels, fields: fields, after: batch.last)
                } catch let status as KubeStatus {
                    try await writer.write(
                        ByteBuffer(string: KubeJSON.object(["type": .string("ERROR"), "object": status.document]).text + "\n"))
                    break
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    private static func watchEvent(
        _ type: String, _ object: KubeJSON, resource: KubeResource, table: KubeTableOptions?, cluster: KubeCluster
    ) async
        -> ByteBuffer
    {
        var shown = object
        if let table {
            let list = KubeJSON.object([
                "metadata": .object(["resourceVersion": object[path: ["metadata", "resourceVersion"]] ?? .string("")]),
                "items": .array([object]),
            ])
            shown = await cluster.table(resource, list: list, request: table)
        }
        return ByteBuffer(string: KubeJSON.object(["type": .string(type), "object": shown]).text + "\n")
    }

    /// Discovery, version, health and OpenAPI documents; nil when the path is not one of them.
    private func discovery(_ segments: [String], request: Request) throws -> Response? {
        switch segments {
        case ["version"]: return Self.reply(KubeCatalog.version)
        case ["healthz"], ["livez"], ["readyz"]:
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
        case ["api"]: return Self.reply(KubeCatalog.coreVersions(serverAddress: request.head.authority ?? "127.0.0.1"))
        case ["apis"]: return Self.reply(KubeCatalog.groupList)
        case ["openapi", "v2"]: return KubeOpenAPI.v2(request)
        case ["openapi", "v3"]: return Self.reply(KubeOpenAPI.v3Root(prefix: Self.prefix + "/" + token))
        default: break
        }
        if segments.count >= 3, segments[0] == "openapi", segments[1] == "v3" {
            guard let document = KubeOpenAPI.v3(path: Array(segments.dropFirst(2))) else { throw KubeStatus.noRoute }
            return Self.reply(document)
        }
        if segments == ["api", "v1"] { return Self.reply(KubeCatalog.resourceList(group: "", version: "v1")!) }
        if segments.count == 2, segments[0] == "apis" {
            guard let group = KubeCatalog.group(segments[1]) else { throw KubeStatus.noRoute }
            return Self.reply(group)
        }
        if segments.count == 3, segments[0] == "apis" {
            guard let list = KubeCatalog.resourceList(group: segments[1], version: segments[2]) else { throw KubeStatus.noRoute }
            return Self.reply(list)
        }
        return nil
    }

    /// The resource, namespace, name and subresource a resource path names.
    private func target(_ segments: [String]) throws -> (KubeResource, String?, String?, String?) {
        let group: String
        let version: String
        var rest: ArraySlice<String>
        if segments.count >= 3, segments[0] == "api", segments[1] == "v1" {
            (group, version, rest) = ("", "v1", segments.dropFirst(2))
        } else if segments.count >= 4, segments[0] == "apis" {
            (group, version, rest) = (segments[1], segments[2], segments.dropFirst(3))
        } else {
            throw KubeStatus.noRoute
        }
        var namespace: String?
        if rest.count >= 3, rest.first == "namespaces",
            KubeCatalog.resource(group: group, version: version, plural: rest[rest.startIndex + 2]) != nil
        {
            namespace = rest[rest.startIndex + 1]
            rest = rest.dropFirst(2)
        }
        guard let plural = rest.first, let resource = KubeCatalog.resource(group: group, version: version, plural: plural), rest.count <= 3
        else {
            throw KubeStatus.noRoute
        }
        if namespace != nil && !resource.namespaced { throw KubeStatus.noRoute }
        let name = rest.count >= 2 ? rest[rest.startIndex + 1] : nil
        let subresource = rest.count == 3 ? rest[rest.startIndex + 2] : nil
        if resource.namespaced && name != nil && namespace == nil { throw KubeStatus.noRoute }
        return (resource, namespace, name, subresource)
    }

    // MARK: - Requests

    /// Query parameters, `+` and percent escapes decoded as Go's `url.Values` encodes them.
    static func query(_ text: String?) -> [String: String] {
        var values: [String: String] = [:]
        for pair in (text ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                let spaced = part.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            values[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return values
    }

    private static func body(_ request: Request) async throws -> KubeJSON {
        guard let body = try await optionalBody(request) else { throw KubeStatus.badRequest("the request needs a JSON body") }
        return body
    }

    private static func optionalBody(_ request: Request) async throws -> KubeJSON? {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 16 * 1024 * 1024)
        } catch {
            throw KubeStatus(code: 413, reason: "RequestEntityTooLarge", message: "the request body is larger than 16 MiB")
        }
        let bytes = Array(buffer.readableBytesView)
        guard bytes.contains(where: { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }) else { return nil }
        if bytes.first(where: { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }) != UInt8(ascii: "{")
            && bytes.first(where: { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }) != UInt8(ascii: "[")
        {
            throw KubeStatus(
                code: 415, reason: "UnsupportedMediaType",
                message: "the body of the request was in an unknown format - accepted media types include: application/json")
        }
        do {
            return try KubeJSON(parsing: bytes)
        } catch {
            throw KubeStatus.badRequest("the body of the request is not valid JSON: \(error)")
        }
    }

    private static func wantsTable(_ request: Request) -> Bool {
        (request.headers[.accept] ?? "").contains("as=Table")
    }

    private static func tableOptions(_ query: [String: String]) -> KubeTableOptions {
        KubeTableOptions(includeObject: query["includeObject"] ?? "PartialObjectMetadata")
    }

    // MARK: - Responses

    static func reply(_ document: KubeJSON, status: Int = 200) -> Response {
        Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: document.text + "\n")))
    }

    private static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            difference |= (index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0)
        }
        return difference == 0
    }
}

/// Sends every `/k8s` request to the Kubernetes API before the queue API's middleware sees it.
struct KubeMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext
    let api: KubeAPI

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard KubeAPI.handles(request.uri.path) else { return try await next(request, context) }
        return await api.respond(to: request, logger: context.logger)
    }
}
