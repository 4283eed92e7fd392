import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The lane's public HTTPS edge the sandbox runs for `control-plane expose`: a real Caddy with its
/// admin API and internal CA, driven with the same `caddy` and `curl` commands the shell runs.
@Suite("Caddy edge")
struct EdgeTests {
    /// The `edge` member of the listening line.
    struct Edge {
        var caddyfile: String
        var sitesDirectory: String
        var admin: String
        var httpsPort: Int
        var caRoot: String
        var allowPortsFile: String
        var host: String

        init(_ announcement: JSON, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let edge = announcement["edge"]
            caddyfile = try #require(edge["caddyfile"].string, "announcement: \(announcement)", sourceLocation: sourceLocation)
            sitesDirectory = try #require(edge["sitesDir"].string, sourceLocation: sourceLocation)
            admin = try #require(edge["admin"].string, sourceLocation: sourceLocation)
            httpsPort = try #require(edge["httpsPort"].int, sourceLocation: sourceLocation)
            caRoot = try #require(edge["caRoot"].string, sourceLocation: sourceLocation)
            allowPortsFile = try #require(edge["allowPortsFile"].string, sourceLocation: sourceLocation)
            host = try #require(edge["host"].string, sourceLocation: sourceLocation)
        }

        /// The site file `control-plane expose` writes for the public host.
        var siteFile: String { sitesDirectory + "/" + host + ".caddy" }

        /// The site block that works on Caddy 2.6.2: the public host on the HTTPS port, a
        /// certificate from the internal CA, every request to `upstreamPort` on loopback.
        func site(upstreamPort: Int) -> String {
            "\(host):\(httpsPort) {\n\ttls internal\n\treverse_proxy 127.0.0.1:\(upstreamPort)\n}\n"
        }
    }

