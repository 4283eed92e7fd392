import Foundation
import Testing

/// Steer, send, cancel, ack and apply, and the result views of commands.
@Suite("Commands")
struct CommandTests {
    @Test("steer: 202 steer command; ack → forward → backend accepted; the target keeps running and then succeeds")
    func steer() async throws {
        try await withSandbox(speed: frozen) { sandbox in
            let task = try await sandbox.startTask("Long job\n@sandbox turns-ms=\(slowTurn)")
            let id = try #require(task["id"].string)
            let runId = try #require(task["runId"].string)
            let targetId = try #require(task["currentCommandId"].string)
            try await sandbox.advanceClock(slowTurn * 3 / 10)  // past backend-turn-started (26 %)

            let reply = try await sandbox.post("/tasks/\(id)/steer", #"{"message": "也检查 .hyueapi.com 的 NO_PROXY"}"#)
            #expect(reply.status == 202)
            let steer = reply.json["data"]
            let steerId = try #require(steer["id"].string)
            #expect(steer["kind"].string == "steer")
            #expect(steer["targetCommandId"].string == targetId)
            #expect(steer["steerDelivery"] == .object(["ack": .bool(true), "forward": .bool(false), "backendAccepted": .bool(false)]))

            try await sandbox.advanceClock(500)  // forwarded after 200 ms, accepted after 400 ms
            let delivered = try await sandbox.data("/commands/\(steerId)")
            #expect(delivered["steerDelivery"]["forward"] == .bool(true))
            #expect(delivered["status"].string == "succeeded")
            let target = try await sandbox.data("/commands/\(targetId)/result")
            #expect(target["status"].string == "running", "a steer never finishes its target")
            #expect(target["finalResponse"].isNull)
            #expect(
                try await sandbox.data("/tasks/\(id)")["currentCommandId"].string == targetId,
                "the steer does not become the current command")
            let steerResult = try await sandbox.data("/commands/\(steerId)/result")
            #expect(steerResult["kind"].string == "steer" && steerResult["steerDelivery"]["backendAccepted"] == .bool(true))
            #expect(steerResult["targetCommandId"].string == targetId)
            #expect(steerResult["finalResponse"].isNull)

            try await sandbox.advanceClock(slowTurn)
            let events = try await sandbox.follow(run: runId)
            let all = try await sandbox.data("/runs/\(runId)/events?limit=200")["items"].array
            let steerEvents = all.filter { $0["commandId"].string == steerId }.compactMap { $0["type"].string }
            #expect(steerEvents == ["steer:accepted", "steer:command-created", "steer:forwarded", "steer:backend-accepted"])
            #expect(events.last?["type"].string == "terminal:succeeded")
            let final = try await sandbox.data("/tasks/\(id)/result")
            #expect(final["commandId"].string == targetId)
            #expect(final["finalResponse"].string?.contains("也检查 .hyueapi.com 的 NO_PROXY") == true, "the accepted steer shaped the answer")
            #expect(try await sandbox.data("/runs/\(runId)")["commandIds"].array.compactMap(\.string) == [targetId, steerId])
        }
    }

    @Test("send: a new turn on the session with its own runner job; the task re-opens and finishes again")
    func send() async throws {
        try await withSandbox(speed: frozen) { sandbox in
            let started = try await sandbox.startTask("first turn")
            try await sandbox.advanceClock(10_000)
            _ = try await sandbox.follow(run: started["runId"].string ?? "")
            let done = try await sandbox.data("/tasks/\(started["id"].string ?? "")")
            let id = try #require(done["id"].string)
            let sessionId = try #require(done["sessionId"].string)
            let firstJob = try #require(done["runnerJobId"].string)
            let reply = try await sandbox.post(
                "/sessions/\(sessionId)/send", "{\"message\": \"second turn, please\\n@sandbox turns-ms=\(slowTurn)\"}")
            #expect(reply.status == 202)
            let send = reply.json["data"]
            #expect(send["kind"].string == "send")
            #expect(send["status"].string == "queued")
            let reopened = try await sandbox.data("/tasks/\(id)")
            #expect(reopened["status"].string == "running")
            #expect(reopened["currentCommandId"] == send["id"])
            #expect(reopened["finishedAt"].isNull)

            let busy = try await sandbox.post("/sessions/\(sessionId)/send", #"{"message": "third"}"#)
            #expect(busy.status == 409 && busy.json["error"]["details"]["action"].string == "send")

            try await sandbox.advanceClock(slowTurn)
            let events = try await sandbox.follow(run: done["runId"].string ?? "", afterSeq: 0)
            #expect(events.last?["type"].string == "terminal:succeeded")
            #expect(events.contains { $0["type"].string == "thread-resumed" && $0["commandId"] == send["id"] })
            let finished = try await sandbox.data("/tasks/\(id)")
            #expect(finished["status"].string == "succeeded")
            #expect(finished["runnerJobId"].string != firstJob, "each turn runs in its own runner job")
            let result = try await sandbox.data("/tasks/\(id)/result")
            #expect(result["commandId"] == send["id"] && result["kind"].string == "send")
            #expect(result["finalResponse"].string?.contains("second turn, please") == true)
            let first = try await sandbox.data("/commands/\(done["currentCommandId"].string ?? "")/result")
            #expect(first["finalResponse"].string?.contains("first turn") == true, "each command keeps its own final response")
            #expect(try await sandbox.data("/runnerjobs?taskId=\(id)")["items"].array.count == 2)
            #expect(try await sandbox.data("/commands?taskId=\(id)&kind=send")["items"].array.count == 1)
        }
    }

    @Test("cancel a running turn: interrupt events, everything cancelled, liveness terminal; then no send")
    func cancelRunning() async throws {
        try await withSandbox(speed: frozen) { sandbox in
            let task = try await sandbox.startTask("cancel me\n@sandbox turns-ms=\(slowTurn)")
            let id = try #require(task["id"].string)
            let runId = try #require(task["runId"].string)
            try await sandbox.advanceClock(slowTurn * 46 / 100)  // waiting for the first tool (45–55 %)
            let reply = try await sandbox.post("/tasks/\(id)/cancel")
            #expect(reply.status == 200)
            #expect(reply.json["data"]["status"].string == "cancelled")
            #expect(reply.json["data"]["finishedAt"].string != nil)

            let events = try await sandbox.data("/runs/\(runId)/events?limit=200")["items"].array.compactMap { $0["type"].string }
            #expect(
                Array(events.suffix(4)) == ["turn-interrupt-requested", "turn/interrupt completed", "turn-cancelled", "terminal:cancelled"])
            #expect(try await sandbox.data("/runs/\(runId)")["status"].string == "cancelled")
            #expect(try await sandbox.data("/commands/\(task["currentCommandId"].string ?? "")")["status"].string == "cancelled")
            #expect(
                try await sandbox.data("/runnerjobs/\(try await sandbox.data("/tasks/\(id)")["runnerJobId"].string ?? "")")["status"].string
                    == "cancelled")
            #expect(try await sandbox.data("/sessions/\(task["sessionId"].string ?? "")")["liveness"]["phase"].string == "terminal")
            let send = try await sandbox.post("/sessions/\(task["sessionId"].string ?? "")/send", #"{"message": "again"}"#)
            #expect(send.status == 409 && send.json["error"]["details"]["status"].string == "cancelled")
            // Time passing does not revive a cancelled turn.
            try await sandbox.advanceClock(slowTurn)
            let after = try await sandbox.data("/runs/\(runId)/events?afterSeq=\(events.count)")
            #expect(after["items"].array.isEmpty && after["terminal"] == .bool(true))
        }
    }

