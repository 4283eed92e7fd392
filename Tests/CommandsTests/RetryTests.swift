import Commands
import Foundation
import Synchronization
import Testing

/// An inner transport that plays a script of outcomes and records what it was asked: the one
/// place a fake is right, because these tests are about the policy, not about HTTP.
private final class ScriptedTransport: HTTPTransport {
    enum Outcome {
        case status(Int)
        case failure(ArsError)
        case cancelled
    }

    private let script: Mutex<[Outcome]>
    private let sent = Mutex<[HTTPRequest]>([])

    init(_ outcomes: [Outcome]) {
        script = Mutex(outcomes)
    }

    /// Requests received so far.
    var requests: [HTTPRequest] { sent.withLock { $0 } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        sent.withLock { $0.append(request) }
        let outcome = script.withLock { $0.isEmpty ? .status(200) : $0.removeFirst() }
        switch outcome {
        case .status(let status): return HTTPResponse(status: status, body: Data("attempt \(requests.count)".utf8))
        case .failure(let error): throw error
        case .cancelled: throw CancellationError()
        }
    }
}

/// Records the waits instead of waiting.
private final class SleepRecorder: Sendable {
    private let waits = Mutex<[Duration]>([])
    var recorded: [Duration] { waits.withLock { $0 } }
    func sleep(_ duration: Duration) { waits.withLock { $0.append(duration) } }
}

@Suite("Retry policy")
struct RetryTests {
    let get = HTTPRequest(url: "http://127.0.0.1/v1/tasks")
    let post = HTTPRequest(method: "POST", url: "http://127.0.0.1/v1/tasks", body: Data("{}".utf8))
    static let refused = ArsError(.remote, code: .connectionRefused, "GET http://127.0.0.1/v1/tasks: connection refused")

    /// A retrying transport over a script, with instant recorded sleeps and a fixed jitter.
    private func retrying(_ outcomes: [ScriptedTransport.Outcome], random: Double = 1) -> (
        RetryingTransport, ScriptedTransport, SleepRecorder
    ) {
        let inner = ScriptedTransport(outcomes)
        let sleeps = SleepRecorder()
        let policy = RetryPolicy(random: { random }, sleep: { sleeps.sleep($0) })
        return (RetryingTransport(wrapping: inner, policy: policy), inner, sleeps)
    }

    @Test("a GET is retried on 500, 502, 503 and 504 and returns the first good response")
    func retriesGatewayStatuses() async throws {
        for status in [500, 502, 503, 504] {
            let (transport, inner, sleeps) = retrying([.status(status), .status(status)])
            let response = try await transport.send(get)
            #expect(response.status == 200)
            #expect(inner.requests.count == 3)
            #expect(sleeps.recorded == [.milliseconds(200), .milliseconds(400)])
        }
    }

    @Test(
        "a GET is retried on connection errors, but not on a total timeout, DNS, TLS or cancellation",
        arguments: ["connection-refused", "connect-timeout", "connection-reset", "timeout", "dns", "tls", "transport"])
    func connectionErrors(code: String) async throws {
        let (transport, inner, _) = retrying([
            .failure(ArsError(.remote, code: ErrorCode.all.first { $0.rawValue == code }!, "GET http://127.0.0.1/v1/tasks: failed"))
        ])
        let retried = ["connection-refused", "connect-timeout", "connection-reset"].contains(code)
        if retried {
            #expect(try await transport.send(get).status == 200)
        } else {
            await #expect(throws: ArsError.self) { try await transport.send(get) }
        }
        #expect(inner.requests.count == (retried ? 2 : 1))
    }

    @Test("cancellation is passed through at once")
    func cancellationNotRetried() async throws {
        let (transport, inner, sleeps) = retrying([.cancelled])
        await #expect(throws: CancellationError.self) { try await transport.send(get) }
        #expect(inner.requests.count == 1)
        #expect(sleeps.recorded.isEmpty)
    }

    @Test("other statuses are answers, not retried", arguments: [200, 400, 401, 404, 409, 501])
    func otherStatuses(status: Int) async throws {
        let (transport, inner, _) = retrying([.status(status)])
        #expect(try await transport.send(get).status == status)
        #expect(inner.requests.count == 1)
    }

