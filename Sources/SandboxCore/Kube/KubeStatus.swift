/// A failed Kubernetes API request, answered as a `Status` object with the apiserver's code,
/// reason and message — which is what kubectl turns into `Error from server (NotFound): …`.
struct KubeStatus: Error, Sendable {
    let code: Int
    let reason: String
    let message: String
    var details: [String: KubeJSON] = [:]

    /// The `Status` document.
    var document: KubeJSON {
        var members: [String: KubeJSON] = [
            "kind": .string("Status"), "apiVersion": .string("v1"), "metadata": .object([:]),
            "status": .string("Failure"), "message": .string(message), "reason": .string(reason), "code": .int(code),
        ]
        if !details.isEmpty { members["details"] = .object(details) }
        return .object(members)
    }

    /// `<resource>[.<group>] "<name>"`, as the apiserver names an object in messages.
    static func qualified(_ resource: KubeResource, _ name: String) -> String {
        "\(resource.qualifiedPlural) \"\(name)\""
    }

    static func details(_ resource: KubeResource, name: String) -> [String: KubeJSON] {
        var details: [String: KubeJSON] = ["name": .string(name), "kind": .string(resource.plural)]
        if !resource.group.isEmpty { details["group"] = .string(resource.group) }
        return details
    }

    static func notFound(_ resource: KubeResource, _ name: String) -> KubeStatus {
        KubeStatus(code: 404, reason: "NotFound", message: "\(qualified(resource, name)) not found", details: details(resource, name: name))
    }

    static func alreadyExists(_ resource: KubeResource, _ name: String) -> KubeStatus {
        KubeStatus(
            code: 409, reason: "AlreadyExists", message: "\(qualified(resource, name)) already exists",
            details: details(resource, name: name))
    }

    static func conflict(_ resource: KubeResource, _ name: String, _ why: String) -> KubeStatus {
        KubeStatus(
            code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on \(qualified(resource, name)): \(why)",
            details: details(resource, name: name))
    }

    /// 422 naming the field, as validation failures read: `Kind.group "name" is invalid: field: why`.
    static func invalid(_ resource: KubeResource, _ name: String, field: String, _ why: String) -> KubeStatus {
        let kind = resource.group.isEmpty ? resource.kind : "\(resource.kind).\(resource.group)"
        var details = details(resource, name: name)
        details["kind"] = .string(resource.kind)
        details["causes"] = .array([.object(["reason": .string("FieldValueInvalid"), "message": .string(why), "field": .string(field)])])
        return KubeStatus(code: 422, reason: "Invalid", message: "\(kind) \"\(name)\" is invalid: \(field): \(why)", details: details)
    }

    static func badRequest(_ message: String) -> KubeStatus {
        KubeStatus(code: 400, reason: "BadRequest", message: message)
    }

    static func unprocessable(_ message: String) -> KubeStatus {
        KubeStatus(code: 422, reason: "Invalid", message: message)
    }

    static let unauthorized = KubeStatus(code: 401, reason: "Unauthorized", message: "Unauthorized")

    /// No such path: the apiserver's bare 404.
    static let noRoute = KubeStatus(code: 404, reason: "NotFound", message: "the server could not find the requested resource")

    static func methodNotAllowed(_ verb: String, _ resource: KubeResource) -> KubeStatus {
        KubeStatus(
            code: 405, reason: "MethodNotAllowed",
            message: "the server does not allow this method on the requested resource (\(verb) \(resource.qualifiedPlural))")
    }

    static func unsupportedMediaType(_ contentType: String) -> KubeStatus {
        KubeStatus(
            code: 415, reason: "UnsupportedMediaType",
            message:
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got \(contentType))"
        )
    }

    static func `internal`(_ message: String) -> KubeStatus {
        KubeStatus(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)")
    }
}
