import Digest
import Foundation

/// Typed persistence for the sandbox lane over one SQLite connection: resources as JSON
/// documents, event and log streams, id counters, idempotency keys and runner progress.
///
/// Confined to its owner (`SandboxLane`); callers group writes with `transaction`. Values always
/// travel as bound parameters; the only names spliced into SQL are table and column names from
/// this module's own enums.
final class SandboxDatabase {
    private let connection: SQLiteConnection
    private let encoder = JSONCoding.encoder
    private let decoder = JSONCoding.decoder

    /// Opens `path`, creating the schema on first use.
    init(path: String) throws {
        connection = try SQLiteConnection(path: path)
        try connection.transaction {
            try connection.execute(Schema.statements)
            let found = try connection.query("PRAGMA user_version").first?["user_version"].integer ?? 0
            if found == 0 {
                try connection.execute("PRAGMA user_version = \(Schema.version)")
            } else if found != Int64(Schema.version) {
                throw SQLiteError(code: 1, message: "\(path) has schema version \(found); this ars-sandbox reads version \(Schema.version)")
            }
        }
    }

    /// Closes the connection (after a clean shutdown).
    func close() {
        connection.close()
    }

    /// Runs `body` in one transaction: all of its writes or none.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try connection.transaction(body)
    }

    // MARK: - Resources

    /// Stores a new resource.
    func insert<R: StoredResource>(_ resource: R) throws {
        let columns = resource.indexed
        try connection.query(
            "INSERT INTO \(R.table.rawValue) (id, task_id, name, status, kind, aipod, doc) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                .text(resource.id), SQLiteValue(columns.taskId), SQLiteValue(columns.name), SQLiteValue(columns.status),
                SQLiteValue(columns.kind), SQLiteValue(columns.aipod), .text(try encode(resource)),
            ])
    }

    /// Replaces a stored resource by id.
    func update<R: StoredResource>(_ resource: R) throws {
        let columns = resource.indexed
        try connection.query(
            "UPDATE \(R.table.rawValue) SET task_id = ?, name = ?, status = ?, kind = ?, aipod = ?, doc = ? WHERE id = ?",
            [
                SQLiteValue(columns.taskId), SQLiteValue(columns.name), SQLiteValue(columns.status), SQLiteValue(columns.kind),
                SQLiteValue(columns.aipod), .text(try encode(resource)), .text(resource.id),
            ])
    }

    /// The resource with this id, or nil.
    func fetch<R: StoredResource>(_ type: R.Type, id: String) throws -> R? {
        try connection.query("SELECT doc FROM \(R.table.rawValue) WHERE id = ?", [.text(id)]).first.map(decodeDoc)
    }

    /// The resource with this id, or a 404 naming its kind and id.
    func require<R: StoredResource>(_ type: R.Type, id: String) throws -> R {
        guard let found = try fetch(type, id: id) else { throw APIError.notFound(kind: R.table.kind, id: id) }
        return found
    }

    /// The task with this name, or nil.
    func task(named name: String) throws -> AgentTask? {
        try connection.query("SELECT doc FROM tasks WHERE name = ?", [.text(name)]).first.map(decodeDoc)
    }

    /// Every resource of a type that belongs to a task, oldest first (not paged).
    func all<R: StoredResource>(_ type: R.Type, taskId: String) throws -> [R] {
        try connection.query("SELECT doc FROM \(R.table.rawValue) WHERE task_id = ? ORDER BY ordinal", [.text(taskId)]).map(decodeDoc)
    }

    /// One newest-first page of a resource type.
    func list<R: StoredResource>(_ type: R.Type, filter: ListFilter, page: PageRequest) throws -> Page<R> {
        var clauses: [String] = []
        var parameters: [SQLiteValue] = []
        for (column, value) in filter.columns {
            clauses.append("\(column.rawValue) = ?")
            parameters.append(.text(value))
        }
        for (key, value) in filter.labels {
            clauses.append("id IN (SELECT task_id FROM task_labels WHERE key = ? AND value = ?)")
            parameters.append(contentsOf: [.text(key), .text(value)])
        }
        if let before = page.cursor {
            clauses.append("ordinal < ?")
            parameters.append(.integer(before.ordinal))
        }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        parameters.append(.integer(Int64(page.limit + 1)))
        let rows = try connection.query(
            "SELECT ordinal, doc FROM \(R.table.rawValue) \(whereClause) ORDER BY ordinal DESC LIMIT ?", parameters)
        let shown = rows.prefix(page.limit)
        let next = rows.count > page.limit ? shown.last?["ordinal"].integer.map { Cursor(ordinal: $0).token } : nil
        return Page(items: try shown.map(decodeDoc), nextCursor: next)
    }

    // MARK: - Labels

    /// Replaces a task's labels (kept beside the document so lists can filter on them).
    func setLabels(taskId: String, _ labels: [String: String]) throws {
        try connection.query("DELETE FROM task_labels WHERE task_id = ?", [.text(taskId)])
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            try connection.query(
                "INSERT INTO task_labels (task_id, key, value) VALUES (?, ?, ?)", [.text(taskId), .text(key), .text(value)])
        }
    }

    // MARK: - Ids

    /// A new id of the kind `prefix` names (`t`, `r`, `s`, `c`, `rj`), in the real v0.1 server's
    /// shape: `task_`, `run_`, `sess_`, `cmd_` + 32 hex digits, runner jobs `agentrun-v01-runner-`
    /// + 12 hex digits. The digits are the SHA-256 of the kind and a per-kind counter, so the
    /// same requests on two fresh sandboxes give the same ids. Order comes from the tables'
    /// ordinals, not the ids.
    func nextID(prefix: String) throws -> String {
        let rows = try connection.query(
            "INSERT INTO counters (prefix, value) VALUES (?, 1) ON CONFLICT(prefix) DO UPDATE SET value = value + 1 RETURNING value",
            [.text(prefix)])
        guard let value = rows.first?["value"].integer else { throw APIError.internal("id counter for \(prefix) did not advance") }
        let hex = String(SHA256.hex("ars-sandbox id \(prefix)-\(value)").prefix(32))
        switch prefix {
        case "t": return "task_" + hex
        case "r": return "run_" + hex
        case "s": return "sess_" + hex
        case "c": return "cmd_" + hex
        case "rj": return "agentrun-v01-runner-" + hex.prefix(12)
        default: throw APIError.internal("no id shape for kind \(prefix)")
        }
    }

    // MARK: - Events and logs

    /// Appends an event to a run's stream with the next `seq`.
    @discardableResult
    func appendEvent(runId: String, type: String, at: Timestamp, commandId: String?, data: JSONValue) throws -> RunEvent {
        let seq = try lastSeq(of: .events, id: runId) + 1
        let event = RunEvent(seq: seq, runId: runId, type: type, at: at, commandId: commandId, data: data)
        try connection.query(
            "INSERT INTO events (run_id, seq, doc) VALUES (?, ?, ?)", [.text(runId), .integer(seq), .text(try encode(event))])
        return event
    }

    /// Stores an event with the `seq` it carries (imported traces).
    func insertEvent(_ event: RunEvent) throws {
        try connection.query(
            "INSERT INTO events (run_id, seq, doc) VALUES (?, ?, ?)", [.text(event.runId), .integer(event.seq), .text(try encode(event))])
    }

    /// Events of a run with `seq > afterSeq`, in order, at most `limit`: each its stored JSON
    /// document (what the encoder wrote; pages are served without decoding them again).
    func eventDocuments(runId: String, afterSeq: Int64, limit: Int) throws -> [(seq: Int64, doc: String)] {
        try connection.query(
            "SELECT seq, doc FROM events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            [.text(runId), .integer(afterSeq), .integer(Int64(limit))]
        ).map { row in
            guard let seq = row["seq"].integer, let doc = row["doc"].text else { throw APIError.internal("a stored event is missing") }
            return (seq, doc)
        }
    }

    /// Every event of a run, in order.
    func allEvents(runId: String) throws -> [RunEvent] {
        try connection.query("SELECT doc FROM events WHERE run_id = ? ORDER BY seq", [.text(runId)]).map(decodeDoc)
    }

    /// Appends a line to a session's log with the next `seq`.
    func appendLog(sessionId: String, at: Timestamp, stream: LogStream, line: String) throws {
        let seq = try lastSeq(of: .logs, id: sessionId) + 1
        let entry = LogLine(seq: seq, sessionId: sessionId, at: at, stream: stream, line: line)
        try connection.query(
            "INSERT INTO logs (session_id, seq, doc) VALUES (?, ?, ?)", [.text(sessionId), .integer(seq), .text(try encode(entry))])
    }

    /// Log lines of a session with `seq > afterSeq`, in order, at most `limit`.
    func logs(sessionId: String, afterSeq: Int64, limit: Int) throws -> [LogLine] {
        try connection.query(
            "SELECT doc FROM logs WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            [.text(sessionId), .integer(afterSeq), .integer(Int64(limit))]
        ).map(decodeDoc)
    }

    /// The highest `seq` of a run's events or a session's logs, 0 when none.
    func lastSeq(of stream: SequenceStream, id: String) throws -> Int64 {
        let sql = "SELECT coalesce(max(seq), 0) AS last FROM \(stream.rawValue) WHERE \(stream.ownerColumn) = ?"
        return try connection.query(sql, [.text(id)]).first?["last"].integer ?? 0
    }

    // MARK: - Idempotency keys

    /// The task created under `key` and the fingerprint of its body, if the key is known.
    func idempotencyRecord(key: String) throws -> (fingerprint: String, taskId: String)? {
        guard let row = try connection.query("SELECT fingerprint, task_id FROM idempotency_keys WHERE key = ?", [.text(key)]).first,
            let fingerprint = row["fingerprint"].text, let taskId = row["task_id"].text
        else { return nil }
        return (fingerprint, taskId)
    }

    /// Remembers that `key` created `taskId` from a body with `fingerprint`.
    func rememberIdempotencyKey(_ key: String, fingerprint: String, taskId: String, at: Timestamp) throws {
        try connection.query(
            "INSERT INTO idempotency_keys (key, fingerprint, task_id, created_at) VALUES (?, ?, ?, ?)",
            [.text(key), .text(fingerprint), .text(taskId), .integer(at.milliseconds)])
    }

    /// Forgets keys older than `cutoff`.
    func forgetIdempotencyKeys(before cutoff: Timestamp) throws {
        try connection.query("DELETE FROM idempotency_keys WHERE created_at < ?", [.integer(cutoff.milliseconds)])
    }

    // MARK: - Runner progress

    /// Every command the runner is still playing, in the order they started.
    func activeProgress() throws -> [TurnProgress] {
        try connection.query("SELECT command_id, started_at, next_step FROM turn_progress ORDER BY started_at, command_id").compactMap {
            row in
            guard let id = row["command_id"].text, let started = row["started_at"].integer, let next = row["next_step"].integer else {
                return nil
            }
            return TurnProgress(commandId: id, startedAt: Timestamp(milliseconds: started), nextStep: Int(next))
        }
    }

    /// Starts playing a command's script from its first step.
    func startProgress(commandId: String, at: Timestamp) throws {
        try connection.query(
            "INSERT INTO turn_progress (command_id, started_at, next_step) VALUES (?, ?, 0)", [.text(commandId), .integer(at.milliseconds)])
    }

    /// Records that the steps before `nextStep` have been applied.
    func setProgress(commandId: String, nextStep: Int) throws {
        try connection.query("UPDATE turn_progress SET next_step = ? WHERE command_id = ?", [SQLiteValue(nextStep), .text(commandId)])
    }

    /// Stops playing a command (it finished, failed or was cancelled).
    func endProgress(commandId: String) throws {
        try connection.query("DELETE FROM turn_progress WHERE command_id = ?", [.text(commandId)])
    }

    // MARK: - Meta

    /// A stored setting, or nil.
    func meta(_ key: String) throws -> String? {
        try connection.query("SELECT value FROM meta WHERE key = ?", [.text(key)]).first?["value"].text
    }

    /// Stores a setting.
    func setMeta(_ key: String, _ value: String) throws {
        try connection.query(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [.text(key), .text(value)])
    }

    // MARK: - Coding

    private func encode(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private func decodeDoc<T: Decodable>(_ row: SQLiteRow) throws -> T {
        guard let text = row["doc"].text else { throw APIError.internal("a stored document is missing") }
        return try decoder.decode(T.self, from: Data(text.utf8))
    }
}

/// A sequence-numbered stream: a run's events or a session's log.
enum SequenceStream: String, Sendable {
    case events, logs

    /// The column naming the stream's owner (run or session).
    var ownerColumn: String { self == .events ? "run_id" : "session_id" }
}

/// Where the runner is in one command's script.
struct TurnProgress: Sendable, Equatable {
    var commandId: String
    var startedAt: Timestamp
    var nextStep: Int
}
