import Foundation
import Testing

/// 400 naming the field, 404 with kind and id, 409 for illegal transitions; nothing partial.
@Suite("Errors")
struct ErrorTests {
    @Test(
        "unknown resources are 404 with their kind and id",
        arguments: [
            ("/tasks/t-99", "task", "t-99"), ("/runs/r-99", "run", "r-99"), ("/sessions/s-99", "session", "s-99"),
            ("/commands/c-99", "command", "c-99"), ("/runnerjobs/rj-99", "runnerjob", "rj-99"), ("/tasks/t-99/result", "task", "t-99"),
            ("/commands/c-99/result", "command", "c-99"), ("/runs/r-99/events", "run", "r-99"), ("/sessions/s-99/logs", "session", "s-99"),
        ])
    func notFound(path: String, kind: String, id: String) async throws {
        try await withSandbox { sandbox in
            let reply = try await sandbox.get(path)
            #expect(reply.status == 404)
            #expect(reply.json["error"]["code"].string == "not-found")
            #expect(reply.json["error"]["details"]["kind"].string == kind)
            #expect(reply.json["error"]["details"]["id"].string == id)
            #expect(reply.json["error"]["message"].string == "\(kind) \(id) not found")
        }
    }

    @Test("writes to unknown resources and unknown routes are 404")
    func notFoundWrites() async throws {
        try await withSandbox { sandbox in
            for path in ["/tasks/t-7/dispatch", "/tasks/t-7/cancel", "/tasks/t-7/ack"] {
                let reply = try await sandbox.post(path)
                #expect(reply.status == 404 && reply.json["error"]["details"]["kind"].string == "task", "\(path)")
            }
            #expect(try await sandbox.post("/tasks/t-7/steer", #"{"message": "m"}"#).status == 404)
            #expect(try await sandbox.post("/sessions/s-7/send", #"{"message": "m"}"#).json["error"]["details"]["kind"].string == "session")
            let route = try await sandbox.get("/nothing/here")
            #expect(route.status == 404)
            #expect(route.json["error"]["code"].string == "not-found")
            #expect(route.json["error"]["details"]["path"].string == "/api/v1/nothing/here")
            #expect(try await sandbox.send("DELETE", "/tasks/t-1").status == 404, "an unsupported method is no route")
        }
    }

