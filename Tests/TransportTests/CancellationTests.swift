import Commands
import Foundation
import Testing
import Transport

@Suite("Cancelling the calling task aborts the transfer")
struct CancellationTests {
    @Test("cancelling a request the server holds open returns promptly with CancellationError")
    func cancelHeldRequest() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let transport = try makeTransport()
        let task = Task { try await transport.send(HTTPRequest(url: server.baseURL + "/hold")) }
        #expect(await eventually { server.requests.count == 1 })
        let start = ContinuousClock.now
        task.cancel()
        let result = await task.result
        let elapsed = ContinuousClock.now - start
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(elapsed < .seconds(5), "took \(elapsed); without cancellation it would wait for the 10 s connect or 60 s total timeout")
    }

    @Test("cancelling while the connect hangs returns promptly too")
    func cancelWhileConnecting() async throws {
        let stalled = try StalledListener()
        let transport = try makeTransport()
        let task = Task { try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(stalled.port)/x")) }
        try await Task.sleep(for: .milliseconds(100))
        let start = ContinuousClock.now
        task.cancel()
        let result = await task.result
        let elapsed = ContinuousClock.now - start
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(elapsed < .seconds(5), "took \(elapsed); without cancellation it would wait for the 10 s connect or 60 s total timeout")
    }

    @Test("an already-cancelled task sends nothing")
    func cancelledBeforeSending() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let transport = try makeTransport()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await transport.send(HTTPRequest(url: server.baseURL + "/x"))
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(server.requests.isEmpty)
    }

    @Test("the transport works again after a cancelled transfer")
    func usableAfterCancel() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let transport = try makeTransport()
        let task = Task { try await transport.send(HTTPRequest(url: server.baseURL + "/hold")) }
        #expect(await eventually { server.requests.count == 1 })
        task.cancel()
        _ = await task.result
        let response = try await transport.send(HTTPRequest(url: server.baseURL + "/after"))
        #expect(response.status == 200)
        #expect(response.timings.newConnections == 1)
    }
}