    @Test("cancel a created task: no run is ever made; a pending steer is cancelled with its target")
    func cancelOtherStates() async throws {
        try await withSandbox(speed: frozen) { sandbox in
            let created = try await sandbox.createTask("never runs")
            let cancelled = try await sandbox.post("/tasks/\(created["id"].string ?? "")/cancel").json["data"]
            #expect(cancelled["status"].string == "cancelled" && cancelled["runId"].isNull)

            let task = try await sandbox.startTask("steer then cancel\n@sandbox turns-ms=\(slowTurn)")
            try await sandbox.advanceClock(slowTurn * 3 / 10)
            let steer = try await sandbox.post("/tasks/\(task["id"].string ?? "")/steer", #"{"message": "m"}"#).json["data"]
            _ = try await sandbox.post("/tasks/\(task["id"].string ?? "")/cancel")
            let after = try await sandbox.data("/commands/\(steer["id"].string ?? "")")
            #expect(after["status"].string == "cancelled", "a steer not yet accepted ends with its cancelled target")
            #expect(after["steerDelivery"]["backendAccepted"] == .bool(false))
        }
    }

    @Test("ack: a terminal task is acknowledged once, by default by commander")
    func ack() async throws {
        try await withSandbox { sandbox in
            let (done, _) = try await sandbox.runToEnd("ack me")
            let acked = try await sandbox.post("/tasks/\(done["id"].string ?? "")/ack")
            #expect(acked.status == 200)
            #expect(acked.json["data"]["ack"]["by"].string == "commander")
            #expect(acked.json["data"]["ack"]["at"].string != nil)
        }
    }

    @Test("apply: create, unchanged, update while created; all or nothing")
    func apply() async throws {
        try await withSandbox { sandbox in
            let first = try await sandbox.post(
                "/tasks/apply",
                """
                {"items": [{"kind": "Task", "name": "alpha", "aipod": "Artificer", "prompt": "a", "labels": {"set": "1"}},
                           {"name": "beta", "aipod": "Artificer", "prompt": "b"}]}
                """)
            #expect(first.status == 200)
            #expect(first.json["data"]["items"].array.compactMap { $0["action"].string } == ["created", "created"])
            let alphaId = try #require(first.json["data"]["items"][0]["task"]["id"].string)

            let second = try await sandbox.post(
                "/tasks/apply",
                """
                {"items": [{"name": "alpha", "aipod": "Artificer", "prompt": "a2", "labels": {"set": "1"}},
                           {"name": "beta", "aipod": "Artificer", "prompt": "b"}]}
                """)
            #expect(second.json["data"]["items"].array.compactMap { $0["action"].string } == ["updated", "unchanged"])
            #expect(second.json["data"]["items"][0]["task"]["id"].string == alphaId)
            #expect(try await sandbox.data("/tasks/\(alphaId)")["prompt"].string == "a2")

            _ = try await sandbox.post("/tasks/\(alphaId)/dispatch")
            let refused = try await sandbox.post(
                "/tasks/apply",
                """
                {"items": [{"name": "gamma", "aipod": "Artificer", "prompt": "g"},
                           {"name": "alpha", "aipod": "Artificer", "prompt": "a3", "labels": {"set": "1"}}]}
                """)
            #expect(refused.status == 409)
            #expect(refused.json["error"]["details"]["action"].string == "apply")
            let names = try await sandbox.data("/tasks")["items"].array.compactMap { $0["name"].string }
            #expect(!names.contains("gamma"), "a refused apply creates nothing")
            #expect(try await sandbox.data("/tasks/\(alphaId)")["prompt"].string == "a2")
            _ = try await sandbox.post("/tasks/\(alphaId)/cancel")
        }
    }
}
