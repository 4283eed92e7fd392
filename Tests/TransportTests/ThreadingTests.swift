import Commands
import Foundation
import Testing
import Transport

@Suite("Blocking transfers stay off Swift's cooperative pool")
struct ThreadingTests {
    @Test("more held transfers than cores leave the pool free for other tasks")
    func poolNotStarved() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let holders = try (0..<(ProcessInfo.processInfo.activeProcessorCount + 2)).map { _ in
            let transport = try makeTransport()
            return Task { try await transport.send(HTTPRequest(url: server.baseURL + "/hold")) }
        }
        // Were the pool starved, nothing below could run: a plain thread ends the holds after 60 s
        // so the test then fails instead of hanging.
        Thread {
            Thread.sleep(forTimeInterval: 60)
            holders.forEach { $0.cancel() }
        }.start()
        #expect(await eventually { server.requests.count == holders.count })
        let start = ContinuousClock.now
        let answers = await withTaskGroup(of: Int.self) { group in
            for index in 0..<32 { group.addTask { index } }
            return await group.reduce(0, +)
        }
        #expect(answers == 496)
        #expect(ContinuousClock.now - start < .seconds(10), "a starved pool would wait for the 60 s cancel")
        holders.forEach { $0.cancel() }
        for holder in holders {
            await #expect(throws: CancellationError.self) { try await holder.value }
        }
    }
}