    @Test("each retry is announced before its wait, naming the request, the reason and the attempt")
    func retriesAreAnnounced() async throws {
        let inner = ScriptedTransport([.status(503), .failure(ArsError(.remote, code: .connectionReset, "reset"))])
        let said = Said()
        let transport = RetryingTransport(wrapping: inner, policy: RetryPolicy(sleep: { _ in }), announce: { said.append($0) })
        #expect(try await transport.send(get).status == 200)
        #expect(
            said.lines == [
                "retrying GET \(get.url) after HTTP 503 (attempt 2 of 3)",
                "retrying GET \(get.url) after connection-reset (attempt 3 of 3)",
            ])
    }

    @Test("a POST is never retried, whatever the failure")
    func postNeverRetried() async throws {
        for outcome: ScriptedTransport.Outcome in [.status(503), .status(502), .failure(Self.refused)] {
            let (transport, inner, sleeps) = retrying([outcome])
            _ = try? await transport.send(post)
            #expect(inner.requests.count == 1)
            #expect(sleeps.recorded.isEmpty)
        }
        for method in ["PUT", "PATCH", "DELETE"] {
            let (transport, inner, _) = retrying([.status(503)])
            #expect(try await transport.send(HTTPRequest(method: method, url: "http://127.0.0.1/x")).status == 503)
            #expect(inner.requests.count == 1)
        }
    }

    @Test("attempts are bounded: the last response is returned, the last error thrown with the count")
    func bounded() async throws {
        let (statusTransport, statusInner, _) = retrying(Array(repeating: .status(503), count: 10))
        #expect(try await statusTransport.send(get).status == 503)
        #expect(statusInner.requests.count == 3)

        let (errorTransport, errorInner, _) = retrying(Array(repeating: .failure(Self.refused), count: 10))
        do {
            _ = try await errorTransport.send(get)
            Issue.record("expected an error")
        } catch let error as ArsError {
            #expect(error.code == .connectionRefused)
            #expect(error.message == "GET http://127.0.0.1/v1/tasks: connection refused (after 3 attempts)")
        }
        #expect(errorInner.requests.count == 3)
    }

    @Test("HEAD is retried like GET; the same request is sent each time")
    func headRetried() async throws {
        let (transport, inner, _) = retrying([.status(503)])
        let head = HTTPRequest(method: "HEAD", url: "http://127.0.0.1/x", headers: [HTTPHeader("Authorization", "Bearer k")])
        _ = try await transport.send(head)
        #expect(inner.requests == [head, head])
    }

    @Test("backoff doubles from the base, is capped, and jitter takes off at most half")
    func backoff() {
        let full = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(200), maxDelay: .seconds(1), random: { 1 })
        #expect(
            (1...5).map(full.delay(beforeRetry:)) == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)])
        let least = RetryPolicy(baseDelay: .milliseconds(200), maxDelay: .seconds(1), random: { 0 })
        #expect((1...4).map(least.delay(beforeRetry:)) == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500)])
        let wild = RetryPolicy(random: { 7 })
        #expect(wild.delay(beforeRetry: 1) == .milliseconds(200))
        let huge = RetryPolicy(baseDelay: .seconds(1), maxDelay: .seconds(30), random: { 1 })
        #expect(huge.delay(beforeRetry: 200) == .seconds(30))
    }

    @Test("the default policy: 3 attempts, 200 ms base, 2 s cap")
    func defaults() {
        let policy = RetryPolicy()
        #expect(policy.maxAttempts == 3)
        #expect(policy.baseDelay == .milliseconds(200))
        #expect(policy.maxDelay == .seconds(2))
        #expect((0..<100).allSatisfy { _ in (.milliseconds(100)...(.milliseconds(200))).contains(policy.delay(beforeRetry: 1)) })
    }
}

/// Lines a retrying transport announced.
private final class Said: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ line: String) { lock.withLock { items.append(line) } }
    var lines: [String] { lock.withLock { items } }
}
