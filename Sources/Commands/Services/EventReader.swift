import FoundationEssentials

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
    ///
    /// Two pages are in flight at once. The page after the current one is asked for before the
    /// current one arrives, at the cursor a full page of consecutive `seq`s ends on; it is used
    /// only when the current page does end there (as it does while `seq`s are dense), else
    /// dropped and the right one asked for — the same request the reader would make anyway, so
    /// nothing is missed or repeated. The server answers the two at once.
    @discardableResult
    public func read(deliver: ([Value]) -> Void) async throws -> Int {
        var cursor = afterSeq
        var last = afterSeq
        var current = fetch(after: cursor)
        var ahead = (cursor: cursor + pageSize, task: fetch(after: cursor + pageSize))
        defer {
            current.cancel()
            ahead.task.cancel()
        }
        while true {
            guard let page = try await Self.awaiting(current) else { return last }
            let batch = page["items"]?.arrayValue ?? []
            last = batch.last?["seq"]?.intValue ?? last
            let next = page["nextAfterSeq"]?.intValue ?? cursor
            guard !batch.isEmpty && next > cursor else {
                if !batch.isEmpty { deliver(batch) }
                return last
            }
            if ahead.cursor == next {
                current = ahead.task
            } else {
                ahead.task.cancel()
                current = fetch(after: next)
            }
            ahead = (next + pageSize, fetch(after: next + pageSize))
            // This page is handed over (and printed) while the next two are on their way.
            deliver(batch)
            cursor = next
        }
    }

    private func fetch(after cursor: Int) -> Task<Value?, any Error> {
        Task { [self] in try await page(after: cursor) }
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
    ///
    /// While pages come back full (a finished run, or one far ahead of its reader), the page after
    /// the next is asked for without waiting, as `read` does; it is used only when the next page
    /// ends where it starts and it holds items (else the reader long-polls as usual).
    public func follow(waitMs: Int = 20_000, maxFailures: Int = 5, deliver: (Value) -> Void) async throws -> Int {
        var cursor = afterSeq
        var failures = 0
        var current = longPoll(after: cursor, waitMs: waitMs)
        var ahead: (cursor: Int, task: Task<Result<Value, any Error>, Never>)?
        defer {
            current.cancel()
            ahead?.task.cancel()
        }
        while true {
            try Task.checkCancellation()
            let page: Value
            switch await Self.awaiting(current) {
            case .success(let value):
                page = value
                failures = 0
            case .failure(let error):
                guard let error = error as? ArsError, error.kind == .remote, failures < maxFailures else { throw error }
                failures += 1
                client.session.progress("follow: \(error.message); resuming after seq \(cursor) (attempt \(failures)/\(maxFailures))")
                try await Task.sleep(for: .milliseconds(200 * failures))
                ahead?.task.cancel()
                ahead = nil
                current = longPoll(after: cursor, waitMs: waitMs)
                continue
            }
            let items = (page["items"]?.arrayValue ?? []).filter { ($0["seq"]?.intValue ?? Int.min) > cursor }
            let next = items.last?["seq"]?.intValue ?? cursor
            if page["terminal"] == .bool(true) {
                for item in items { deliver(item) }
                return next
            }
            // The next page is on its way (and, after a full page, the one after it) while this
            // page is handed over (and printed).
            if let speculative = ahead, speculative.cursor == next {
                current = Task { [self] in
                    let early = await Self.awaiting(speculative.task)
                    if case .success(let value) = early, !(value["items"]?.arrayValue ?? []).isEmpty || value["terminal"] == .bool(true) {
                        return early
                    }
                    return await Self.awaiting(longPoll(after: next, waitMs: waitMs))
                }
            } else {
                ahead?.task.cancel()
                current = longPoll(after: next, waitMs: waitMs)
            }
            ahead = items.count >= pageSize ? (next + pageSize, plainPage(after: next + pageSize)) : nil
            for item in items { deliver(item) }
            cursor = next
        }
    }

    /// A page task's outcome; cancelling the caller (Ctrl-C) cancels the task, and with it the
    /// transfer (an unstructured task does not inherit cancellation).
    private static func awaiting<T: Sendable>(_ task: Task<T, Never>) async -> T {
        await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
    }

    private static func awaiting<T: Sendable>(_ task: Task<T, any Error>) async throws -> T {
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// A long-poll for the items after `cursor`, its failure kept as a value.
    private func longPoll(after cursor: Int, waitMs: Int) -> Task<Result<Value, any Error>, Never> {
        Task { [self] in
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
    }

    /// The items after `cursor` that exist now (no waiting), its failure kept as a value.
    private func plainPage(after cursor: Int) -> Task<Result<Value, any Error>, Never> {
        Task { [self] in
            do { return .success(try await page(after: cursor) ?? .null) } catch { return .failure(error) }
        }
    }
}
