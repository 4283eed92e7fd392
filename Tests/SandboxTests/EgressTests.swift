import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The egress proxy (a real tinyproxy) and HTTPS probe target (a real `openssl s_server`) the
/// sandbox runs for `ars egress check`, probed with the real curl the way the check does.
@Suite("Egress proxy and probe target")
struct EgressTests {
    /// The `egress` member of the listening line.
    struct Endpoints {
        var proxy: String
        var probeHost: String
        var caFile: String

        init(_ announcement: JSON, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let egress = announcement["egress"]
            proxy = try #require(egress["proxy"].string, "announcement: \(announcement)", sourceLocation: sourceLocation)
            probeHost = try #require(egress["probeHost"].string, sourceLocation: sourceLocation)
            caFile = try #require(egress["caFile"].string, sourceLocation: sourceLocation)
        }

        func port(_ address: String) -> Int { Int(address.split(separator: ":").last ?? "") ?? 0 }
    }

    /// What `curl -x http://PROXY https://PROBEHOST/ --cacert CA` reports: its exit status and
    /// `%{http_connect} %{http_code}`.
    static func probe(_ endpoints: Endpoints) async throws -> (status: Int32, codes: String, stderr: String) {
        let command = [
            "/usr/bin/curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_connect} %{http_code}", "-x",
            "http://\(endpoints.proxy)", "https://\(endpoints.probeHost)/", "--cacert", endpoints.caFile,
        ]
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let result = try runProcess(command, environment: ["PATH": "/usr/bin:/bin"])
                    continuation.resume(returning: (result.status, result.stdout, result.stderr))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// An `/admin/egress-faults` request with the test key.
    static func admin(_ sandbox: KubeSandbox, _ method: String, _ body: String? = nil) async throws -> HTTPExchange {
        var headers = [("Authorization", "Bearer \(SandboxInstance.apiKey)")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        return try await sandbox.raw(method, "/api/v1/admin/egress-faults", headers: headers, body: body)
    }

    /// Whether a TCP connection to 127.0.0.1:`port` is refused.
    static func refuses(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return connected != 0 && errno == ECONNREFUSED
    }

    @Test("the listening line announces the egress endpoints; curl through the proxy reaches the target (CONNECT 200, GET 200)")
    func announcedAndReachable() async throws {
        try await withKubeSandbox { sandbox in
            let endpoints = try Endpoints(sandbox.announcement)
            #expect(endpoints.proxy.hasPrefix("127.0.0.1:") && endpoints.probeHost.hasPrefix("127.0.0.1:"))
            #expect(endpoints.caFile == sandbox.stateDirectory.appendingPathComponent("egress/ca.pem").path)
            let keyMode =
                try FileManager.default.attributesOfItem(atPath: sandbox.stateDirectory.appendingPathComponent("egress/ca.key").path)[
                    .posixPermissions] as? Int
            #expect(keyMode == 0o600)
            let result = try await Self.probe(endpoints)
            #expect(result.status == 0, "curl: \(result.stderr)")
            #expect(result.codes == "200 200")
            let status = try await Self.admin(sandbox, "GET")
            #expect(status.status == 200)
            #expect(status.json["data"] == .object(["proxy": .string("up"), "target": .string("up")]))
        }
    }

    @Test("proxy-down refuses connections, target-down fails the CONNECT, DELETE brings both back on the same ports")
    func liveFaults() async throws {
        try await withKubeSandbox { sandbox in
            let endpoints = try Endpoints(sandbox.announcement)

            let target = try await Self.admin(sandbox, "POST", #"{"fault": "target-down"}"#)
            #expect(target.json["data"] == .object(["proxy": .string("up"), "target": .string("down")]), "\(target.text)")
            let noTarget = try await Self.probe(endpoints)
            #expect(noTarget.status != 0 && noTarget.status != 7, "curl: \(noTarget.stderr)")
            let connect = noTarget.codes.split(separator: " ").first.map(String.init) ?? ""
            #expect(connect != "200" && connect != "000", "the proxy answers the CONNECT with an error (got \(noTarget.codes))")

            let proxy = try await Self.admin(sandbox, "POST", #"{"fault": "proxy-down"}"#)
            #expect(proxy.json["data"] == .object(["proxy": .string("down"), "target": .string("down")]))
            let noProxy = try await Self.probe(endpoints)
            #expect(noProxy.status == 7, "curl cannot connect to the proxy: \(noProxy.stderr)")
            #expect(Self.refuses(port: endpoints.port(endpoints.proxy)))

            let cleared = try await Self.admin(sandbox, "DELETE")
            #expect(cleared.json["data"] == .object(["proxy": .string("up"), "target": .string("up")]))
            let again = try await Self.probe(endpoints)
            #expect(again.status == 0 && again.codes == "200 200", "curl: \(again.stderr)")
        }
    }

    @Test("egress-faults needs the API key and a known fault")
    func adminChecks() async throws {
        try await withKubeSandbox { sandbox in
            let anonymous = try await sandbox.raw("GET", "/api/v1/admin/egress-faults")
            #expect(anonymous.status == 401)
            let unknown = try await Self.admin(sandbox, "POST", #"{"fault": "dns-down"}"#)
            #expect(unknown.status == 400)
            #expect(unknown.json["error"]["details"]["field"].string == "fault")
        }
    }

    @Test("a scenario's sandbox-egress.json starts the proxy down: its announced port refuses; DELETE starts it")
    func scenarioProxyDown() async throws {
        let scenario = FileManager.default.temporaryDirectory.appendingPathComponent("ars-egress-scenario-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: KubeSandbox.scenarioFolder, to: scenario)
        defer { try? FileManager.default.removeItem(at: scenario) }
        try Data(#"{"proxy": "down"}"#.utf8).write(to: scenario.appendingPathComponent("sandbox-egress.json"))
        try await withKubeSandbox(scenario: scenario) { sandbox in
            let endpoints = try Endpoints(sandbox.announcement)
            #expect(Self.refuses(port: endpoints.port(endpoints.proxy)))
            #expect(!Self.refuses(port: endpoints.port(endpoints.probeHost)))
            #expect(try await Self.probe(endpoints).status == 7)
            let status = try await Self.admin(sandbox, "GET")
            #expect(status.json["data"] == .object(["proxy": .string("down"), "target": .string("up")]))
            _ = try await Self.admin(sandbox, "DELETE")
            #expect(try await Self.probe(endpoints).codes == "200 200")
        }
    }

    @Test("the egress processes do not outlive a killed sandbox")
    func killedSandbox() async throws {
        let sandbox = try await KubeSandbox()
        defer { try? FileManager.default.removeItem(at: sandbox.stateDirectory) }
        let endpoints = try Endpoints(sandbox.announcement)
        #expect(try await Self.probe(endpoints).codes == "200 200")
        let pid = try #require(sandbox.announcement["pid"].int)
        kill(Int32(pid), SIGKILL)
        _ = await sandbox.stop()
        let deadline = ContinuousClock.now + .seconds(3)
        while !(Self.refuses(port: endpoints.port(endpoints.proxy)) && Self.refuses(port: endpoints.port(endpoints.probeHost))),
            ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(Self.refuses(port: endpoints.port(endpoints.proxy)), "tinyproxy is gone")
        #expect(Self.refuses(port: endpoints.port(endpoints.probeHost)), "s_server is gone")
    }

    @Test("without tinyproxy and openssl on PATH the sandbox announces \"egress\": null and serves as usual")
    func toolsMissing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ars-egress-test-\(UUID().uuidString)")
        let (process, announcement, log) = try await SandboxInstance.startWithOnly(["git"], in: directory)
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        #expect(announcement["event"].string == "listening")
        #expect(announcement["egress"].isNull)
        #expect(announcement["git"]["mirror"].string != nil)
        let port = try #require(announcement["url"].string?.split(separator: ":").last.flatMap { Int($0) })
        let health = try await RawHTTP.send(port: port, method: "GET", path: "/api/v1/healthz", headers: [], body: nil)
        #expect(health.status == 200)
        let admin = try await RawHTTP.send(
            port: port, method: "GET", path: "/api/v1/admin/egress-faults",
            headers: [("Authorization", "Bearer \(SandboxInstance.apiKey)")], body: nil)
        #expect(admin.status == 404)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(stderr.contains("not found on PATH"))
        try? FileManager.default.removeItem(at: directory)
    }
}
