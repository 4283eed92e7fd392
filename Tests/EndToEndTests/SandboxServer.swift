import Foundation
@_exported import TestSupport

/// A real `ars-sandbox` on loopback, started once for the end-to-end tests, with a lane
/// catalogue pointing at it. The key is known to the test only so it can check that it never
/// appears in any output.
final class SandboxServer: @unchecked Sendable {
    static let shared: SandboxServer = {
        do {
            let server = try SandboxServer()
            atexit { SandboxServer.shared.stop() }
            return server
        } catch {
            fatalError("cannot start ars-sandbox: \(error)")
        }
    }()

    static let keyVariable = "ARS_E2E_API_KEY"
    let key = "e2e-key-" + UUID().uuidString.lowercased()
    let directory: String
    let baseURL: String
    let configPath: String
    /// The sandbox cluster's kubeconfig, for the local bridge's kubectl.
    let kubeconfig: String?
    /// The sandbox's real egress proxy and probe target (announced), when it runs them.
    let egress: [String: Any]?
    private let process: Process

    init() throws {
        let binaries = builtProducts
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ars-e2e-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory + "/state", withIntermediateDirectories: true)
        process = Process()
        process.executableURL = binaries.appendingPathComponent("ars-sandbox")
        process.arguments = ["--state", directory + "/state", "--port", "0", "--speed", "200"]
        process.environment = ["ARS_SANDBOX_API_KEY": key, "PATH": "/usr/bin:/bin"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        guard
            let url = String(decoding: line, as: UTF8.self).components(separatedBy: "\"url\":\"").dropFirst().first?.components(
                separatedBy: "\""
            ).first
        else { throw CocoaError(.fileReadCorruptFile) }
        baseURL = url
        let announcement = (try? JSONSerialization.jsonObject(with: line.prefix { $0 != UInt8(ascii: "\n") })) as? [String: Any]
        kubeconfig = announcement?["kubeconfig"] as? String
        egress = announcement?["egress"] as? [String: Any]
        configPath = directory + "/agentrun.yaml"
        try catalogue(baseURL: url).write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Stops the server (the shared one is stopped when the test process exits).
    func stop() { if process.isRunning { process.terminate() } }

    /// A catalogue for the sandbox at `baseURL` (another URL makes an unreachable lane).
    func catalogue(baseURL: String) -> String {
        """
        defaults: {node: local, lane: sandbox}
        auth: {apiKeyEnv: \(Self.keyVariable)}
        nodes:
          local:
            bridge: {kind: local\(kubeconfig.map { ", kubeconfig: '\($0)'" } ?? "")}
            lanes:
              sandbox:
                restBaseUrl: '\(baseURL)'
                namespace: agentrun-v01
                gitMirror: {cacheDir: '\(directory)/state/git/git-mirror', baseUrl: 'http://git-mirror.devops-infra.svc.cluster.local:8080'}
        """
    }

    /// Runs `ars --config <catalogue> ARGS` with the key in the environment.
    @discardableResult
    func ars(_ arguments: [String], stdin: String = "", key: String? = nil, config: String? = nil) throws -> ProcessResult {
        let home = directory + "/home-\(UUID().uuidString.prefix(6))"
        let environment = [
            "HOME": home, "XDG_STATE_HOME": home + "/state", "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin",
            Self.keyVariable: key ?? self.key,
        ]
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let binaries = builtProducts
        return try runProcess(
            [binaries.appendingPathComponent("ars").path, "--config", config ?? configPath] + arguments, stdin: stdin,
            environment: environment, directory: home)
    }

    /// Polls `get task/ID -o json` until the status is terminal (or 20 s pass).
    func waitForTerminal(_ id: String) throws -> String {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let status = try ars(["get", "task/\(id)", "-o", "json"]).stdout.jsonField("status") ?? ""
            if ["succeeded", "failed", "cancelled"].contains(status) { return status }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return "timeout"
    }
}

extension String {
    /// A top-level string field of a JSON document (tests only).
    func jsonField(_ name: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(utf8)) as? [String: Any] else { return nil }
        return object[name] as? String
    }
}