    @Test(
        "malformed bodies are 400 naming the field",
        arguments: [
            (#"{"aipod": "Artificer", "prompt": "x""#, "body"),
            ("", "body"),
            (#"["not", "an", "object"]"#, "body"),
            (#"{"prompt": "x"}"#, "aipod"),
            (#"{"aipod": "Artificer"}"#, "prompt"),
            (#"{"aipod": 7, "prompt": "x"}"#, "aipod"),
            (#"{"aipod": "Artificer", "prompt": "   "}"#, "prompt"),
            (#"{"aipod": "has space", "prompt": "x"}"#, "aipod"),
            (#"{"aipod": "Artificer", "prompt": "x", "labels": {"issue": 105}}"#, "labels.issue"),
            (#"{"aipod": "Artificer", "prompt": "x", "labels": "issue=105"}"#, "labels"),
            (#"{"aipod": "Artificer", "prompt": "x\n@sandbox fail=out-of-cheese"}"#, "prompt"),
            (#"{"aipod": "Artificer", "prompt": "x\n@sandbox tool-output-kb=lots"}"#, "prompt"),
            (#"{"aipod": "Artificer", "prompt": "x", "runner": {"bundles": [{"ref": "main"}]}}"#, "runner.bundles[0].repoUrl"),
            (
                #"{"aipod": "Artificer", "prompt": "x", "runner": {"bundles": [{"repoUrl": "https://tok:en@github.com/a/b"}]}}"#,
                "runner.bundles[0].repoUrl"
            ),
            (
                #"{"aipod": "Artificer", "prompt": "x", "runner": {"bundles": [{"repoUrl": "https://github.com/a/b", "commit": "abc"}]}}"#,
                "runner.bundles[0].commit"
            ),
            (#"{"aipod": "Artificer", "prompt": "x", "runner": {"transientEnv": ["OK_NAME", "bad-name"]}}"#, "runner.transientEnv[1]"),
            (
                #"{"aipod": "Artificer", "prompt": "x", "runner": {"transientEnv": [{"name": "K", "value": "secret"}]}}"#,
                "runner.transientEnv[0]"
            ),
        ])
    func badCreateBody(body: String, field: String) async throws {
        try await withSandbox { sandbox in
            let reply = try await sandbox.post("/tasks", body)
            #expect(reply.status == 400, "\(reply.text)")
            #expect(reply.json["error"]["code"].string == "bad-request")
            #expect(reply.json["error"]["details"]["field"].string == field, "\(reply.text)")
            #expect(!reply.text.contains("tok:en"), "credentials in a URL are not echoed")
            #expect(try await sandbox.data("/tasks")["items"].array.isEmpty)
        }
    }

    @Test("other bodies name their fields too")
    func otherBadBodies() async throws {
        try await withSandbox { sandbox in
            let task = try await sandbox.startTask("steer target\n@sandbox turns-ms=\(oneDay)")
            let id = try #require(task["id"].string)
            let cases: [(String, String?, String)] = [
                ("/tasks/\(id)/steer", #"{}"#, "message"),
                ("/tasks/\(id)/steer", #"{"message": ""}"#, "message"),
                ("/tasks/\(id)/steer", nil, "body"),
                ("/sessions/\(task["sessionId"].string ?? "")/send", #"{"message": 5}"#, "message"),
                ("/tasks/\(id)/ack", #"{"by": ""}"#, "by"),
                ("/tasks/apply", #"{"items": []}"#, "items"),
                (
                    "/tasks/apply", #"{"items": [{"name": "a", "aipod": "A", "prompt": "p"}, {"aipod": "A", "prompt": "p"}]}"#,
                    "items[1].name"
                ),
                ("/tasks/apply", #"{"items": [{"kind": "Pod", "name": "a", "aipod": "A", "prompt": "p"}]}"#, "items[0].kind"),
                (
                    "/tasks/apply", #"{"items": [{"name": "a", "aipod": "A", "prompt": "p"}, {"name": "a", "aipod": "A", "prompt": "q"}]}"#,
                    "items[1].name"
                ),
                ("/admin/faults", #"{"kind": "meteor"}"#, "kind"),
                ("/admin/faults", #"{"kind": "slow"}"#, "delayMs"),
                ("/admin/faults", #"{"kind": "http-500", "count": 0}"#, "count"),
                ("/admin/clock", #"{}"#, "advanceMs"),
                ("/admin/clock", #"{"advanceMs": -5}"#, "advanceMs"),
            ]
            for (path, body, field) in cases {
                let reply = try await sandbox.post(path, body)
                #expect(reply.status == 400, "\(path) \(body ?? "<none>"): \(reply.text)")
                #expect(reply.json["error"]["details"]["field"].string == field, "\(path) \(body ?? "<none>"): \(reply.text)")
            }
            #expect(try await sandbox.data("/commands?taskId=\(id)")["items"].array.count == 1, "no steer was created")
            _ = try await sandbox.post("/tasks/\(id)/cancel")
        }
    }

    @Test("illegal transitions are 409 with the current status and the refused action")
    func illegalTransitions() async throws {
        try await withSandbox { sandbox in
            let (done, _) = try await sandbox.runToEnd("finish first")
            let id = try #require(done["id"].string)
            func expectConflict(
                _ path: String, _ body: String? = nil, action: String, status: String, sourceLocation: SourceLocation = #_sourceLocation
            ) async throws {
                let reply = try await sandbox.post(path, body)
                #expect(reply.status == 409, "\(path): \(reply.text)", sourceLocation: sourceLocation)
                #expect(reply.json["error"]["code"].string == "conflict", sourceLocation: sourceLocation)
                #expect(reply.json["error"]["details"]["action"].string == action, sourceLocation: sourceLocation)
                #expect(reply.json["error"]["details"]["status"].string == status, sourceLocation: sourceLocation)
            }
            try await expectConflict("/tasks/\(id)/dispatch", action: "dispatch", status: "succeeded")
            try await expectConflict("/tasks/\(id)/steer", #"{"message": "too late"}"#, action: "steer", status: "succeeded")
            try await expectConflict("/tasks/\(id)/cancel", action: "cancel", status: "succeeded")
            #expect(try await sandbox.post("/tasks/\(id)/ack", #"{"by": "ops"}"#).status == 200)
            try await expectConflict("/tasks/\(id)/ack", action: "ack", status: "succeeded")
            try await expectConflict(
                "/sessions/\(done["sessionId"].string ?? "")/send", #"{"message": "after ack"}"#, action: "send", status: "succeeded")

            let fresh = try await sandbox.createTask("not yet\n@sandbox turns-ms=\(oneDay)")
            let freshId = try #require(fresh["id"].string)
            try await expectConflict("/tasks/\(freshId)/ack", action: "ack", status: "created")
            try await expectConflict("/tasks/\(freshId)/steer", #"{"message": "nothing runs"}"#, action: "steer", status: "created")
            let result = try await sandbox.get("/tasks/\(freshId)/result")
            #expect(result.status == 409 && result.json["error"]["details"]["action"].string == "result")
            #expect(try await sandbox.post("/tasks/\(freshId)/dispatch").status == 200)
            try await expectConflict("/tasks/\(freshId)/dispatch", action: "dispatch", status: "dispatched")

            _ = try await sandbox.post("/tasks/\(freshId)/cancel")
            let unchanged = try await sandbox.data("/tasks/\(id)")
            #expect(unchanged["status"].string == "succeeded" && unchanged["ack"]["by"].string == "ops", "refusals changed nothing")
        }
    }

    @Test("a name is unique: creating a second task with it is a 409")
    func duplicateName() async throws {
        try await withSandbox { sandbox in
            _ = try await sandbox.createTask("one", name: "egress-check")
            let clash = try await sandbox.post("/tasks", #"{"aipod": "Artificer", "prompt": "two", "name": "egress-check"}"#)
            #expect(clash.status == 409)
            #expect(clash.json["error"]["details"]["name"].string == "egress-check")
        }
    }
}
