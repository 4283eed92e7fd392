import Foundation
import Logging

/// The egress endpoints `ars egress check` probes on the node (this machine for the sandbox): a
/// real HTTP proxy (`tinyproxy`) and a real HTTPS target (`openssl s_server -www`, answering
/// `GET /` with 200) whose certificate a private CA signs. Each is a child process on its own
/// 127.0.0.1 port; `curl -x http://PROXY https://PROBEHOST/ --cacert CA` goes through both.
///
/// Faults: a scenario's `sandbox-egress.json` (`{"proxy": "up"|"down", "target": "up"|"down"}`)
/// starts an endpoint down; `/admin/egress-faults` stops one live and starts it again. A down
/// endpoint's port is still announced and stays closed, so connecting to it is refused.
actor SandboxEgress {
    /// The scenario file that starts an endpoint down (`KubeScenario` ignores it).
    static let scenarioFileName = "sandbox-egress.json"

    /// The two endpoints.
    enum Endpoint: String, Sendable, CaseIterable {
        case proxy, target
    }

    /// Whether each endpoint runs, as `/admin/egress-faults` reports it.
    struct Status: Codable, Sendable, Equatable {
        var proxy: String
        var target: String
    }

    /// The wanted state at start: `sandbox-egress.json`, both up without it.
    struct Settings: Codable, Sendable, Equatable {
        var proxy: String? = nil
        var target: String? = nil

        func isUp(_ endpoint: Endpoint) -> Bool {
            (endpoint == .proxy ? proxy : target) != "down"
        }
    }

    /// What the listening line announces.
    struct Announcement: Sendable {
        var proxy: String
        var probeHost: String
        var caFile: String
    }

    nonisolated let proxyPort: Int
    nonisolated let targetPort: Int
    nonisolated let pki: EgressPKI
    private let directory: URL
    private let openssl: String
    private let tinyproxy: String
    private let logger: Logger
    private var processes: [Endpoint: Process] = [:]

    nonisolated var announcement: Announcement {
        Announcement(proxy: "127.0.0.1:\(proxyPort)", probeHost: "127.0.0.1:\(targetPort)", caFile: pki.caFile)
    }

    private init(directory: URL, openssl: String, tinyproxy: String, pki: EgressPKI, proxyPort: Int, targetPort: Int, logger: Logger) {
        self.directory = directory
        self.openssl = openssl
        self.tinyproxy = tinyproxy
        self.pki = pki
        self.proxyPort = proxyPort
        self.targetPort = targetPort
        self.logger = logger
    }

    /// Reads the scenario's `sandbox-egress.json`; a file that is there but wrong stops the start.
    static func settings(in scenario: URL) throws -> Settings {
        let file = scenario.appendingPathComponent(scenarioFileName)
        guard FileManager.default.fileExists(atPath: file.path) else { return Settings() }
        let settings: Settings
        do {
            settings = try JSONDecoder().decode(Settings.self, from: Data(contentsOf: file))
        } catch {
            throw KubeScenarioError(message: "\(file.path): not a JSON object of proxy and target, each \"up\" or \"down\": \(error)")
        }
        for value in [settings.proxy, settings.target].compactMap({ $0 }) where value != "up" && value != "down" {
            throw KubeScenarioError(message: "\(file.path): proxy and target must each be \"up\" or \"down\" (got \"\(value)\")")
        }
        return settings
    }

    /// Sets up the CA and certificates in `<state>/egress/` and starts the endpoints `settings`
    /// wants up. Nil (with a warning) when `tinyproxy` or `openssl` is not installed or the
    /// endpoints cannot start: the rest of the sandbox works without them.
    static func start(stateDirectory: URL, settings: Settings, logger: Logger) async -> SandboxEgress? {
        let path = ProcessInfo.processInfo.environment["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/bin:/usr/bin:/bin"
        let missing = ["openssl", "tinyproxy"].filter { GitProcess.locate($0, in: path) == nil }
        guard missing.isEmpty, let openssl = GitProcess.locate("openssl", in: path),
            let tinyproxy = GitProcess.locate("tinyproxy", in: path)
        else {
            logger.warning("no egress proxy or probe target: \(missing.joined(separator: " and ")) not found on PATH (\(path))")
            return nil
        }
        let directory = stateDirectory.appendingPathComponent("egress", isDirectory: true)
        let pki: EgressPKI
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            pki = try EgressPKI.ensure(in: directory, openssl: openssl)
        } catch {
            logger.warning("no egress proxy or probe target: cannot make the certificates: \(error)")
            return nil
        }
        // A free port can be taken between the check and the child's bind: try a few pairs.
        var failure: Error?
        for _ in 0..<3 {
            do {
                let proxyPort = try EgressProcess.freePort()
                var targetPort = try EgressProcess.freePort()
                while targetPort == proxyPort { targetPort = try EgressProcess.freePort() }
                let egress = SandboxEgress(
                    directory: directory, openssl: openssl, tinyproxy: tinyproxy, pki: pki, proxyPort: proxyPort, targetPort: targetPort,
                    logger: logger)
                do {
                    for endpoint in Endpoint.allCases where settings.isUp(endpoint) { try await egress.launch(endpoint) }
                    return egress
                } catch {
                    await egress.shutdown()
                    throw error
                }
            } catch {
                failure = error
            }
        }
        logger.warning("no egress proxy or probe target: \(failure.map { "\($0)" } ?? "")")
        return nil
    }

    /// Whether each endpoint runs.
    var status: Status {
        Status(proxy: state(.proxy), target: state(.target))
    }

    /// Applies `{"fault": "proxy-down"|"target-down"}`: stops that endpoint (its port is then refused).
    func arm(_ fault: String) async throws -> Status {
        let endpoint: Endpoint
        switch fault {
        case "proxy-down": endpoint = .proxy
        case "target-down": endpoint = .target
        default: throw APIError.badRequest(field: "fault", "fault must be proxy-down or target-down (got \"\(fault)\")")
        }
        if let process = processes.removeValue(forKey: endpoint) { await EgressProcess.stop(process) }
        logger.info("egress fault: the \(endpoint.rawValue) is down")
        return status
    }

    /// Starts again, on the same ports, every endpoint that is down.
    func clear() async throws -> Status {
        for endpoint in Endpoint.allCases where state(endpoint) == "down" {
            do {
                try await launch(endpoint)
            } catch {
                throw APIError.internal("cannot start the egress \(endpoint.rawValue) again: \(error)")
            }
        }
        return status
    }

    /// Stops both endpoints (the sandbox is shutting down).
    func shutdown() async {
        for (_, process) in processes { await EgressProcess.stop(process) }
        processes = [:]
    }

    private func state(_ endpoint: Endpoint) -> String {
        processes[endpoint]?.isRunning == true ? "up" : "down"
    }

    /// Starts `endpoint`'s process and waits until its port accepts connections.
    private func launch(_ endpoint: Endpoint) async throws {
        if let old = processes.removeValue(forKey: endpoint) { await EgressProcess.stop(old) }
        let executable: String
        let arguments: [String]
        let port: Int
        let log: URL
        switch endpoint {
        case .proxy:
            port = proxyPort
            log = directory.appendingPathComponent("tinyproxy.out")
            let configuration = directory.appendingPathComponent("tinyproxy.conf")
            try Data(tinyproxyConfiguration.utf8).write(to: configuration)
            executable = tinyproxy
            arguments = ["-d", "-c", configuration.path]
        case .target:
            port = targetPort
            log = directory.appendingPathComponent("target.log")
            executable = openssl
            arguments = [
                "s_server", "-accept", "127.0.0.1:\(targetPort)", "-cert", pki.leafFile, "-key", pki.leafKeyFile, "-www", "-quiet",
            ]
        }
        let command = EgressProcess.commandLine(executable, arguments)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command.executable)
        process.arguments = command.arguments
        process.standardInput = FileHandle.nullDevice
        let output = try EgressProcess.appending(to: log)
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        try await EgressProcess.launch(process)
        do {
            try await EgressProcess.waitUntilListening(port: port, process: process, name: endpoint.rawValue, log: log)
        } catch {
            await EgressProcess.stop(process)
            throw error
        }
        processes[endpoint] = process
        logger.info("egress \(endpoint.rawValue) listening on 127.0.0.1:\(port) (pid \(process.processIdentifier))")
    }

    /// tinyproxy's configuration: loopback only, CONNECT to the target's port and 443. No
    /// `User`/`Group`: it runs as whoever runs the sandbox (root too; changing user would also
    /// clear the parent-death signal).
    private var tinyproxyConfiguration: String {
        """
        Listen 127.0.0.1
        Port \(proxyPort)
        Allow 127.0.0.1
        ConnectPort \(targetPort)
        ConnectPort 443
        MaxClients 20
        Timeout 10
        LogFile "\(directory.appendingPathComponent("tinyproxy.log").path)"
        LogLevel Info

        """
    }
}
