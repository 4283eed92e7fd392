/// HTTP-level faults armed through `/admin/faults`: the next N requests answer 500, wait first,
/// or (follows only) lose their connection mid-body. Kept in memory: a restart clears them.
actor FaultInjector {
    /// What is still armed, as `/admin/faults` reports it.
    struct Armed: Codable, Sendable, Equatable {
        var http500: Int = 0
        var slowCount: Int = 0
        var slowDelayMs: Int = 0
        var dropFollow: Int = 0
    }

    private(set) var armed = Armed()

    /// Arms a fault from an admin request; a 400 names the bad field.
    func arm(_ request: FaultRequest) throws -> Armed {
        let count = request.count ?? 1
        guard (1...1000).contains(count) else { throw APIError.badRequest(field: "count", "count must be from 1 to 1000 (got \(count))") }
        switch request.kind {
        case "http-500":
            armed.http500 = count
        case "slow":
            guard let delay = request.delayMs, (1...60_000).contains(delay) else {
                throw APIError.badRequest(field: "delayMs", "a slow fault needs delayMs from 1 to 60000")
            }
            armed.slowCount = count
            armed.slowDelayMs = delay
        case "drop-follow":
            armed.dropFollow = count
        default:
            throw APIError.badRequest(field: "kind", "kind must be http-500, slow or drop-follow (got \"\(request.kind)\")")
        }
        return armed
    }

    /// Disarms everything.
    func clear() -> Armed {
        armed = Armed()
        return armed
    }

    /// Takes this request's share of the armed faults: how long to wait first, and whether to
    /// answer 500 instead of handling it.
    func takeRequestFaults() -> (delayMs: Int?, fail: Bool) {
        var delay: Int?
        if armed.slowCount > 0 {
            armed.slowCount -= 1
            delay = armed.slowDelayMs
            if armed.slowCount == 0 { armed.slowDelayMs = 0 }
        }
        var fail = false
        if armed.http500 > 0 {
            armed.http500 -= 1
            fail = true
        }
        return (delay, fail)
    }

    /// Whether this follow response should lose its connection mid-body.
    func takeDropFollow() -> Bool {
        guard armed.dropFollow > 0 else { return false }
        armed.dropFollow -= 1
        return true
    }
}
