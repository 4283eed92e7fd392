import Foundation
import Testing

/// Long-poll follow on events and logs, including resuming after a dropped connection.
@Suite("Follow")
struct FollowTests {
    @Test("a follow answers as soon as a new event exists, and with terminal once the run ended")
    func longPoll() async throws {
        try await withSandbox { sandbox in
            let task = try await sandbox.startTask("follow me\n@sandbox turns-ms=60000")
            let runId = try #require(task["runId"].string)
            var after = 0
            var types: [String] = []
            var terminal = false
            while !terminal {
                let asked = ContinuousClock.now
                let page = try await sandbox.data("/runs/\(runId)/events?afterSeq=\(after)&follow=true&waitMs=20000")
                let elapsed = ContinuousClock.now - asked
                #expect(elapsed < .seconds(10), "the follow answered when an event arrived, not at waitMs")
                types += page["items"].array.compactMap { $0["type"].string }
                after = page["nextAfterSeq"].int ?? after
                terminal = page["terminal"].bool == true
            }
            #expect(types.first == "run:created" && types.last == "terminal:succeeded")

            let asked = ContinuousClock.now
            let page = try await sandbox.data("/runs/\(runId)/events?afterSeq=\(after)&follow=true&waitMs=20000")
            #expect(page["items"].array.isEmpty && page["terminal"] == .bool(true))
            #expect(ContinuousClock.now - asked < .seconds(10), "a follow on an ended run returns at once, not after waitMs (20 s)")
        }
    }

    @Test("with nothing new, a follow returns empty after waitMs")
    func waitsForWaitMs() async throws {
        try await withSandbox { sandbox in
            let task = try await sandbox.startTask("stall\n@sandbox heartbeat-stall")
            let runId = try #require(task["runId"].string)
            let events = try await sandbox.follow(run: runId) { $0["type"].string == "tool-result" }
            let after = try #require(events.last?["seq"].int)
            _ = try await sandbox.eventually("/runs/\(runId)/events?afterSeq=\(after)") { $0["items"].array.isEmpty }
            let asked = ContinuousClock.now
            let page = try await sandbox.data("/runs/\(runId)/events?afterSeq=\(after)&follow=true&waitMs=300")
            let elapsed = ContinuousClock.now - asked
            #expect(page["items"].array.isEmpty)
            #expect(page["terminal"] == .bool(false))
            #expect(page["nextAfterSeq"].int == after)
            #expect(elapsed >= .milliseconds(290) && elapsed < .seconds(3))
            let bad = try await sandbox.get("/runs/\(runId)/events?follow=true&waitMs=30001")
            #expect(bad.status == 400 && bad.json["error"]["details"]["field"].string == "waitMs")
            let badFlag = try await sandbox.get("/runs/\(runId)/events?follow=yes")
            #expect(badFlag.status == 400 && badFlag.json["error"]["details"]["field"].string == "follow")
            _ = try await sandbox.post("/tasks/\(task["id"].string ?? "")/cancel")
        }
    }

    @Test("session logs follow too")
    func followLogs() async throws {
        try await withSandbox { sandbox in
            let task = try await sandbox.startTask("log follow\n@sandbox turns-ms=30000")
            let sessionId = try #require(task["sessionId"].string)
            var after = 0
            var lines: [JSON] = []
            for _ in 0..<200 {
                let page = try await sandbox.data("/sessions/\(sessionId)/logs?afterSeq=\(after)&follow=true&waitMs=5000")
                lines += page["items"].array
                after = page["nextAfterSeq"].int ?? after
                if page["terminal"] == .bool(true) { break }
            }
            #expect(lines.compactMap { $0["seq"].int } == Array(1...lines.count))
            #expect(lines.last?["line"].string == "[codex] turn completed")
        }
    }

    @Test("drop-follow: the body is cut mid-way; resuming from the same afterSeq loses and repeats nothing")
    func droppedConnectionResume() async throws {
        try await withSandbox { sandbox in
            let armed = try await sandbox.post("/admin/faults", #"{"kind": "drop-follow", "count": 3}"#)
            #expect(armed.status == 200)
            #expect(armed.json["data"]["dropFollow"].int == 3)
            let task = try await sandbox.startTask("follow through drops\n@sandbox turns-ms=20000")
            let runId = try #require(task["runId"].string)

            var collected: [JSON] = []
            var after = 0
            var drops = 0
            for _ in 0..<400 {
                let reply = try await sandbox.get("/runs/\(runId)/events?afterSeq=\(after)&follow=true&waitMs=5000")
                guard reply.complete else {
                    drops += 1
                    #expect(reply.status == 200)
                    #expect(reply.json == .missing, "a cut body is not valid JSON")
                    continue
                }
                let page = reply.json["data"]
                collected += page["items"].array
                after = page["nextAfterSeq"].int ?? after
                if page["terminal"] == .bool(true) { break }
            }
            #expect(drops == 3)
            let all = try await sandbox.data("/runs/\(runId)/events?limit=200")["items"].array
            #expect(collected == all, "no gap and no duplicate after the dropped connections")
            #expect(try await sandbox.post("/admin/faults", #"{"kind": "drop-follow"}"#).json["data"]["dropFollow"].int == 1)
            #expect(try await sandbox.send("DELETE", "/admin/faults").json["data"]["dropFollow"].int == 0)
        }
    }
}
