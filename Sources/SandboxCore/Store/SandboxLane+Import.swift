import Digest
import Foundation

/// `--import-run FILE`: a finished run from a published trace — a JSON Lines file of events —
/// loaded as a task, run, session and command, so the shell renders real traces through
/// `events`, `logs`, `result` and `describe`.
///
/// One object per line: `type` (required), a time (`at`, `time`, `timestamp` or `ts`: RFC 3339 or
/// milliseconds since 1970; required), `data` (an object; without it the line's other fields are
/// the data), optional `seq` (assigned in file order when any line lacks one) and `commandId`.
/// Ids are minted in the real shapes from the file's SHA-256, so importing the same file again
/// is a no-op. The task's status comes from the last terminal event (`terminal:*`, `result:*`,
/// `cancel:*`; both spellings of cancelled); its final response from the last assistant message
/// marked `final` — which need not be the last row — else the last assistant message.
struct TraceImport {
    struct Line {
        var seq: Int64?
        var type: String
        var at: Timestamp
        var commandId: String?
        var data: JSONValue
    }

    /// A problem in the file, at `file:line`.
    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    let file: String
    let lines: [Line]
    let digest: String

    /// Reads and checks the whole file; nothing is stored when any line is wrong.
    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "--import-run \(path): cannot read the file")
        }
        file = (path as NSString).lastPathComponent
        digest = SHA256.hex(String(decoding: data, as: UTF8.self))
        var lines: [Line] = []
        var number = 0
        for raw in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            guard !raw.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) else { continue }
            let value: JSONValue
            do {
                value = try JSONDecoder().decode(JSONValue.self, from: Data(raw))
            } catch {
                throw Problem(description: "\(path):\(number):1: not a JSON object (\(Self.reason(error)))")
            }
            guard case .object(let object) = value else {
                throw Problem(description: "\(path):\(number):1: each line must be a JSON object")
            }
            guard case .string(let type)? = object["type"], !type.isEmpty else {
                throw Problem(description: "\(path):\(number):1: the event has no \"type\"")
            }
            guard let at = ["at", "time", "timestamp", "ts"].lazy.compactMap({ object[$0].flatMap(Self.timestamp) }).first else {
                throw Problem(
                    description:
                        "\(path):\(number):1: the event has no time (\"at\", \"time\", \"timestamp\" or \"ts\": RFC 3339 or milliseconds)")
            }
            var seq: Int64?
            if case .number(let n)? = object["seq"] { seq = Int64(n) }
            var commandId: String?
            if case .string(let c)? = object["commandId"] { commandId = c }
            let data: JSONValue =
                if let given = object["data"] { given } else {
                    .object(object.filter { !["type", "at", "time", "timestamp", "ts", "seq", "commandId", "runId"].contains($0.key) })
                }
            lines.append(Line(seq: seq, type: type, at: at, commandId: commandId, data: data))
        }
        guard !lines.isEmpty else { throw Problem(description: "--import-run \(path): the file holds no events") }
        if lines.allSatisfy({ $0.seq != nil }) {
            let seqs = lines.map { $0.seq! }
            guard Set(seqs).count == seqs.count else { throw Problem(description: "--import-run \(path): two events share a seq") }
        } else {
            for index in lines.indices { lines[index].seq = Int64(index + 1) }
        }
        self.lines = lines.sorted { $0.seq! < $1.seq! }
    }

    private static func reason(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error { return context.debugDescription }
        return "\(error)"
    }

    private static func timestamp(_ value: JSONValue) -> Timestamp? {
        switch value {
        case .string(let text): Timestamp(rfc3339: text)
        case .number(let ms): Timestamp(milliseconds: Int64(ms))
        default: nil
        }
    }

    /// An id in the real shape, the same for the same file: `run_` + 32 hex digits.
    func id(_ prefix: String) -> String { prefix + String(SHA256.hex(prefix + digest).prefix(32)) }

    /// The outcome the trace ends with.
    var outcome: (task: TaskStatus, failureKind: FailureKind?) {
        for line in lines.reversed() {
            let type = line.type.lowercased()
            guard type.hasPrefix("terminal:") || type.hasPrefix("result:") || type.hasPrefix("cancel:") || type == "turn-cancelled" else {
                continue
            }
            if type.contains("cancel") { return (.cancelled, nil) }
            if type.hasSuffix("failed") {
                var kind: FailureKind?
                if case .object(let data) = line.data, case .string(let name)? = data["failureKind"] { kind = FailureKind(rawValue: name) }
                return (.failed, kind ?? lines.lazy.compactMap { FailureKind(rawValue: $0.type) }.last)
            }
            if type.hasSuffix("succeeded") { return (.succeeded, nil) }
        }
        return finalResponse == nil ? (.failed, nil) : (.succeeded, nil)
    }

    /// The last assistant message marked final, else the last assistant message.
    var finalResponse: String? {
        func text(_ line: Line) -> String? {
            guard case .object(let data) = line.data, case .string(let text)? = data["text"] else { return nil }
            return text
        }
        let assistant = lines.filter { $0.type == "assistant-message" || $0.type == "assistant" }
        let final = assistant.last { line in
            if case .object(let data) = line.data, case .bool(true)? = data["final"] { return true }
            return false
        }
        return (final ?? assistant.last).flatMap(text)
    }

    /// The prompt the trace records (`initial-prompt-assembly` `data.prompt`), else a note.
    var prompt: String {
        for line in lines where line.type == "initial-prompt-assembly" {
            if case .object(let data) = line.data, case .string(let prompt)? = data["prompt"] { return prompt }
        }
        return "imported trace \(file)"
    }
}

