import Digest
import Hummingbird

/// Just enough OpenAPI for kubectl's write commands.
///
/// `kubectl create -f` validates in "strict" mode by default: it downloads `/openapi/v2` (a
/// protobuf document; the empty message is a valid, empty one) and asks `/openapi/v3` whether the
/// server validates fields itself — which these documents say it does, for every served kind (a
/// `PATCH` operation tagged with the kind's `x-kubernetes-group-version-kind` taking the
/// `fieldValidation` query parameter). kubectl then leaves validation to the server and sends
/// `?fieldValidation=Strict`, which the sandbox accepts without checking fields.
enum KubeOpenAPI {
    static let protobufType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"

    /// `/openapi/v2`: an empty protobuf `Document` when protobuf is accepted, else an empty Swagger document.
    static func v2(_ request: Request) -> Response {
        if (request.headers[.accept] ?? "").contains("protobuf") {
            return Response(status: .ok, headers: [.contentType: protobufType], body: .init(byteBuffer: ByteBuffer()))
        }
        return KubeAPI.reply(
            .object([
                "swagger": .string("2.0"), "info": .object(["title": .string("Kubernetes"), "version": .string("v1.32.5+k3s1")]),
                "paths": .object([:]), "definitions": .object([:]),
            ]))
    }

    /// `/openapi/v3`: one entry per served group version.
    static func v3Root(prefix: String) -> KubeJSON {
        var paths: [String: KubeJSON] = [:]
        for key in groupVersionPaths {
            let document = v3(path: key.split(separator: "/").map(String.init)) ?? .null
            let hash = String(SHA256.hex(document.text).prefix(16)).uppercased()
            paths[key] = .object(["serverRelativeURL": .string("\(prefix)/openapi/v3/\(key)?hash=\(hash)")])
        }
        return .object(["paths": .object(paths)])
    }

    private static var groupVersionPaths: [String] {
        ["api/v1"] + KubeCatalog.groups.map { "apis/\($0.group)/\($0.version)" }
    }

    /// `/openapi/v3/api/v1`, `/openapi/v3/apis/<group>/<version>`; nil for other paths.
    static func v3(path: [String]) -> KubeJSON? {
        let resources: [KubeResource]
        if path == ["api", "v1"] {
            resources = KubeCatalog.resources.filter { $0.group.isEmpty }
        } else if path.count == 3, path[0] == "apis" {
            resources = KubeCatalog.resources.filter { $0.group == path[1] && $0.version == path[2] }
        } else {
            return nil
        }
        guard !resources.isEmpty else { return nil }
        var paths: [String: KubeJSON] = [:]
        for resource in resources {
            let collection =
                resource.namespaced
                ? "\(resource.groupVersionPath)/namespaces/{namespace}/\(resource.plural)"
                : "\(resource.groupVersionPath)/\(resource.plural)"
            let gvk = KubeJSON.object([
                "group": .string(resource.group), "version": .string(resource.version), "kind": .string(resource.kind),
            ])
            let fieldValidation = KubeJSON.object([
                "name": .string("fieldValidation"), "in": .string("query"),
                "schema": .object(["type": .string("string"), "uniqueItems": .bool(true)]),
            ])
            func operation(_ id: String, _ action: String) -> KubeJSON {
                .object([
                    "operationId": .string(id), "parameters": .array([fieldValidation]),
                    "x-kubernetes-action": .string(action), "x-kubernetes-group-version-kind": gvk,
                    "responses": .object(["200": .object(["description": .string("OK")])]),
                ])
            }
            let name = "\(resource.kind)\(resource.group.isEmpty ? "" : "." + resource.group)"
            paths[collection] = .object(["post": operation("create\(name)", "post")])
            paths[collection + "/{name}"] = .object([
                "patch": operation("patch\(name)", "patch"), "put": operation("replace\(name)", "put"),
            ])
        }
        return .object([
            "openapi": .string("3.0.0"), "info": .object(["title": .string("Kubernetes"), "version": .string("v1.32.5+k3s1")]),
            "paths": .object(paths), "components": .object(["schemas": .object([:])]),
        ])
    }
}
