import CommandModel
import FoundationEssentials
import Synchronization

// MARK: - Recording

/// The exchanges of one `ars run --record`, HTTP and node bridge alike, in the order they
/// finished; written as one file (`kind: Recording`) with every registered secret redacted.
///
/// ```json
/// {"apiVersion": "ars/v1", "kind": "Recording", "arsVersion": "…", "exchanges": [
///   {"kind": "http", "request": {"method": …, "path": …, "body": …},
///    "response": {"status": …, "contentType": …, "body": …}},
///   {"kind": "exec", "node": "G14", "bridge": "trans G14",
///    "command": {"target": "cluster", "arguments": ["get", "pods"], "stdin": null},
///    "result": {"exitStatus": 0, "stdout": "…", "stderr": ""}}
/// ]}
/// ```
///
/// A `.directory` command is `{"target": "directory", "directory": "/path", "arguments":
/// ["SCRIPT"]}`. Output and stdin are text when they are UTF-8, else `{"base64": "…"}`. An
/// exchange without `kind` is HTTP (recordings made before node bridges).
public final class RecordingLog: Sendable {
    private let entries = Mutex<[Entry]>([])

    fileprivate enum Entry: Sendable {
        case http(Value)
        case exec(node: String, bridge: String, command: RemoteCommand, result: RemoteResult)
    }

    public init() {}

    /// How many exchanges have been recorded.
    public var count: Int { entries.withLock { $0.count } }

    fileprivate func append(_ entry: Entry) {
        entries.withLock { $0.append(entry) }
    }

    /// The recording file's content. `redact` is applied to every string in it (so a secret is
    /// found however JSON would escape it); output that is not UTF-8 is kept as base64 unless a
    /// secret shows in it, in which case its redacted text is kept instead.
    public func recording(redact: (String) -> String) -> String {
        let exchanges = entries.withLock { $0 }.map { entry -> Value in
            switch entry {
            case .http(let value):
                return Recording.redactingStrings(value, redact)
            case .exec(let node, let bridge, let command, let result):
                var commandValue = Object()
                switch command.target {
                case .cluster:
                    commandValue["target"] = "cluster"
                case .directory(let path):
                    commandValue["target"] = "directory"
                    commandValue["directory"] = .string(redact(path))
                }
                commandValue["arguments"] = .array(command.arguments.map { .string(redact($0)) })
                commandValue["stdin"] = command.stdin.map { Recording.payload($0, redact) } ?? .null
                return .object([
                    "kind": "exec", "node": .string(node), "bridge": .string(redact(bridge)),
                    "command": .object(commandValue),
                    "result": .object([
                        "exitStatus": .int(Int(result.exitStatus)),
                        "stdout": Recording.payload(result.stdout, redact),
                        "stderr": Recording.payload(result.stderr, redact),
                    ]),
                ])
            }
        }
        let value = Value.object([
            "apiVersion": "ars/v1", "kind": "Recording", "arsVersion": .string(ArsVersion.current),
            "exchanges": .array(exchanges),
        ])
        return JSON.encode(value) + "\n"
    }
}

/// Records every HTTP exchange that passes through the transport seam, for `ars run --record`.
/// Authorization headers are never kept; secrets are redacted when the recording is written.
public final class RecordingTransport: HTTPTransport {
    private let inner: any HTTPTransport
    /// Where the exchanges go (shared with the run's `RecordingBridge`s).
    public let log: RecordingLog

    public init(wrapping inner: any HTTPTransport, into log: RecordingLog = RecordingLog()) {
        self.inner = inner
        self.log = log
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let response = try await inner.send(request)
        log.append(
            .http(
                .object([
                    "kind": "http",
                    "request": .object([
                        "method": .string(request.method), "path": .string(Recording.pathAndQuery(request.url)),
                        "body": .optional(request.body.map { String(decoding: $0, as: UTF8.self) }),
                    ]),
                    "response": .object([
                        "status": .int(response.status),
                        "contentType": .optional(response.header("Content-Type")),
                        "body": .string(String(decoding: response.body, as: UTF8.self)),
                    ]),
                ])))
        return response
    }

    /// The recording file's content, with every registered secret redacted.
    public func recording(redact: (String) -> String) -> String {
        log.recording(redact: redact)
    }
}

/// Records every command that passes through a node's bridge, for `ars run --record`: the
/// command (node, target, arguments, stdin) and its result (stdout, stderr, exit status). A
/// command the bridge could not run (it threw) is not recorded.
public final class RecordingBridge: RemoteBridge {
    private let inner: any RemoteBridge
    private let node: String
    public let log: RecordingLog
    public var name: String { inner.name }

    public init(wrapping inner: any RemoteBridge, node: String, into log: RecordingLog) {
        self.inner = inner
        self.node = node
        self.log = log
    }

    public func run(_ command: RemoteCommand) async throws -> RemoteResult {
        let result = try await inner.run(command)
        log.append(.exec(node: node, bridge: inner.name, command: command, result: result))
        return result
    }
}

// MARK: - Replay

/// A recording loaded for `ars run --replay`: the exchanges not yet served, shared by the run's
/// `ReplayTransport` and `ReplayBridge`s. Each request or command takes the first unused
/// exchange that matches it, so the order of unrelated exchanges does not matter.
public final class ReplayLog: Sendable {
    private let remaining: Mutex<[Value]>
    private let total: Int
    /// The file it came from, for messages.
    public let file: String

