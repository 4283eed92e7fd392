import Foundation
import Testing

/// Fault injection: admin-armed HTTP faults and `@sandbox` prompt directives.
@Suite("Faults")
struct FaultTests {
    @Test("http-500 answers the next N requests with 500 and changes nothing; admin and healthz are exempt")
    func http500() async throws {
        try await withSandbox { sandbox in
            let armed = try await sandbox.post("/admin/faults", #"{"kind": "http-500", "count": 2}"#)
            #expect(armed.json["data"]["http500"].int == 2)
            #expect(try await sandbox.send("GET", "/healthz", authorization: nil).status == 200)
            let first = try await sandbox.post("/tasks", #"{"aipod": "Artificer", "prompt": "during a fault"}"#)
            #expect(first.status == 500)
            #expect(first.json["error"]["code"].string == "internal")
            #expect(try await sandbox.get("/tasks").status == 500)
            let third = try await sandbox.get("/tasks")
            #expect(third.status == 200)
            #expect(third.json["data"]["items"].array.isEmpty, "the failed create created nothing")
        }
    }

    @Test("slow delays the next N requests")
    func slow() async throws {
        try await withSandbox { sandbox in
            // The delay is long next to loopback latency even on a loaded 2-core machine.
            _ = try await sandbox.post("/admin/faults", #"{"kind": "slow", "delayMs": 4000, "count": 1}"#)
            var asked = ContinuousClock.now
            #expect(try await sandbox.get("/tasks").status == 200)
            #expect(ContinuousClock.now - asked >= .milliseconds(4000))
            asked = ContinuousClock.now
            _ = try await sandbox.get("/tasks")
            #expect(ContinuousClock.now - asked < .milliseconds(4000), "the fault was used up")
        }
    }

    @Test("DELETE /admin/faults disarms everything")
    func clear() async throws {
        try await withSandbox { sandbox in
            _ = try await sandbox.post("/admin/faults", #"{"kind": "http-500", "count": 5}"#)
            _ = try await sandbox.post("/admin/faults", #"{"kind": "slow", "delayMs": 5000, "count": 5}"#)
            let cleared = try await sandbox.send("DELETE", "/admin/faults")
            #expect(
                cleared.json["data"]
                    == .object(["http500": .number(0), "slowCount": .number(0), "slowDelayMs": .number(0), "dropFollow": .number(0)]))
            #expect(try await sandbox.get("/tasks").status == 200)
        }
    }

    @Test(
        "fail=<kind>: the turn fails with that kind, its owner and an event named by it",
        arguments: [
            ("thread-resume-failed", "agentrun-backend-adapter"), ("provider-invalid-tool-call", "provider-request"),
            ("provider-auth-failed", "provider"), ("provider-unavailable", "provider"), ("provider-stream-disconnected", "provider"),
            ("backend-failed", "agentrun-backend"),
        ])
    func failureKind(kind: String, owner: String) async throws {
        try await withSandbox { sandbox in
            let (task, events) = try await sandbox.runToEnd("break\n@sandbox fail=\(kind)")
            #expect(task["status"].string == "failed")
            #expect(task["failureKind"].string == kind)
            let result = try await sandbox.data("/tasks/\(task["id"].string ?? "")/result")
            #expect(result["status"].string == "failed")
            #expect(result["failureKind"].string == kind)
            #expect(result["failureOwner"].string == owner)
            #expect(result["failureMessage"].string?.isEmpty == false)
            #expect(result["finalResponse"].isNull)
            #expect(result["liveness"]["phase"].string == "terminal")
            let types = events.compactMap { $0["type"].string }
            #expect(types.suffix(2) == [kind, "terminal:failed"])
            let failure = try #require(events.first { $0["type"].string == kind })
            #expect(failure["data"]["failureKind"].string == kind && failure["data"]["owner"].string == owner)
            #expect(!types.contains("turn-completed"))
            let job = try await sandbox.data("/runnerjobs/\(task["runnerJobId"].string ?? "")")
            #expect(job["status"].string == "failed")
        }
    }

    @Test("stale-result: the task result shows an earlier output than the raw events")
    func staleResult() async throws {
        try await withSandbox { sandbox in
            // One turn: the result shows the turn's first, non-final assistant message.
            let (single, singleEvents) = try await sandbox.runToEnd("stale please\n@sandbox stale-result")
            let singleResult = try await sandbox.data("/tasks/\(single["id"].string ?? "")/result")
            let messages = singleEvents.filter { $0["type"].string == "assistant-message" }
            #expect(singleResult["finalResponse"] == messages.first?["data"]["text"])
            #expect(singleResult["finalResponse"] != messages.last?["data"]["text"])
            let honest = try await sandbox.data("/commands/\(single["currentCommandId"].string ?? "")/result")
            #expect(honest["finalResponse"] == messages.last?["data"]["text"], "the command's own result stays true")

            // A send with stale-result: the task result shows the previous command's answer.
            let (task, _) = try await sandbox.runToEnd("first answer")
            let firstAnswer = try await sandbox.data("/tasks/\(task["id"].string ?? "")/result")["finalResponse"]
            let send = try await sandbox.post(
                "/sessions/\(task["sessionId"].string ?? "")/send", "{\"message\": \"second\\n@sandbox stale-result\"}")
            #expect(send.status == 202)
            let events = try await sandbox.follow(run: task["runId"].string ?? "")
            let stale = try await sandbox.data("/tasks/\(task["id"].string ?? "")/result")
            #expect(stale["commandId"] == send.json["data"]["id"])
            #expect(stale["status"].string == "succeeded")
            #expect(stale["finalResponse"] == firstAnswer)
            let latest = events.last { $0["type"].string == "assistant-message" && $0["data"]["final"] == .bool(true) }
            #expect(latest?["commandId"] == send.json["data"]["id"])
            #expect(stale["finalResponse"] != latest?["data"]["text"], "the result disagrees with the raw events")
        }
    }

    @Test("heartbeat-stall: the runner goes quiet and liveness reads runner-heartbeat-stale")
    func heartbeatStall() async throws {
        try await withSandbox { sandbox in
            let task = try await sandbox.startTask("stall\n@sandbox heartbeat-stall")
            let sessionId = try #require(task["sessionId"].string)
            let session = try await sandbox.eventually("/sessions/\(sessionId)") {
                $0["liveness"]["phase"].string == "runner-heartbeat-stale"
            }
            let liveness = session["liveness"]
            let since = try #require(liveness["since"].string)
            let lastBeat = try #require(liveness["lastHeartbeatAt"].string)
            #expect(since > lastBeat, "stale from a moment after the last heartbeat")
            #expect(try await sandbox.data("/tasks/\(task["id"].string ?? "")")["status"].string == "running", "a stall is not a failure")
            let result = try await sandbox.data("/tasks/\(task["id"].string ?? "")/result")
            #expect(result["liveness"]["phase"].string == "runner-heartbeat-stale")
            #expect(result["status"].string == "running")
            _ = try await sandbox.post("/tasks/\(task["id"].string ?? "")/cancel")
            #expect(try await sandbox.data("/sessions/\(sessionId)")["liveness"]["phase"].string == "terminal")
        }
    }

    @Test("tool-output-kb=N: the second tool result is exactly N KiB; the log shows a truncated view")
    func toolOutput() async throws {
        try await withSandbox { sandbox in
            let (task, events) = try await sandbox.runToEnd("big output\n@sandbox tool-output-kb=12")
            let results = events.filter { $0["type"].string == "tool-result" }
            #expect(results.count == 2)
            #expect(results.last?["data"]["output"].string?.utf8.count == 12 * 1024)
            let logs = try await sandbox.data("/sessions/\(task["sessionId"].string ?? "")/logs?limit=200")["items"].array
            #expect(logs.contains { $0["line"].string?.hasPrefix("… 172 more lines") == true })
        }
    }

    @Test("turns-ms=N sets the sandbox duration of the turn")
    func turnDuration() async throws {
        try await withSandbox { sandbox in
            let (_, events) = try await sandbox.runToEnd("timed\n@sandbox turns-ms=120000")
            let created = try #require(events.first?["at"].string)
            let terminal = try #require(events.last?["at"].string)
            let start = try #require(ISO8601DateFormatter.withMilliseconds.date(from: created))
            let end = try #require(ISO8601DateFormatter.withMilliseconds.date(from: terminal))
            #expect(abs(end.timeIntervalSince(start) - 120) < 0.001, "\(created) → \(terminal)")
        }
    }
}
