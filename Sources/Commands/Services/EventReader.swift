import Foundation

/// Reads a run's events or a session's logs by sequence number, optionally following with
/// long-polls; after a dropped connection it resumes from the last seen `seq`, so nothing is
/// missed or repeated.
public struct EventReader: Sendable {
    public let client: AgentRunClient
    /// `runs` (events) or `sessions` (logs).
    public let collection: String
    public let id: String
    public var afterSeq = 0
    public var pageSize = 200

    private var path: String { "/\(collection)/\(id)/\(collection == "runs" ? "events" : "logs")" }

    public init(client: AgentRunClient, collection: String, id: String, afterSeq: Int = 0) {
        self.client = client
        self.collection = collection
        self.id = id
        self.afterSeq = afterSeq
    }

    /// Every item after `afterSeq` that exists now, handed over a page at a time (nothing is
    /// kept here, so a long read stays flat in memory); returns the last `seq` read.
    @discardableResult
    public func read(deliver: ([Value]) -> Void) async throws -> Int {
        var cursor = afterSeq
        var last = afterSeq
        guard var page = try await self.page(after: cursor) else { return last }
        while true {
            let batch = page["items"]?.arrayValue ?? []
            last = batch.last?["seq"]?.intValue ?? last
            let next = page["nextAfterSeq"]?.intValue ?? cursor
            let more = !batch.isEmpty && next > cursor
            // The next page is fetched while this one is handed over (and printed).
            async let following = more ? self.page(after: next) : Value?.none
            if !batch.isEmpty { deliver(batch) }
            guard let fetched = try await following else { return last }
            page = fetched
            cursor = next
        }
    }

    private func page(after cursor: Int) async throws -> Value? {
        try await client.get(path, query: [("afterSeq", String(cursor)), ("limit", String(pageSize))]).data
    }

    /// Every item after `afterSeq` that exists now.
    public func readAll() async throws -> [Value] {
        var items: [Value] = []
        try await read { items += $0 }
        return items
    }

    /// Follows until the server says the run is terminal, handing each item to `deliver` once,
    /// in order. Connection drops and server errors are retried from the last delivered `seq`
    /// (up to `maxFailures` in a row).
    public func follow(waitMs: Int = 20_000, maxFailures: Int = 5, deliver: (Value) -> Void) async throws -> Int {
        func fetch(_ cursor: Int) async -> Result<Value, any Error> {
            do {
                return .success(
                    try await client.get(
                        path,
                        query: [("afterSeq", String(cursor)), ("limit", String(pageSize)), ("follow", "true"), ("waitMs", String(waitMs))],
                        timeout: Double(waitMs) / 1000 + 15
                    ).data)
            } catch {
                return .failure(error)
            }
        }
        var cursor = afterSeq
        var failures = 0
        var result = await fetch(cursor)
        while true {
            try Task.checkCancellation()
            let page: Value
            switch result {
            case .success(let value):
                page = value
                failures = 0
            case .failure(let error):
                guard let error = error as? ArsError, error.kind == .remote, failures < maxFailures else { throw error }
                failures += 1
                client.session.progress("follow: \(error.message); resuming after seq \(cursor) (attempt \(failures)/\(maxFailures))")
                try await Task.sleep(for: .milliseconds(200 * failures))
                result = await fetch(cursor)
                continue
            }
            let items = (page["items"]?.arrayValue ?? []).filter { ($0["seq"]?.intValue ?? Int.min) > cursor }
            let next = items.last?["seq"]?.intValue ?? cursor
            if page["terminal"] == .bool(true) {
                for item in items { deliver(item) }
                return next
            }
            // The next long-poll is on its way while this page is handed over (and printed).
            async let following = fetch(next)
            for item in items { deliver(item) }
            cursor = next
            result = await following
        }
    }
}
