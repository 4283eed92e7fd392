import Foundation
import Testing

/// Requests against one sandbox instance, paths relative to `/api/v1`, with the test key unless
/// a test says otherwise; plus the few compound steps most tests share.
struct SandboxClient: Sendable {
    let instance: SandboxInstance
    var port: Int { instance.port }

    // MARK: - Raw requests

    /// Sends a request; `authorization` nil sends no `Authorization` header.
    func send(
        _ method: String, _ path: String, body: String? = nil, headers: [(String, String)] = [],
        authorization: String? = "Bearer \(SandboxInstance.apiKey)"
    ) async throws -> HTTPExchange {
        var fields = headers
        if let authorization { fields.append(("Authorization", authorization)) }
        if body != nil { fields.append(("Content-Type", "application/json")) }
        return try await RawHTTP.send(port: port, method: method, path: "/api/v1" + path, headers: fields, body: body.map { Data($0.utf8) })
    }

    func get(_ path: String) async throws -> HTTPExchange {
        try await send("GET", path)
    }

    func post(_ path: String, _ body: String? = nil, headers: [(String, String)] = []) async throws -> HTTPExchange {
        try await send("POST", path, body: body, headers: headers)
    }

    /// GETs `path` and returns `data`, expecting 200.
    func data(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSON {
        let reply = try await get(path)
        #expect(reply.status == 200, "GET \(path): \(reply.text)", sourceLocation: sourceLocation)
        return reply.json["data"]
    }

    // MARK: - Compound steps

    /// Creates a task and returns it, expecting 201.
    func createTask(_ prompt: String, aipod: String = "Artificer", labels: [String: String] = [:], name: String? = nil) async throws -> JSON
    {
        let reply = try await post("/tasks", encode(TaskBody(aipod: aipod, prompt: prompt, name: name, labels: labels)))
        #expect(reply.status == 201, "create: \(reply.text)")
        return reply.json["data"]
    }

    /// Creates and dispatches a task; returns the dispatched task.
    func startTask(_ prompt: String, labels: [String: String] = [:]) async throws -> JSON {
        let task = try await createTask(prompt, labels: labels)
        let reply = try await post("/tasks/\(task["id"].string ?? "")/dispatch")
        #expect(reply.status == 200, "dispatch: \(reply.text)")
        return reply.json["data"]
    }

    /// Follows a run's events from `afterSeq` until `stop` holds for one of them, or the run is
    /// terminal; returns the events read.
    func follow(run runId: String, afterSeq: Int = 0, until stop: (JSON) -> Bool = { _ in false }) async throws -> [JSON] {
        var events: [JSON] = []
        var cursor = afterSeq
        for _ in 0..<400 {
            let page = try await data("/runs/\(runId)/events?afterSeq=\(cursor)&follow=true&waitMs=5000&limit=200")
            events += page["items"].array
            cursor = page["nextAfterSeq"].int ?? cursor
            if page["items"].array.contains(where: stop) || page["terminal"].bool == true { return events }
        }
        Issue.record("run \(runId) did not reach the awaited event")
        return events
    }

    /// Starts a task and waits until its run is terminal; returns the final task and all events.
    func runToEnd(_ prompt: String, labels: [String: String] = [:]) async throws -> (task: JSON, events: [JSON]) {
        let started = try await startTask(prompt, labels: labels)
        let events = try await follow(run: started["runId"].string ?? "")
        return (try await data("/tasks/\(started["id"].string ?? "")"), events)
    }

    /// Moves the sandbox clock forward by `milliseconds`; returns the new sandbox time.
    @discardableResult
    func advanceClock(_ milliseconds: Int64, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let reply = try await post("/admin/clock", "{\"advanceMs\": \(milliseconds)}")
        #expect(reply.status == 200, "advance: \(reply.text)", sourceLocation: sourceLocation)
        return reply.json["data"]["now"].string ?? ""
    }

    /// Polls `path` until `condition` holds on its data (at most ~5 s).
    func eventually(_ path: String, sourceLocation: SourceLocation = #_sourceLocation, _ condition: (JSON) -> Bool) async throws -> JSON {
        var last = JSON.missing
        for _ in 0..<500 {
            last = try await data(path)
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition on \(path) never held; last: \(last)", sourceLocation: sourceLocation)
        return last
    }
}

/// The documented default length of a simulated turn, in sandbox milliseconds.
let defaultTurn: Int64 = 8_000

/// A day of sandbox time: at test speed a turn this long stays where it is for many seconds.
let oneDay: Int64 = 86_400_000

/// A minute of sandbox time: on a sandbox at `frozen` speed a turn this long moves only when the
/// test advances the clock (with eight heartbeats, it is also cheap to play to the end).
let slowTurn: Int64 = 60_000

/// A speed at which sandbox time practically stands still (a real second is a sandbox
/// microsecond): only the test's clock advances move it, so the test decides what happens when.
let frozen = 0.000_001

/// The body of `POST /tasks` as tests send it.
struct TaskBody: Encodable {
    var aipod: String
    var prompt: String
    var name: String?
    var labels: [String: String]?
}

/// JSON text of an encodable value (key order fixed).
func encode(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
}
