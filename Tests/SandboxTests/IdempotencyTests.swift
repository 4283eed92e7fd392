import Foundation
import Testing

/// `Idempotency-Key` on `POST /tasks`.
@Suite("Idempotency")
struct IdempotencyTests {
    @Test("same key and body: 201 then 200 with the same task; nothing new is created")
    func repeatReturnsOriginal() async throws {
        try await withSandbox { sandbox in
            let body = #"{"aipod": "Artificer", "prompt": "once only", "labels": {"idem": "1"}}"#
            let key = [("Idempotency-Key", "4b1f2e0a-7d4c-4f7e-9a51-0c3e8f2b6d11")]
            let first = try await sandbox.post("/tasks", body, headers: key)
            #expect(first.status == 201)
            let second = try await sandbox.post("/tasks", body, headers: key)
            #expect(second.status == 200)
            #expect(second.json["data"]["id"] == first.json["data"]["id"])
            // The same fields in another order are the same body.
            let reordered = #"{"labels": {"idem": "1"}, "prompt": "once only", "aipod": "Artificer"}"#
            #expect(try await sandbox.post("/tasks", reordered, headers: key).status == 200)
            #expect(try await sandbox.data("/tasks?label=idem=1")["items"].array.count == 1)
            // Without a key every POST creates.
            #expect(try await sandbox.post("/tasks", body).status == 201)
            #expect(try await sandbox.data("/tasks?label=idem=1")["items"].array.count == 2)
        }
    }

    @Test("the repeat returns the task as it is now")
    func repeatShowsCurrentState() async throws {
        try await withSandbox { sandbox in
            let body = #"{"aipod": "Artificer", "prompt": "dispatch me"}"#
            let key = [("Idempotency-Key", "key-current-state")]
            let id = try #require(try await sandbox.post("/tasks", body, headers: key).json["data"]["id"].string)
            _ = try await sandbox.post("/tasks/\(id)/dispatch")
            let again = try await sandbox.post("/tasks", body, headers: key)
            #expect(again.status == 200)
            #expect(again.json["data"]["status"].string != "created")
        }
    }

    @Test("same key, different body: 409 and nothing created")
    func differentBodyConflicts() async throws {
        try await withSandbox { sandbox in
            let key = [("Idempotency-Key", "key-conflict")]
            let first = try await sandbox.post("/tasks", #"{"aipod": "Artificer", "prompt": "first"}"#, headers: key)
            let clash = try await sandbox.post("/tasks", #"{"aipod": "Artificer", "prompt": "second"}"#, headers: key)
            #expect(clash.status == 409)
            #expect(clash.json["error"]["code"].string == "conflict")
            #expect(clash.json["error"]["details"]["id"] == first.json["data"]["id"])
            #expect(try await sandbox.data("/tasks")["items"].array.count == 1)
        }
    }

    @Test("a malformed key is a 400 naming the header")
    func badKey() async throws {
        try await withSandbox { sandbox in
            let reply = try await sandbox.post(
                "/tasks", #"{"aipod": "A", "prompt": "p"}"#, headers: [("Idempotency-Key", String(repeating: "k", count: 201))])
            #expect(reply.status == 400)
            #expect(reply.json["error"]["details"]["field"].string == "Idempotency-Key")
        }
    }
}
