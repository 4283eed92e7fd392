import Foundation
import TestSupport
@testable import SandboxCore
import Testing

/// The Kubernetes tests that drive the real kubectl, one at a time: every kubectl call is two Go
/// processes (the gcloud dispatcher and the client it picks), and in parallel they would load the
/// machine enough to upset the timing-sensitive tests elsewhere.
@Suite("Kubernetes API through kubectl", .serialized)
struct KubeTests {}

/// A real `ars-sandbox` for the Kubernetes tests, started as `ars --sandbox` starts it, with the
/// fields of its listening line, and the real `kubectl` pointed at its generated kubeconfig.
actor KubeSandbox {
    /// The real kubectl binary (a gcloud dispatcher picking the client for the server's version),
    /// nil when the machine has none: the tests then fail, saying to run scripts/setup.
    static let kubectl: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(folder)/kubectl"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// The default scenario's folder in the source tree (the same files the binary carries).
    static let scenarioFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/SandboxCore/Resources/Scenarios/g14-healthy")

    /// The default scenario's reference time.
    static let scenarioNow = "2025-11-18T09:00:00Z"

    nonisolated let port: Int
    nonisolated let stateDirectory: URL
    nonisolated let kubeconfig: String
    /// The `now` of the listening line.
    nonisolated let now: String
    /// The whole listening line, parsed.
    nonisolated let announcement: JSON
    /// A HOME for kubectl (its discovery cache), inside the state folder.
    nonisolated let home: URL
    private let process: Process
    private let exitCode: AsyncStream<Int32>

    /// Starts a sandbox; `now` nil leaves `--now` out (the scenario's NOW then applies).
    init(stateDirectory: URL? = nil, speed: Double = frozen, now: String? = nil, scenario: URL? = nil) async throws {
        let directory =
            stateDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("ars-kube-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var arguments = ["--port", "0", "--state", directory.path, "--speed", String(speed)]
        if let now { arguments += ["--now", now] }
        if let scenario { arguments += ["--scenario", scenario.path] }
        let launched = try SandboxInstance.launch(
            arguments: arguments, environment: [SandboxInstance.apiKeyVariable: SandboxInstance.apiKey],
            log: directory.appendingPathComponent("stderr-\(UUID().uuidString.prefix(6)).log"))
        let line = try await SandboxInstance.firstLine(of: launched.stdout)
        let announcement = JSON(data: Data(line.utf8))
        guard announcement["event"].string == "listening", let url = announcement["url"].string,
            let port = url.split(separator: ":").last.flatMap({ Int($0) }), let kubeconfig = announcement["kubeconfig"].string,
            let now = announcement["now"].string
        else {
            launched.process.terminate()
            throw RawHTTP.Failure(description: "unexpected first stdout line: \(line)")
        }
        self.port = port
        self.stateDirectory = directory
        self.kubeconfig = kubeconfig
        self.now = now
        self.announcement = announcement
        self.home = directory.appendingPathComponent("home-\(UUID().uuidString.prefix(6))")
        self.process = launched.process
        self.exitCode = launched.exitCode
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
    }

    /// SIGTERM, then the exit status.
    func stop() async -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        for await code in exitCode { return code }
        return process.terminationStatus
    }

    /// Runs `kubectl --kubeconfig <generated> ARGS` (stdin optional) and returns what it printed.
    nonisolated func kubectl(_ arguments: [String], stdin: String = "", kubeconfig: String? = nil) throws -> KubectlResult {
        guard let binary = Self.kubectl else {
            throw RawHTTP.Failure(
                description: "no kubectl on PATH: run scripts/setup (it installs Debian's kubernetes-client when none is there)")
        }
        return try KubectlResult.run(
            [binary, "--kubeconfig", kubeconfig ?? self.kubeconfig] + arguments, stdin: stdin,
            environment: ["HOME": home.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
    }

    /// `kubectl ARGS -o json`, parsed, expecting exit 0.
    nonisolated func json(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> JSON {
        let result = try kubectl(arguments + ["-o", "json"])
        #expect(result.status == 0, "kubectl \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        return JSON(data: Data(result.stdout.utf8))
    }

    /// The names `kubectl get` lists (`-o jsonpath`), in the server's order.
    nonisolated func names(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        try json(arguments, sourceLocation: sourceLocation)["items"].array.compactMap { $0["metadata"]["name"].string }
    }

    /// Moves the sandbox clock forward (the queue API's admin endpoint); returns the new time.
    @discardableResult
    nonisolated func advance(seconds: Double, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let reply = try await RawHTTP.send(
            port: port, method: "POST", path: "/api/v1/admin/clock",
            headers: [("Authorization", "Bearer \(SandboxInstance.apiKey)"), ("Content-Type", "application/json")],
            body: Data("{\"advanceMs\": \(Int64(seconds * 1000))}".utf8))
        #expect(reply.status == 200, "advance: \(reply.text)", sourceLocation: sourceLocation)
        return reply.json["data"]["now"].string ?? ""
    }

    /// A raw request to the listener.
    nonisolated func raw(_ method: String, _ path: String, headers: [(String, String)] = [], body: String? = nil) async throws
        -> HTTPExchange
    {
        try await RawHTTP.send(port: port, method: method, path: path, headers: headers, body: body.map { Data($0.utf8) })
    }

    /// The token of this start, read back from the kubeconfig's server URL.
    nonisolated var token: String {
        let text = (try? String(contentsOfFile: kubeconfig, encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.contains("server:") } ?? ""
        return String(line.split(separator: "/").last ?? "")
    }
}

/// Runs `body` against a fresh sandbox (frozen clock unless told otherwise), then stops it and
/// removes its state; a failure keeps the folder for a look.
func withKubeSandbox<T>(
    speed: Double = frozen, now: String? = nil, scenario: URL? = nil, _ body: (KubeSandbox) async throws -> T
) async throws -> T {
    let sandbox = try await KubeSandbox(speed: speed, now: now, scenario: scenario)
    do {
        let result = try await body(sandbox)
        #expect(await sandbox.stop() == 0)
        try? FileManager.default.removeItem(at: sandbox.stateDirectory)
        return result
    } catch {
        _ = await sandbox.stop()
        Issue.record("sandbox state and log kept in \(sandbox.stateDirectory.path)")
        throw error
    }
}

/// What one kubectl run printed.
struct KubectlResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Runs a program to completion, both streams read concurrently.
    static func run(_ command: [String], stdin: String, environment: [String: String]) throws -> KubectlResult {
        let result = try runProcess(command, stdin: stdin, environment: environment)
        return KubectlResult(status: result.status, stdout: result.stdout, stderr: result.stderr)
    }
}

/// A PipelineRun manifest for the scenario's pipeline, as a user would `kubectl create -f -` it.
func pipelineRunManifest(
    name: String? = nil, generateName: String? = "agentrun-v01-ci-", commit: String = "0123456789abcdef0123456789abcdef01234567",
    annotations: [String: String] = [:]
) -> String {
    var metadata = name.map { "  name: \($0)\n" } ?? generateName.map { "  generateName: \($0)\n" } ?? ""
    metadata += "  namespace: agentrun-ci\n"
    if !annotations.isEmpty {
        metadata += "  annotations:\n" + annotations.sorted { $0.key < $1.key }.map { "    \($0.key): \"\($0.value)\"\n" }.joined()
    }
    return """
        apiVersion: tekton.dev/v1
        kind: PipelineRun
        metadata:
        \(metadata)spec:
          pipelineRef:
            name: agentrun-v01-ci
          params:
          - name: git-url
            value: http://gitea.unidesk.svc.cluster.local:3000/unidesk/agentrun.git
          - name: git-revision
            value: \(commit)
          workspaces:
          - name: source
            volumeClaimTemplate:
              spec:
                accessModes: [ReadWriteOnce]
                resources:
                  requests:
                    storage: 1Gi

        """
}

// MARK: - Expectations through the scenario's git rewrite

extension KubeSandbox {
    /// Invented → real commit ids, when the sandbox built git repositories for its scenario
    /// (`<state>/git/scenario-commits.json`); empty otherwise.
    nonisolated var commitMap: [String: String] {
        let manifest = stateDirectory.appendingPathComponent("git/scenario-commits.json")
        guard let data = try? Data(contentsOf: manifest), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let commits = object["commits"] as? [String: String]
        else { return [:] }
        return commits
    }

    /// `text` as the sandbox serves it: invented commit ids replaced by the real ones.
    nonisolated func real(_ text: String) -> String {
        KubeExpectations.rewrite(text, map: commitMap)
    }

    /// What `kubectl … -o json` prints for a fixture file on this sandbox: the fixture's text
    /// after the rewrite, a list's items in the server's order (namespace, then name).
    nonisolated func expected(fixture text: String) throws -> String {
        try KubeExpectations.expected(text, map: commitMap)
    }
}

enum KubeExpectations {
    /// Every maximal run of hex digits that is 7 or 40 long and a key of `map` replaced by its value.
    static func rewrite(_ text: String, map: [String: String]) -> String {
        guard !map.isEmpty else { return text }
        func isHex(_ byte: UInt8) -> Bool { (48...57).contains(byte) || (97...102).contains(byte) || (65...70).contains(byte) }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard isHex(bytes[index]) else {
                output.append(bytes[index])
                index += 1
                continue
            }
            var end = index
            while end < bytes.count, isHex(bytes[end]) { end += 1 }
            let run = String(decoding: bytes[index..<end], as: UTF8.self)
            output += Array(((run.count == 7 || run.count == 40) ? map[run] ?? run : run).utf8)
            index = end
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// kubectl's `-o json` text of a value: Go's `json.MarshalIndent` with four spaces, sorted
    /// keys, Go's string escapes, and a final newline.
    static func kubectlText(_ value: KubeJSON) -> String {
        var output = ""
        write(value, indent: "", to: &output)
        return output + "\n"
    }

    private static func write(_ value: KubeJSON, indent: String, to output: inout String) {
        let inner = indent + "    "
        switch value {
        case .object(let members) where !members.isEmpty:
            output += "{\n"
            for (index, key) in members.keys.sorted(by: KubeJSON.goOrder).enumerated() {
                output += inner + KubeJSON.string(key).text + ": "
                write(members[key]!, indent: inner, to: &output)
                output += index == members.count - 1 ? "\n" : ",\n"
            }
            output += indent + "}"
        case .array(let items) where !items.isEmpty:
            output += "[\n"
            for (index, item) in items.enumerated() {
                output += inner
                write(item, indent: inner, to: &output)
                output += index == items.count - 1 ? "\n" : ",\n"
            }
            output += indent + "]"
        default:
            output += value.text
        }
    }

    static func expected(_ fixture: String, map: [String: String]) throws -> String {
        var document = try KubeJSON(parsing: rewrite(fixture, map: map))
        if document.string("kind") == "List", let items = document["items"]?.arrayValue {
            document["items"] = .array(
                items.sorted {
                    let left = ($0.string("metadata", "namespace") ?? "") + "\u{0}" + ($0.string("metadata", "name") ?? "")
                    let right = ($1.string("metadata", "namespace") ?? "") + "\u{0}" + ($1.string("metadata", "name") ?? "")
                    return KubeJSON.goOrder(left, right)
                })
        }
        return kubectlText(document)
    }
}
