import HTTPTypes

/// The header fields the contract adds to HTTP's own. (The initializer fails only for a name that
/// is not an HTTP token; these literals are.)
extension HTTPField.Name {
    /// `X-Request-Id`: the envelope's `requestId`, on every response.
    static let requestId = HTTPField.Name("X-Request-Id")!
    /// `Idempotency-Key`: makes `POST /tasks` safe to retry.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
