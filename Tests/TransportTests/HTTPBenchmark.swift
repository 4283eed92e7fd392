import Commands
import Foundation
import Testing
import Transport

/// Figures for reused loopback requests through `CurlHTTPTransport` against the test server.
/// Prints and asserts nothing about time; runs only when `ARS_BENCH_HTTP` names the number of
/// requests per case (`scripts/bench-http` sets it).
@Suite("HTTP benchmark")
struct HTTPBenchmark {
    static let requests = ProcessInfo.processInfo.environment["ARS_BENCH_HTTP"].flatMap { Int($0) }

    @Test("reused loopback requests", .enabled(if: requests != nil))
    func reusedRequests() async throws {
        let count = try #require(Self.requests)
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let transport = try CurlHTTPTransport(configuration: .init(environment: [:]))
        let cases = [
            ("GET, empty body", HTTPRequest(url: server.baseURL + "/v1/tasks/t-1")),
            (
                "POST, 1 KiB echoed",
                HTTPRequest(method: "POST", url: server.baseURL + "/v1/tasks", body: Data(repeating: 0x61, count: 1024))
            ),
        ]
        print("requests per case: \(count), one transport, server: loopback HTTP/1.1 keep-alive, TCP_NODELAY")
        print("case                   req/s   median ms   p99 ms   curl total median ms   new connections")
        for (name, request) in cases {
            for _ in 0..<50 { _ = try await transport.send(request) }
            var latencies: [Double] = []
            var curlTotals: [Double] = []
            var connections = 0
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<count {
                let before = clock.now
                let response = try await transport.send(request)
                latencies.append(milliseconds(clock.now - before))
                curlTotals.append(response.timings.total * 1000)
                connections += response.timings.newConnections
            }
            let seconds = milliseconds(clock.now - start) / 1000
            print(
                pad(name, 20) + pad(String(format: "%.0f", Double(count) / seconds), 9, right: true)
                    + pad(String(format: "%.3f", percentile(latencies, 0.5)), 12, right: true)
                    + pad(String(format: "%.3f", percentile(latencies, 0.99)), 9, right: true)
                    + pad(String(format: "%.3f", percentile(curlTotals, 0.5)), 23, right: true)
                    + pad("\(connections)", 18, right: true))
        }
        print("TCP connections accepted by the server (warm-up included): \(server.connectionCount)")
    }

    private func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    private func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}