    /// Runs `command` off the concurrency pool with PATH and a HOME of the caller's choosing.
    static func run(_ command: [String], home: URL) async throws -> ProcessResult {
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home.path]
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: try runProcess(command, environment: environment))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// `caddy validate` / `caddy reload` of the edge's Caddyfile, as the shell runs them.
    static func caddy(_ verb: String, _ edge: Edge, home: URL) async throws -> ProcessResult {
        var arguments = ["caddy", verb, "--config", edge.caddyfile, "--adapter", "caddyfile"]
        if verb == "reload" { arguments += ["--address", edge.admin] }
        return try await run(["/usr/bin/env"] + arguments, home: home)
    }

    /// `curl --cacert <caRoot> URL` with optional headers: exit status, HTTP code and body.
    static func curl(_ url: String, _ edge: Edge, headers: [String] = [], home: URL) async throws -> (
        status: Int32, code: String, body: String, stderr: String
    ) {
        let command =
            ["/usr/bin/curl", "-sS", "--max-time", "10", "--cacert", edge.caRoot, "-w", "\n%{http_code}"]
            + headers.flatMap { ["-H", $0] } + [url]
        let result = try await run(command, home: home)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (result.status, String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"), result.stderr)
    }

    /// The process ids whose command line names `caddyfile` (Caddy run for that config).
    static func caddyProcesses(_ caddyfile: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
            let words = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return words.contains("run") && words.contains(caddyfile) ? pid : nil
        }
    }

    /// What `caddy` left in the HOME of the commands the test runs: every invocation (even
    /// `reload`) makes an empty `$HOME/.step` (smallstep's library, inside Caddy, at load time);
    /// anything else — storage, certificates, autosave — would mean the Caddyfile leaks state.
    static func leftInHome(_ home: URL) throws -> [String] {
        let files = FileManager.default
        let step = home.appendingPathComponent(".step").path
        let stepEntries = files.fileExists(atPath: step) ? try files.contentsOfDirectory(atPath: step).map { ".step/" + $0 } : []
        return try files.contentsOfDirectory(atPath: home.path).filter { $0 != ".step" } + stepEntries
    }

    /// A folder for HOME of the commands the test runs, inside the state.
    static func home(_ sandbox: KubeSandbox) throws -> URL {
        let home = sandbox.stateDirectory.appendingPathComponent("client-home-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        return home
    }

    @Test("the announced Caddy runs: admin API, placeholder site over HTTPS with the CA root, loopback only, caddy validate passes")
    func announcedAndRunning() async throws {
        try await withKubeSandbox { sandbox in
            let edge = try Edge(sandbox.announcement)
            let state = sandbox.stateDirectory.appendingPathComponent("edge").path
            #expect(edge.caddyfile == state + "/Caddyfile")
            #expect(edge.sitesDirectory == state + "/sites")
            #expect(edge.allowPortsFile == state + "/allow-ports")
            #expect(edge.caRoot == state + "/data/caddy/pki/authorities/local/root.crt")
            #expect(edge.host == "agentrun-v02.localhost")
            #expect(edge.admin.hasPrefix("127.0.0.1:"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: edge.sitesDirectory).isEmpty)
            #expect(FileManager.default.contents(atPath: edge.allowPortsFile) == Data())
            let mode = try FileManager.default.attributesOfItem(atPath: state)[.posixPermissions] as? Int
            #expect(mode == 0o700)
            let home = try Self.home(sandbox)

            let config = try await Self.curl("http://\(edge.admin)/config/", edge, home: home)
            #expect(config.code == "200", "admin: \(config.stderr)")
            let servers = JSON(data: Data(config.body.utf8))["apps"]["http"]["servers"]
            let listen = servers.keys.flatMap { servers[$0]["listen"].array }
            #expect(!listen.isEmpty && listen.allSatisfy { $0.string?.hasPrefix("127.0.0.1:") == true }, "\(listen)")

            let placeholder = try await Self.curl("https://sandbox-edge.localhost:\(edge.httpsPort)/", edge, home: home)
            #expect(placeholder.status == 0, "curl: \(placeholder.stderr)")
            #expect(placeholder.code == "200" && placeholder.body == "ars sandbox edge")

            let validate = try await Self.caddy("validate", edge, home: home)
            #expect(validate.status == 0, "caddy validate: \(validate.stderr)")
            #expect(try Self.leftInHome(home) == [], "caddy wrote nothing but an empty .step into HOME")
        }
    }

    @Test(
        "expose: a site file, caddy validate and caddy reload put the REST API behind https://agentrun-v02.localhost; a bad site fails validate and changes nothing"
    )
    func exposeFlow() async throws {
        try await withKubeSandbox { sandbox in
            let edge = try Edge(sandbox.announcement)
            let home = try Self.home(sandbox)
            let root = FileManager.default.contents(atPath: edge.caRoot)
            let url = "https://\(edge.host):\(edge.httpsPort)/api/v1/tasks"
            let key = "Authorization: Bearer \(SandboxInstance.apiKey)"

            try Data(edge.site(upstreamPort: sandbox.port).utf8).write(to: URL(fileURLWithPath: edge.siteFile))
            let validate = try await Self.caddy("validate", edge, home: home)
            #expect(validate.status == 0, "caddy validate: \(validate.stderr)")
            let reload = try await Self.caddy("reload", edge, home: home)
            #expect(reload.status == 0, "caddy reload: \(reload.stderr)")

            let tasks = try await Self.curl(url, edge, headers: [key], home: home)
            #expect(tasks.status == 0, "curl: \(tasks.stderr)")
            #expect(tasks.code == "200", "\(tasks.body)")
            #expect(JSON(data: Data(tasks.body.utf8)).keys.contains("data"), "the sandbox's JSON: \(tasks.body)")
            let anonymous = try await Self.curl(url, edge, home: home)
            #expect(anonymous.code == "401", "the edge passes the request through as it is")

            // A misspelt directive: validate exits non-zero and names the file and line; a reload
            // is refused too and the running Caddy keeps the old config.
            let good = try String(contentsOfFile: edge.siteFile, encoding: .utf8)
            try Data(good.replacingOccurrences(of: "reverse_proxy", with: "reverse_proxyy").utf8).write(
                to: URL(fileURLWithPath: edge.siteFile))
            let bad = try await Self.caddy("validate", edge, home: home)
            #expect(bad.status != 0)
            let error = bad.stderr.split(separator: "\n").first { $0.hasPrefix("Error:") }.map(String.init) ?? ""
            #expect(
                error == "Error: adapting config using caddyfile: \(edge.siteFile):3: unrecognized directive: reverse_proxyy",
                "stderr: \(bad.stderr)")
            let refused = try await Self.caddy("reload", edge, home: home)
            #expect(refused.status != 0)
            let still = try await Self.curl(url, edge, headers: [key], home: home)
            #expect(still.code == "200", "the old config still serves: \(still.stderr)")

            #expect(FileManager.default.contents(atPath: edge.caRoot) == root, "the CA root is the same after reloads")
            #expect(try Self.leftInHome(home) == [], "caddy wrote nothing but an empty .step into HOME")
        }
    }

    @Test("a restart on the same state keeps the site files, the allow-list, the ports when free and the CA root")
    func restartKeepsState() async throws {
        let first = try await KubeSandbox()
        defer { try? FileManager.default.removeItem(at: first.stateDirectory) }
        let edge = try Edge(first.announcement)
        try Data(edge.site(upstreamPort: first.port).utf8).write(to: URL(fileURLWithPath: edge.siteFile))
        try Data("\(first.port)\n".utf8).write(to: URL(fileURLWithPath: edge.allowPortsFile))
        let root = try #require(FileManager.default.contents(atPath: edge.caRoot))
        #expect(await first.stop() == 0)

        let second = try await KubeSandbox(stateDirectory: first.stateDirectory)
        let again = try Edge(second.announcement)
        #expect(again.caRoot == edge.caRoot)
        #expect(FileManager.default.contents(atPath: again.caRoot) == root, "the same CA root after a restart")
        if again.httpsPort != edge.httpsPort || again.admin != edge.admin {
            // Another test's process may take a released port in between; the sandbox then says so.
            let logs = try FileManager.default.contentsOfDirectory(atPath: first.stateDirectory.path).filter { $0.hasPrefix("stderr-") }
                .map { try String(contentsOfFile: first.stateDirectory.appendingPathComponent($0).path, encoding: .utf8) }
            #expect(
                logs.contains { $0.contains("edge: the ports of the last start") || $0.contains("edge: caddy did not start") },
                "new ports without a reason in the log: \(logs)")
        }
        #expect(try String(contentsOfFile: again.siteFile, encoding: .utf8) == edge.site(upstreamPort: first.port))
        #expect(try String(contentsOfFile: again.allowPortsFile, encoding: .utf8) == "\(first.port)\n")
        let home = try Self.home(second)
        let placeholder = try await Self.curl("https://sandbox-edge.localhost:\(again.httpsPort)/", again, home: home)
        #expect(placeholder.code == "200", "the saved CA root is still trusted: \(placeholder.stderr)")
        #expect(await second.stop() == 0)
    }

    @Test("SIGTERM to the sandbox ends its Caddy")
    func stoppedSandbox() async throws {
        let sandbox = try await KubeSandbox()
        defer { try? FileManager.default.removeItem(at: sandbox.stateDirectory) }
        let edge = try Edge(sandbox.announcement)
        #expect(Self.caddyProcesses(edge.caddyfile).count == 1)
        #expect(await sandbox.stop() == 0)
        #expect(Self.caddyProcesses(edge.caddyfile).isEmpty, "no caddy of this config is left")
        #expect(EgressTests.refuses(port: edge.httpsPort))
        let log = try String(contentsOfFile: edge.caddyfile.replacingOccurrences(of: "Caddyfile", with: "caddy.log"), encoding: .utf8)
        #expect(log.contains("shutting down"), "Caddy shut down cleanly: \(log.suffix(400))")
    }

    @Test("Caddy does not outlive a killed sandbox")
    func killedSandbox() async throws {
        let sandbox = try await KubeSandbox()
        defer { try? FileManager.default.removeItem(at: sandbox.stateDirectory) }
        let edge = try Edge(sandbox.announcement)
        let pid = try #require(sandbox.announcement["pid"].int)
        kill(Int32(pid), SIGKILL)
        _ = await sandbox.stop()
        let deadline = ContinuousClock.now + .seconds(3)
        while !Self.caddyProcesses(edge.caddyfile).isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(Self.caddyProcesses(edge.caddyfile).isEmpty, "no caddy of this config is left")
    }

    @Test("without caddy on PATH the sandbox announces \"edge\": null and serves as usual")
    func caddyMissing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ars-edge-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (process, announcement, log) = try await SandboxInstance.startWithOnly(
            ["git", "openssl", "tinyproxy", "setpriv"], in: directory)
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        #expect(announcement["event"].string == "listening")
        #expect(announcement["edge"].isNull)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("state/edge").path))
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(stderr.contains("no edge: caddy not found on PATH"))
    }
}
