import Foundation
import Testing

/// Bearer API key on every route but `/healthz`; the envelope and request id on every answer.
@Suite("Auth and envelope")
struct AuthTests {
    @Test(
        "no header, a wrong key or another scheme: 401, and the key is never echoed",
        arguments: [
            nil, "Bearer wrong-key", "Basic \(SandboxInstance.apiKey)", "Bearer", "Bearer \(SandboxInstance.apiKey)x",
        ])
    func unauthorized(authorization: String?) async throws {
        try await withSandbox { sandbox in
            for (method, path) in [("GET", "/tasks"), ("POST", "/tasks"), ("GET", "/no/such/route"), ("POST", "/admin/faults")] {
                let reply = try await sandbox.send(method, path, body: method == "POST" ? "{}" : nil, authorization: authorization)
                #expect(reply.status == 401, "\(method) \(path)")
                #expect(reply.json["ok"] == .bool(false))
                #expect(reply.json["error"]["code"].string == "unauthorized")
                #expect(!reply.text.contains(SandboxInstance.apiKey))
            }
            #expect(try await sandbox.data("/tasks")["items"].array.isEmpty, "a refused create created nothing")
        }
    }

    @Test("healthz needs no key; every answer carries the request id in body and header")
    func healthAndRequestId() async throws {
        try await withSandbox { sandbox in
            let health = try await sandbox.send("GET", "/healthz", authorization: nil)
            #expect(health.status == 200)
            #expect(health.json["ok"] == .bool(true))
            #expect(health.json["data"]["status"].string == "ok")
            for reply in [health, try await sandbox.get("/tasks"), try await sandbox.get("/tasks/t-404")] {
                let requestId = try #require(reply.json["requestId"].string)
                #expect(requestId.hasPrefix("req-"))
                #expect(reply.headers["x-request-id"] == requestId)
                #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true)
            }
        }
    }
}