extension SandboxLane {
    /// Loads a trace as a finished task; returns its task id (the existing one for a file
    /// imported before).
    @discardableResult
    func importRun(_ trace: TraceImport) async throws -> String {
        try await mutate { now in
            let taskId = trace.id("task_")
            if try db.fetch(AgentTask.self, id: taskId) != nil { return taskId }
            let (runId, sessionId, commandId) = (trace.id("run_"), trace.id("sess_"), trace.id("cmd_"))
            let first = trace.lines.map(\.at).min()!
            let last = trace.lines.map(\.at).max()!
            let (status, failureKind) = trace.outcome
            let runStatus = RunStatus(rawValue: status.rawValue) ?? .failed
            let commandStatus = CommandStatus(rawValue: status.rawValue) ?? .failed
            try db.insert(
                AgentTask(
                    id: taskId, name: nil, aipod: "imported", prompt: trace.prompt, labels: ["imported-from": trace.file], runner: nil,
                    status: status, createdAt: first, dispatchedAt: first, startedAt: first, finishedAt: last, ack: nil, runId: runId,
                    sessionId: sessionId, runnerJobId: nil, currentCommandId: commandId, failureKind: failureKind))
            try db.setLabels(taskId: taskId, ["imported-from": trace.file])
            try db.insert(
                Session(
                    id: sessionId, taskId: taskId, runId: runId, threadId: trace.id("thread_"), createdAt: first,
                    liveness: Liveness(phase: .terminal, since: last, lastEventAt: last, lastHeartbeatAt: nil)))
            try db.insert(
                AgentCommand(
                    id: commandId, taskId: taskId, runId: runId, sessionId: sessionId, kind: .turn, status: commandStatus,
                    message: trace.prompt, createdAt: first, finishedAt: last,
                    result: CommandResult(
                        finalResponse: trace.finalResponse, failureKind: failureKind, failureOwner: nil, failureMessage: nil),
                    steerDelivery: nil, targetCommandId: nil))
            try db.insert(
                Run(
                    id: runId, taskId: taskId, sessionId: sessionId, status: runStatus, runnerJobId: nil, commandIds: [commandId],
                    startedAt: first, finishedAt: last))
            for line in trace.lines {
                try db.insertEvent(
                    RunEvent(
                        seq: line.seq!, runId: runId, type: line.type, at: line.at, commandId: line.commandId ?? commandId, data: line.data)
                )
            }
            _ = now
            return taskId
        }
    }
}
