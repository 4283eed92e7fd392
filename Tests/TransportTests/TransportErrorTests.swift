import Commands
import Foundation
import Testing
import Transport

@Suite("Transport failures become ArsError(.remote) naming the method and URL")
struct TransportErrorTests {
    @Test("connection refused on a closed port says so and names the URL")
    func connectionRefused() async throws {
        let closed = try RefusingPort()
        let url = "http://127.0.0.1:\(closed.port)/v1/tasks"
        let error = try #require(await arsError(sending: HTTPRequest(url: url), with: try makeTransport()))
        #expect(error.kind == .remote)
        #expect(error.code == .connectionRefused)
        #expect(error.message == "GET \(url): connection refused")
        #expect(error.exitCode == 3)
    }

    @Test("a connect that hangs ends at the connect timeout, which the message names with its value")
    func connectTimeout() async throws {
        let stalled = try StalledListener()
        let url = "http://127.0.0.1:\(stalled.port)/v1/tasks"
        let error = try #require(await arsError(sending: HTTPRequest(url: url), with: try makeTransport(connectTimeout: 0.3)))
        #expect(error.code == .connectTimeout)
        #expect(error.message == "GET \(url): could not connect within the 0.3 s connect timeout")
    }

    @Test("a request timeout shorter than the connect timeout is the one reported while connecting")
    func totalTimeoutWhileConnecting() async throws {
        let stalled = try StalledListener()
        let url = "http://127.0.0.1:\(stalled.port)/x"
        let error = try #require(await arsError(sending: HTTPRequest(url: url, timeout: 0.3), with: try makeTransport(connectTimeout: 10)))
        #expect(error.code == .timeout)
        #expect(error.message == "GET \(url): could not connect within the 0.3 s timeout")
    }

    @Test("a slow response ends at the request's timeout, named with its value")
    func responseTimeout() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let url = server.baseURL + "/delay/3000"
        let error = try #require(await arsError(sending: HTTPRequest(method: "POST", url: url, timeout: 0.3), with: try makeTransport()))
        #expect(error.code == .timeout)
        #expect(error.message == "POST \(url): no complete response within the 0.3 s timeout")
    }

    @Test("the configured total timeout applies when the request names none")
    func defaultTimeout() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let error = try #require(
            await arsError(sending: HTTPRequest(url: server.baseURL + "/delay/3000"), with: try makeTransport(timeout: 0.25)))
        #expect(error.code == .timeout)
        #expect(error.message.hasSuffix("within the 0.25 s timeout"))
    }

    @Test("a connection closed without a reply, or in the middle of the body, is connection-reset")
    func connectionReset() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let transport = try makeTransport()
        let dropped = try #require(await arsError(sending: HTTPRequest(url: server.baseURL + "/drop"), with: transport))
        #expect(dropped.code == .connectionReset)
        #expect(dropped.message == "GET \(server.baseURL)/drop: the server closed the connection without a response")
        let truncated = try #require(await arsError(sending: HTTPRequest(url: server.baseURL + "/truncate"), with: transport))
        #expect(truncated.code == .connectionReset)
        #expect(truncated.message == "GET \(server.baseURL)/truncate: the connection closed before the whole response arrived")
        let after = try await transport.send(HTTPRequest(url: server.baseURL + "/fine"))
        #expect(after.status == 200)
    }

    @Test("TLS to a server that does not speak it is a tls error")
    func tlsFailure() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let url = "https://127.0.0.1:\(server.port)/v1/tasks"
        let error = try #require(await arsError(sending: HTTPRequest(url: url), with: try makeTransport()))
        #expect(error.code == .tls)
        #expect(error.message.hasPrefix("GET \(url): TLS failed: "))
    }

    @Test(
        "certificates are verified: a self-signed server is refused with tls and libcurl's reason",
        .enabled(if: SelfSignedTLSServer.isAvailable))
    func certificateVerified() async throws {
        let server = try SelfSignedTLSServer()
        let url = "https://127.0.0.1:\(server.port)/"
        let error = try #require(await arsError(sending: HTTPRequest(url: url), with: try makeTransport()))
        #expect(error.code == .tls)
        #expect(error.message == "GET \(url): TLS failed: SSL certificate problem: self-signed certificate")
    }

    @Test("a header value with a line break is refused before anything is sent, naming the field only")
    func malformedHeader() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let request = HTTPRequest(url: server.baseURL + "/", headers: [HTTPHeader("X-Note", "a\r\nInjected: yes")])
        let error = try #require(await arsError(sending: request, with: try makeTransport()))
        #expect(error.code == .badHeader)
        #expect(error.message.contains("X-Note"))
        #expect(!error.message.contains("Injected"))
        #expect(server.requests.isEmpty)
    }

    @Test("the Authorization value never appears in any error, whatever fails")
    func secretNeverInErrors() async throws {
        let secret = "sk-live-5ecret-VALUE-0042"
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let closed = try RefusingPort()
        let stalled = try StalledListener()
        let transport = try makeTransport(connectTimeout: 0.3, timeout: 0.3)
        let auth = HTTPHeader("Authorization", "Bearer \(secret)")
        let urls = [
            "http://127.0.0.1:\(closed.port)/x", "http://127.0.0.1:\(stalled.port)/x", "https://127.0.0.1:\(server.port)/x",
            server.baseURL + "/delay/2000", server.baseURL + "/drop", server.baseURL + "/truncate",
            "http://user:\(secret)@127.0.0.1:\(closed.port)/x", "http://127.0.0.1:\(server.port)/ bad url",
        ]
        var errors: [ArsError] = []
        for url in urls {
            for method in ["GET", "POST"] {
                let request = HTTPRequest(method: method, url: url, headers: [auth], body: method == "POST" ? Data("{}".utf8) : nil)
                errors.append(try #require(await arsError(sending: request, with: transport), "\(method) \(url) should fail"))
            }
        }
        let broken = HTTPRequest(url: server.baseURL + "/", headers: [HTTPHeader("Authorization", "Bearer \(secret)\n")])
        errors.append(try #require(await arsError(sending: broken, with: transport)))
        #expect(
            Set(errors.map(\.code.rawValue)) == [
                "connection-refused", "connect-timeout", "tls", "timeout", "connection-reset", "transport", "bad-header",
            ])
        for error in errors {
            let text = ErrorReport.render(error) + "\(error)"
            #expect(!text.contains(secret), "leaked in: \(text)")
        }
    }
}