    /// Loads a recording written by `--record`.
    public init(file: String) throws(ArsError) {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ArsError.invalidInput(.recordingUnreadable, "cannot read the recording \(file)")
        }
        let value: Value
        do { value = try JSON.decode(String(decoding: data, as: UTF8.self)) } catch {
            throw ArsError.invalidInput(.recordingInvalid, "\(file) is not a recording: \(error.message) at \(error.line):\(error.column)")
        }
        guard value["kind"] == "Recording", let exchanges = value["exchanges"]?.arrayValue else {
            throw ArsError.invalidInput(
                .recordingInvalid, "\(file) is not an ars recording (kind: Recording)",
                hint: "make one with 'ars run FILE --record \(file)'")
        }
        self.remaining = Mutex(exchanges)
        self.total = exchanges.count
        self.file = file
    }

    /// How many exchanges have not been served.
    public var unusedCount: Int { remaining.withLock { $0.count } }

    /// Removes and returns the first unused exchange that `matches` accepts, or throws
    /// `not-recorded` naming `what`.
    fileprivate func take(_ what: String, where matches: (Value) -> Bool) throws(ArsError) -> Value {
        let taken = remaining.withLock { remaining -> Value? in
            remaining.firstIndex(where: matches).map { remaining.remove(at: $0) }
        }
        guard let taken else {
            throw ArsError(
                .remote, code: .notRecorded, "the recording \(file) holds no response for \(what)",
                hint: "\(unusedCount) of \(total) recorded exchanges are unused; record the script again if it changed")
        }
        return taken
    }
}

/// Serves recorded HTTP exchanges instead of the network, for `ars run --replay`. Requests are
/// matched by method, path with query, and body (hosts and ports may differ between runs); a
/// request the recording does not hold is an error that says so.
public final class ReplayTransport: HTTPTransport {
    private let log: ReplayLog

    /// Loads a recording written by `--record`.
    public convenience init(file: String) throws(ArsError) {
        self.init(replaying: try ReplayLog(file: file))
    }

    public init(replaying log: ReplayLog) {
        self.log = log
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let path = Recording.pathAndQuery(request.url)
        let body = request.body.map { String(decoding: $0, as: UTF8.self) }
        let exchange = try log.take("\(request.method) \(path)") { exchange in
            (exchange["kind"]?.stringValue ?? "http") == "http"
                && exchange.lookup("request.method")?.stringValue == request.method
                && exchange.lookup("request.path")?.stringValue == path
                && (exchange.lookup("request.body")?.stringValue ?? nil) == body
        }
        var headers: [HTTPHeader] = []
        if let type = exchange.lookup("response.contentType")?.stringValue { headers.append(HTTPHeader("Content-Type", type)) }
        return HTTPResponse(
            status: exchange.lookup("response.status")?.intValue ?? 0, headers: headers,
            body: Data((exchange.lookup("response.body")?.stringValue ?? "").utf8))
    }
}

/// Serves recorded node commands instead of a bridge, for `ars run --replay`. Commands are
/// matched by node name, target (cluster or folder), arguments and stdin; the recorded stdout,
/// stderr and exit status come back. A command the recording does not hold is an error that
/// says so.
public struct ReplayBridge: RemoteBridge {
    public let name: String
    private let node: String
    private let log: ReplayLog

    public init(node: String, replaying log: ReplayLog) {
        self.name = "replay \(node)"
        self.node = node
        self.log = log
    }

    public func run(_ command: RemoteCommand) async throws -> RemoteResult {
        try Task.checkCancellation()
        let exchange = try log.take("\(command.display(node: node))") { exchange in
            guard exchange["kind"]?.stringValue == "exec", exchange["node"]?.stringValue == node,
                let recorded = exchange["command"]
            else { return false }
            let targetMatches: Bool
            switch command.target {
            case .cluster: targetMatches = recorded["target"] == "cluster"
            case .directory(let path): targetMatches = recorded["target"] == "directory" && recorded["directory"]?.stringValue == path
            }
            return targetMatches
                && recorded["arguments"] == .array(command.arguments.map(Value.string))
                && Recording.data(recorded["stdin"] ?? .null) == command.stdin
        }
        return RemoteResult(
            stdout: Recording.data(exchange.lookup("result.stdout") ?? .null) ?? Data(),
            stderr: Recording.data(exchange.lookup("result.stderr") ?? .null) ?? Data(),
            exitStatus: Int32(clamping: exchange.lookup("result.exitStatus")?.intValue ?? 0))
    }
}

// MARK: - Helpers

enum Recording {
    /// `/api/v1/tasks?limit=50` from a full URL: recordings match across hosts and ports.
    static func pathAndQuery(_ url: String) -> String {
        guard let components = URLComponents(string: url) else { return url }
        return components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    /// Bytes as recorded: text when they are UTF-8, else `{"base64": …}` — or, when a secret
    /// shows in them, their redacted text (lossy, but the secret must not be written).
    static func payload(_ data: Data, _ redact: (String) -> String) -> Value {
        if let text = String(data: data, encoding: .utf8) { return .string(redact(text)) }
        let lossy = String(decoding: data, as: UTF8.self)
        let redacted = redact(lossy)
        return redacted == lossy ? .object(["base64": .string(data.base64EncodedString())]) : .string(redacted)
    }

    /// The bytes of a recorded payload; nil for `null`.
    static func data(_ value: Value) -> Data? {
        switch value {
        case .string(let text): Data(text.utf8)
        case .object(let object): object["base64"]?.stringValue.flatMap { Data(base64Encoded: $0) }
        default: nil
        }
    }

    /// The value with `redact` applied to every string in it.
    static func redactingStrings(_ value: Value, _ redact: (String) -> String) -> Value {
        switch value {
        case .string(let text): .string(redact(text))
        case .array(let items): .array(items.map { redactingStrings($0, redact) })
        case .object(let object): .object(Object(object.map { ($0.key, redactingStrings($0.value, redact)) }))
        default: value
        }
    }
}
