import Commands
import FoundationEssentials

/// How queue resources read for people: table rows, lifecycle summaries, fields and next steps.
/// Every string here came from the server; the printer neutralises control sequences.
struct Views {
    let now: Date

    // MARK: - Schema

    /// The stable client schema for `-o json|yaml`: `apiVersion: ars/v1`, `kind`, then the
    /// server's fields in the server's order. A server field that is itself called `kind` (a
    /// command's `turn|steer|send`) is kept as `commandKind`, so no server fact is lost.
    static func schema(_ kind: String, _ value: Value) -> Value {
        var object = Object()
        object["apiVersion"] = "ars/v1"
        object["kind"] = .string(kind)
        for (key, field) in value.objectValue ?? Object() where key != "apiVersion" {
            object[key == "kind" ? "commandKind" : key] = field
        }
        return .object(object)
    }

    /// A list in the client schema.
    static func list(_ kind: ResourceKind, items: [Value], nextCursor: String?) -> Value {
        .object([
            "apiVersion": "ars/v1", "kind": .string(kind.schemaKind + "List"),
            "items": .array(items.map { schema(kind.schemaKind, $0) }), "nextCursor": .optional(nextCursor),
        ])
    }

    // MARK: - Tables

    func table(_ kind: ResourceKind, _ items: [Value]) -> Table {
        func s(_ item: Value, _ path: String) -> String { item.lookup(path).map(text) ?? "" }
        switch kind {
        case .task:
            return Table(
                columns: [
                    .init("id"), .init("name", maxWidth: 24), .init("aipod"), .init("status"), .init("age", alignRight: true),
                    .init("prompt", maxWidth: 40),
                ],
                rows: items.map {
                    [s($0, "id"), s($0, "name"), s($0, "aipod"), s($0, "status"), age($0["createdAt"]), firstLine(s($0, "prompt"))]
                })
        case .run:
            return Table(
                columns: [
                    .init("id"), .init("task"), .init("status"), .init("runner job"), .init("commands", alignRight: true),
                    .init("age", alignRight: true),
                ],
                rows: items.map {
                    [
                        s($0, "id"), s($0, "taskId"), s($0, "status"), s($0, "runnerJobId"),
                        String($0["commandIds"]?.arrayValue?.count ?? 0), age($0["startedAt"]),
                    ]
                })
        case .session:
            return Table(
                columns: [.init("id"), .init("task"), .init("run"), .init("liveness"), .init("for", alignRight: true), .init("thread")],
                rows: items.map {
                    [
                        s($0, "id"), s($0, "taskId"), s($0, "runId"), s($0, "liveness.phase"), age($0.lookup("liveness.since")),
                        s($0, "threadId"),
                    ]
                })
        case .command:
            return Table(
                columns: [.init("id"), .init("kind"), .init("status"), .init("task"), .init("failure"), .init("message", maxWidth: 40)],
                rows: items.map {
                    [
                        s($0, "id"), s($0, "kind"), s($0, "status"), s($0, "taskId"), s($0, "result.failureKind"),
                        firstLine(s($0, "message")),
                    ]
                })
        case .runnerjob:
            return Table(
                columns: [
                    .init("id"), .init("task"), .init("status"), .init("pod"), .init("namespace"), .init("bundles", alignRight: true),
                ],
                rows: items.map {
                    [
                        s($0, "id"), s($0, "taskId"), s($0, "status"), s($0, "podName"), s($0, "namespace"),
                        String($0["bundles"]?.arrayValue?.count ?? 0),
                    ]
                })
        }
    }

    // MARK: - Lifecycle

    /// `created 10:01 → dispatched 10:02 → running 10:02, waiting-tool for 40s`.
    func lifecycle(task: Value, liveness: Value? = nil) -> String {
        var steps: [String] = []
        for (label, field) in [("created", "createdAt"), ("dispatched", "dispatchedAt"), ("running", "startedAt")] {
            if let at = task[field].flatMap(Timestamps.parse) { steps.append("\(label) \(Timestamps.clock(at))") }
        }
        let status = task["status"]?.stringValue ?? "unknown"
        if ["succeeded", "failed", "cancelled"].contains(status) {
            let at = task["finishedAt"].flatMap(Timestamps.parse).map { " " + Timestamps.clock($0) } ?? ""
            steps.append(status + at)
        }
        var line = steps.joined(separator: " → ")
        if let phase = liveness?["phase"]?.stringValue, !["succeeded", "failed", "cancelled"].contains(status) {
            line += ", \(phase)" + (liveness?["since"].map { " for " + age($0) } ?? "")
        }
        if let kind = task["failureKind"]?.stringValue {
            line += " (failureKind \(kind)" + (FailureOwners.attribution(for: kind).map { ", owner \($0.owner.rawValue)" } ?? "") + ")"
        }
        if let ack = task["ack"], !ack.isNull {
            line += "; acked" + (ack["by"]?.stringValue.map { " by \($0)" } ?? "")
        }
        return line
    }

    // MARK: - Text helpers

    /// How long ago a timestamp was, compactly (`40s`, `17m23s`); empty when unknown.
    func age(_ value: Value?) -> String {
        guard let date = value.flatMap(Timestamps.parse) else { return "" }
        return Durations.age(now.timeIntervalSince(date))
    }

    func text(_ value: Value) -> String {
        switch value {
        case .null: ""
        case .array(let items): items.map(text).joined(separator: ",")
        default: value.plainText
        }
    }

    func firstLine(_ text: String) -> String {
        let line = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        return line.count < text.count ? line + " …" : line
    }

    /// Object fields as `name: value` pairs, nested objects flattened with dots, lists joined.
    func fields(_ value: Value, skipping: Set<String> = []) -> [(String, String)] {
        var pairs: [(String, String)] = []
        func walk(_ value: Value, prefix: String) {
            guard let object = value.objectValue else { return }
            for (key, field) in object where !skipping.contains(prefix + key) {
                switch field {
                case .object(let inner) where !inner.isEmpty: walk(field, prefix: prefix + key + ".")
                case .array(let items) where items.contains(where: { $0.objectValue != nil }):
                    pairs.append((prefix + key, "\(items.count) item\(items.count == 1 ? "" : "s")"))
                default: pairs.append((prefix + key, text(field).isEmpty ? "-" : text(field)))
                }
            }
        }
        walk(value, prefix: "")
        return pairs
    }
}

/// RFC 3339 timestamps as the server writes them, with or without fractional seconds.
enum Timestamps {
    static func parse(_ value: Value) -> Date? { value.stringValue.flatMap(RFC3339.parse) }

    /// `10:01:05` in UTC (what the server writes, so rows compare with raw events).
    static func clock(_ date: Date) -> String { RFC3339.clock(date) }
}
