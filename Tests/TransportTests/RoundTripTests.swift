import Commands
import Foundation
import Testing
import Transport

@Suite("Round trips over loopback HTTP")
struct RoundTripTests {
    @Test("a GET round-trips headers: the server sees ours, we see its")
    func getRoundTrip() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let transport = try makeTransport()
        let response = try await transport.send(
            HTTPRequest(url: server.baseURL + "/v1/tasks?limit=2", headers: [HTTPHeader("X-Trace", "abc 123")]))
        #expect(response.status == 200)
        #expect(response.header("x-echo-method") == "GET")
        #expect(response.body.isEmpty)
        let received = try #require(server.requests.first)
        #expect(received.method == "GET")
        #expect(received.target == "/v1/tasks?limit=2")
        #expect(received.header("X-Trace") == "abc 123")
        #expect(received.header("Expect") == nil)
    }

    @Test("a POST sends its body and headers byte for byte and gets the body back")
    func postRoundTrip() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let transport = try makeTransport()
        let body = Data(#"{"prompt":"héllo","bytes":"\u0000\u00ff"}"#.utf8) + Data([0, 255, 13, 10])
        let request = HTTPRequest(
            method: "POST", url: server.baseURL + "/v1/tasks",
            headers: [HTTPHeader("Content-Type", "application/json"), HTTPHeader("Idempotency-Key", "k-1")], body: body)
        let response = try await transport.send(request)
        #expect(response.status == 200)
        #expect(response.body == body)
        let received = try #require(server.requests.first)
        #expect(received.method == "POST")
        #expect(received.body == body)
        #expect(received.header("Content-Type") == "application/json")
        #expect(received.header("Idempotency-Key") == "k-1")
    }

    @Test("a large POST body goes out without an Expect: 100-continue round trip, and no Content-Type is invented")
    func largePost() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let transport = try makeTransport()
        let body = Data((0..<2_000_000).map { UInt8($0 % 251) })
        let response = try await transport.send(HTTPRequest(method: "POST", url: server.baseURL + "/upload", body: body))
        #expect(response.body == body)
        let received = try #require(server.requests.first)
        #expect(received.header("Expect") == nil)
        #expect(received.header("Content-Type") == nil)
    }

    @Test("User-Agent is ars/<version>")
    func userAgent() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        _ = try await makeTransport().send(HTTPRequest(url: server.baseURL + "/"))
        #expect(server.requests.first?.header("User-Agent") == "ars/\(ArsVersion.current)")
    }

    @Test("the second request reuses the connection: newConnections 1 then 0, one TCP connection at the server")
    func connectionReuse() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let transport = try makeTransport()
        let first = try await transport.send(HTTPRequest(url: server.baseURL + "/one"))
        let second = try await transport.send(HTTPRequest(url: server.baseURL + "/two"))
        #expect(first.timings.newConnections == 1)
        #expect(second.timings.newConnections == 0)
        #expect(server.connectionCount == 1)
        #expect(second.header("X-Connection") == "1")
    }

    @Test("after a POST the next request is a GET again (the handle's method is reset), on the same connection")
    func methodResetAfterPost() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let transport = try makeTransport()
        _ = try await transport.send(HTTPRequest(method: "POST", url: server.baseURL + "/a", body: Data("x".utf8)))
        let get = try await transport.send(HTTPRequest(url: server.baseURL + "/b"))
        _ = try await transport.send(HTTPRequest(method: "HEAD", url: server.baseURL + "/c"))
        _ = try await transport.send(HTTPRequest(method: "DELETE", url: server.baseURL + "/d"))
        _ = try await transport.send(HTTPRequest(method: "PUT", url: server.baseURL + "/e", body: Data("y".utf8)))
        let last = try await transport.send(HTTPRequest(url: server.baseURL + "/f"))
        #expect(get.header("X-Echo-Method") == "GET")
        #expect(last.header("X-Echo-Method") == "GET")
        let seen = server.requests.map { "\($0.method) \($0.target) \($0.body.count)" }
        #expect(seen == ["POST /a 1", "GET /b 0", "HEAD /c 0", "DELETE /d 0", "PUT /e 1", "GET /f 0"])
        #expect(server.connectionCount == 1)
    }

    @Test("a 4xx or 5xx status is a response, with its body")
    func errorStatusIsAResponse() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let response = try await makeTransport().send(HTTPRequest(url: server.baseURL + "/status/404"))
        #expect(response.status == 404)
        #expect(String(decoding: response.body, as: UTF8.self) == "status 404")
    }

    @Test("concurrent callers share two kept-alive connections at most; one caller after another keeps to one")
    func concurrentCallers() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let transport = try makeTransport()
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<16 {
                group.addTask { try await transport.send(HTTPRequest(url: server.baseURL + "/n/\(index)")).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 16))
        #expect((1...2).contains(server.connectionCount), "\(server.connectionCount) connections")
        let before = server.connectionCount
        for index in 0..<8 { _ = try await transport.send(HTTPRequest(url: server.baseURL + "/m/\(index)")) }
        #expect(server.connectionCount == before, "sequential requests reuse a kept-alive connection")
    }

    @Test("timings are filled in, cumulative and in seconds")
    func timings() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let response = try await makeTransport().send(HTTPRequest(url: server.baseURL + "/delay/50"))
        let timings = response.timings
        #expect(timings.connect > 0)
        #expect(timings.connect <= timings.firstByte)
        #expect(timings.firstByte >= 0.05)
        #expect(timings.firstByte <= timings.total)
        #expect(timings.total < 5)
    }
}
