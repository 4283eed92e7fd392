/// One row of a run's event stream; `seq` strictly increases per run.
struct RunEvent: Codable, Sendable, Equatable {
    var seq: Int64
    var runId: String
    var type: String
    var at: Timestamp
    @Nullable var commandId: String? = nil
    var data: JSONValue
}

/// One line of a session's runner log; `seq` strictly increases per session.
struct LogLine: Codable, Sendable, Equatable {
    var seq: Int64
    var sessionId: String
    var at: Timestamp
    var stream: LogStream
    var line: String
}

/// The runner stream a log line came from.
enum LogStream: String, Codable, Sendable {
    case stdout, stderr
}
