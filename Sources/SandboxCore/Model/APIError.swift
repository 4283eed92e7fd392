/// A refusal the API answers with: HTTP status, stable `error.code`, message and details.
/// Thrown before any write, so a refused request changes nothing.
struct APIError: Error, Sendable, Equatable {
    var status: Int
    var code: String
    var message: String
    var details: [String: JSONValue]

    // MARK: - The contract's error kinds

    /// 400: malformed JSON, a missing or ill-typed field, or a bad query value.
    static func badRequest(field: String, _ message: String) -> APIError {
        APIError(status: 400, code: "bad-request", message: message, details: ["field": .string(field)])
    }

    /// 401: no `Authorization` header, or a wrong key.
    static func unauthorized(_ message: String) -> APIError {
        APIError(status: 401, code: "unauthorized", message: message, details: [:])
    }

    /// 404 for an unknown resource.
    static func notFound(kind: String, id: String) -> APIError {
        APIError(status: 404, code: "not-found", message: "\(kind) \(id) not found", details: ["kind": .string(kind), "id": .string(id)])
    }

    /// 404 for an unknown route.
    static func noRoute(method: String, path: String) -> APIError {
        APIError(
            status: 404, code: "not-found", message: "no route for \(method) \(path)",
            details: ["method": .string(method), "path": .string(path)])
    }

    /// 409 for an illegal transition: `status` is the current one, `action` the refused one.
    static func conflict(status: String, action: String, _ message: String) -> APIError {
        APIError(status: 409, code: "conflict", message: message, details: ["status": .string(status), "action": .string(action)])
    }

    /// 409 for a clash that is not a transition (a reused idempotency key, a taken name).
    static func conflict(_ message: String, details: [String: JSONValue]) -> APIError {
        APIError(status: 409, code: "conflict", message: message, details: details)
    }

    /// 500: a server fault (injected, or a storage failure).
    static func `internal`(_ message: String) -> APIError {
        APIError(status: 500, code: "internal", message: message, details: [:])
    }
}
