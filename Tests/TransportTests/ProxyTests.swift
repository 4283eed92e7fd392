import Commands
import Foundation
import Testing
import Transport

/// The environment's proxy variables, by libcurl's rules, with a second loopback server playing
/// the proxy (it records the absolute-form request target a proxy receives).
@Suite("Proxy environment")
struct ProxyTests {
    /// Sends one GET to `target` with this environment; returns the requests each server saw.
    func route(_ environment: (LoopbackHTTPServer) -> [String: String]) async throws -> (
        direct: [ReceivedRequest], proxied: [ReceivedRequest], url: String
    ) {
        let target = try LoopbackHTTPServer()
        let proxy = try LoopbackHTTPServer()
        defer {
            target.stop()
            proxy.stop()
        }
        let url = target.baseURL + "/v1/tasks"
        let response = try await makeTransport(environment: environment(proxy)).send(HTTPRequest(url: url))
        #expect(response.status == 200)
        return (target.requests, proxy.requests, url)
    }

    @Test("http_proxy sends the request through the proxy")
    func proxyUsed() async throws {
        let seen = try await route { ["http_proxy": $0.baseURL] }
        #expect(seen.direct.isEmpty)
        #expect(seen.proxied.map(\.target) == [seen.url])
    }

    @Test("all_proxy applies when there is no scheme-specific variable")
    func allProxy() async throws {
        let seen = try await route { ["ALL_PROXY": $0.baseURL] }
        #expect(seen.proxied.count == 1)
    }

    @Test("NO_PROXY or no_proxy listing loopback keeps it direct", arguments: ["NO_PROXY", "no_proxy"])
    func noProxyKeepsLoopbackDirect(variable: String) async throws {
        let seen = try await route { ["http_proxy": $0.baseURL, "all_proxy": $0.baseURL, variable: "localhost,127.0.0.1"] }
        #expect(seen.proxied.isEmpty)
        #expect(seen.direct.count == 1)
    }

    @Test("a CIDR range in NO_PROXY keeps loopback direct")
    func noProxyCIDR() async throws {
        let seen = try await route { ["http_proxy": $0.baseURL, "NO_PROXY": "example.com,127.0.0.0/8"] }
        #expect(seen.proxied.isEmpty)
    }

    @Test("upper-case HTTP_PROXY is ignored, as libcurl does")
    func upperCaseHTTPProxyIgnored() async throws {
        let seen = try await route { ["HTTP_PROXY": $0.baseURL] }
        #expect(seen.proxied.isEmpty)
        #expect(seen.direct.count == 1)
    }

    @Test("with no proxy variables the request goes direct")
    func noVariables() async throws {
        let seen = try await route { _ in [:] }
        #expect(seen.proxied.isEmpty)
        #expect(seen.direct.count == 1)
    }
}
