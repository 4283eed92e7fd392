import Bridges
import Commands
import Dispatch
import FoundationEssentials
import Glibc
import Synchronization

/// `ars --sandbox`: starts `ars-sandbox` on an ephemeral loopback port with its state under
/// `$XDG_STATE_HOME/ars/sandbox/`, writes a lane catalogue pointing at it, and stops the server
/// when ars exits. The API key is random per start and lives only in the two processes'
/// environments — never on disk, never printed.
final class SandboxLane {
    let stateDirectory: String
    let configPath: String
    let apiKey: String
    let baseURL: String
    /// What the server announced: `url`, `kubeconfig`, `now`, `git.{origin,worktree,mirror}`.
    let announcement: Value
    private let server: ServerProcess

    /// The environment variable the generated catalogue names for the key.
    static let keyVariable = "ARS_SANDBOX_API_KEY"

    /// Starts the server and waits (up to 15 s) for its `listening` line.
    /// The catalogue whose lanes the sandbox serves (`--config FILE`, or `agentrun.yaml` in the
    /// scenario folder); nil for the built-in one lane shaped like G14's v0.1.
    let served: LaneCatalog?

    init(
        environment: [String: String], stateFiles: StateFiles, scenario: String? = nil, importRuns: [String] = [],
        served: LaneCatalog? = nil
    ) throws(ArsError) {
        self.served = served
        stateDirectory = stateFiles.directory
        configPath = stateDirectory + "/agentrun.yaml"
        apiKey = "sbx-" + (0..<4).map { _ in UUID().uuidString.replacing("-", with: "").lowercased() }.joined().prefix(40)

        guard let binary = Self.locateServer(environment: environment) else {
            throw ArsError.invalidInput(
                .noSandbox, "cannot find the ars-sandbox executable next to ars or on PATH",
                hint: "build it with 'swift build --product ars-sandbox' (scripts/ars does this)")
        }
        do {
            try FileManager.default.createDirectory(
                atPath: stateDirectory + "/server", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ArsError.invalidInput(.sandboxState, "cannot create \(stateDirectory): \(ArsError.reason(error))")
        }
        // The lane keeps its address between one-shot calls (a Caddy site exposed by one call
        // proxies to it in the next), unless another program took the port meanwhile.
        let portFile = stateDirectory + "/port"
        let port = Self.freePort(preferred: (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }) ?? 0
        var arguments = ["--state", stateDirectory + "/server", "--port", String(port), "--parent", String(getpid())]
        if let speed = environment["ARS_SANDBOX_SPEED"] { arguments += ["--speed", speed] }
        if let scenario { arguments += ["--scenario", scenario] }
        for file in importRuns { arguments += ["--import-run", file] }
        // The git repositories are built for the served catalogue's default lane.
        if let served, let lane = served.node(served.defaultNode)?.lane(served.defaultLane) {
            if let prefix = lane.raw["pipelineRunPrefix"]?.stringValue { arguments += ["--run-prefix", prefix] }
            if let branch = lane.raw.lookup("source.branch")?.stringValue { arguments += ["--source-branch", branch] }
            if let branch = lane.raw.lookup("gitops.branch")?.stringValue { arguments += ["--gitops-branch", branch] }
        }
        // One clock for kubectl's ages and ars's verdicts: a pinned ARS_NOW starts the sandbox
        // there too (never before what it has stored), else the scenario's NOW, else real time.
        if let pinned = environment["ARS_NOW"].flatMap(RFC3339.parse) {
            arguments += ["--now", RFC3339.format(pinned)]
        }
        var childEnvironment = environment
        childEnvironment[Self.keyVariable] = apiKey
        let logPath = stateDirectory + "/server.log"
        let logStart = (try? FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int) ?? 0
        let log = open(logPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        let output: (read: Int32, write: Int32)
        do { output = try Spawn.pipe() } catch {
            if log >= 0 { close(log) }
            throw ArsError.invalidInput(.sandboxStart, "cannot start \(binary): \(error)")
        }
        let started = ServerProcess.start(
            executable: binary, arguments: [binary] + arguments, environment: childEnvironment, stdout: output.write,
            stderr: log >= 0 ? log : output.write)
        close(output.write)
        if log >= 0 { close(log) }
        defer { close(output.read) }
        switch started {
        case .success(let server): self.server = server
        case .failure(let failure): throw ArsError.invalidInput(.sandboxStart, "cannot start \(binary): \(failure)")
        }
        guard let announcement = Self.readAnnouncement(output.read, timeout: 30), let url = announcement["url"]?.stringValue
        else {
            server.stop(grace: 5)
            // What the server said before it stopped (a bad --scenario or --import-run file).
            let said = (FileManager.default.contents(atPath: logPath) ?? Data()).dropFirst(logStart)
            let lastLine = String(decoding: said, as: UTF8.self).split(separator: "\n").last { $0.hasPrefix("ars-sandbox: ") }
            throw ArsError(
                .remote, code: .sandboxStart,
                lastLine.map { "the sandbox did not start: " + $0.dropFirst("ars-sandbox: ".count) }
                    ?? "ars-sandbox did not report a listening address within 30 s",
                hint: "see \(stateDirectory)/server.log")
        }
        self.announcement = announcement
        baseURL = url
        if let chosen = URL(string: url)?.port { try? String(chosen).write(toFile: portFile, atomically: true, encoding: .utf8) }
        do {
            try catalogue.write(toFile: configPath, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: configPath)
        } catch {
            stop()
            throw ArsError.invalidInput(.sandboxConfig, "cannot write \(configPath): \(ArsError.reason(error))")
        }
    }

    /// The generated lane catalogue: one node `local` reached through the local bridge (the real
    /// `kubectl` with the sandbox's kubeconfig, `git` in the sandbox's repositories), one lane
    /// `sandbox` shaped like G14's v0.1 lane — or, when a catalogue is served, every node and lane
    /// of it, pointed at the sandbox (REST URL, local bridge, the sandbox's repositories) and
    /// keeping each lane's own namespace, CI namespace, run prefix, Argo app, egress proxy, GitOps
    /// and source branches and mirror repository.
    var catalogue: String {
        var bridge: Value = ["kind": "local"]
        if let kubeconfig = announcement["kubeconfig"] { bridge = bridge.setting("kubeconfig", kubeconfig) }
        if let served { return Self.header + Printer(format: .yaml).renderValue(servedCatalogue(served, bridge: bridge)) }
        var lane: Value = [
            "restBaseUrl": .string(baseURL),
            "namespace": "agentrun-v01",
            "ciNamespace": "agentrun-ci",
            "argoApp": "argocd/agentrun-g14-v01",
            "pipelineRunPrefix": "agentrun-v01-ci-",
            "manager": ["deployment": "agentrun-manager"],
            "egressProxy": [
                "host": "g14-provider-egress-proxy.unidesk.svc.cluster.local", "port": 18789,
                "namespace": "unidesk", "service": "g14-provider-egress-proxy", "probeHost": "codeload.github.com",
            ],
        ]
        // The sandbox's real proxy (tinyproxy) and HTTPS target stand for the Service's ClusterIP
        // and the probe host on this machine.
        if let egress = announcement["egress"]?.objectValue, let proxy = egress["proxy"], let probeHost = egress["probeHost"] {
            var settings = lane["egressProxy"]?.objectValue ?? Object()
            settings["probeProxy"] = proxy
            settings["probeHost"] = probeHost
            if let ca = egress["caFile"] { settings["probeCAFile"] = ca }
            lane = lane.setting("egressProxy", .object(settings))
        }
        if let worktree = announcement.lookup("git.worktree"), let origin = announcement.lookup("git.origin") {
            lane = lane.setting("source", ["worktree": worktree, "branch": "v0.1", "remote": origin])
            lane = lane.setting("gitops", ["branch": "v0.1-gitops"])
        }
        if let mirror = announcement.lookup("git.mirror") {
            // The sandbox runner fetches GitHub bundles through this read URL (as G14's does).
            lane = lane.setting(
                "gitMirror",
                [
                    "cacheDir": mirror, "repository": "github.com/pikasTech/agentrun.git",
                    "baseUrl": "http://git-mirror.devops-infra.svc.cluster.local:8080",
                    "bundles": ["Artificer": ["https://github.com/pikasTech/unidesk"]],
                ])
        }
        var lanes = Object([("sandbox", lane)])
        var nodes = Object()
        if announcement["yamlLane"]?.objectValue != nil, let origin = announcement.lookup("git.origin") {
            // A YAML-only lane shaped like D601's v02, its desired state rendered from here.
            let yamlLane: Value = [
                "yamlOnly": true, "restBaseUrl": .string(baseURL), "namespace": "agentrun-v02", "ciNamespace": "agentrun-ci",
                "source": ["worktree": "", "branch": "v0.2", "remote": origin, "from": "v0.1"],
                "gitops": ["branch": "v0.2-gitops", "path": "deploy/agentrun-v02"],
                "argoApp": "argocd/agentrun-local-v02", "pipelineRunPrefix": "agentrun-v02-ci-", "pipelineGitUrl": origin,
                "image": ["registry": "registry.d601.unidesk.invalid", "repository": "agentrun/manager"],
                "manager": ["deployment": "agentrun-manager", "replicas": 1, "port": 8080, "env": ["AGENTRUN_LANE": "v02"]],
                "secrets": [["name": "agentrun-v02-db", "keys": ["POSTGRES_PASSWORD", "DATABASE_URL"], "sourceFile": ""]],
                "database": [
                    "host": "platform-db.d601.unidesk.invalid", "port": 5432, "name": "agentrun_v02", "user": "agentrun",
                    "sslMode": "require", "passwordSecret": ["name": "agentrun-v02-db", "key": "POSTGRES_PASSWORD"],
                ],
                "expose": [
                    "edgeNode": "edge", "host": "agentrun-v02.localhost", "upstream": "", "allowPortsFile": "", "caddyfile": "",
                    "sitesDir": "",
                ],
            ]
            lanes["v02"] = pointedAtSandbox(yamlLane)
            if announcement["edge"]?.objectValue != nil { nodes["edge"] = ["bridge": ["kind": "local"]] }
        }
        nodes["local"] = ["bridge": bridge, "lanes": .object(lanes)]
        let catalogue: Value = [
            "apiVersion": "ars/v1", "kind": "LaneCatalog",
            "defaults": ["node": "local", "lane": "sandbox"],
            "auth": ["apiKeyEnv": .string(Self.keyVariable)],
            "nodes": .object(nodes),
        ]
        return Self.header + Printer(format: .yaml).renderValue(catalogue)
    }

    private static var header: String {
        "# Generated by `ars --sandbox` for this run; the key is in $\(keyVariable) of the processes only.\n"
    }

    /// A served catalogue pointed at this sandbox.
    private func servedCatalogue(_ served: LaneCatalog, bridge: Value) -> Value {
        var nodes = Object()
        for node in served.nodes {
            var lanes = Object()
            for lane in node.lanes {
                var raw = lane.raw.setting("restBaseUrl", .string(baseURL))
                if let worktree = announcement.lookup("git.worktree"), let origin = announcement.lookup("git.origin"), raw["source"] != nil
                {
                    raw = raw.setting("source", (raw["source"] ?? .null).setting("worktree", worktree).setting("remote", origin))
                }
                if let mirror = announcement.lookup("git.mirror"), raw["gitMirror"] != nil {
                    raw = raw.setting("gitMirror", (raw["gitMirror"] ?? .null).setting("cacheDir", mirror))
                }
                lanes[lane.name] = lane.yamlOnly ? pointedAtSandbox(raw) : raw
            }
            nodes[node.name] = .object(["bridge": bridge, "lanes": .object(lanes)])
        }
        return .object([
            "apiVersion": "ars/v1", "kind": "LaneCatalog",
            "defaults": .object(["node": .string(served.defaultNode), "lane": .string(served.defaultLane)]),
            "auth": .object(["apiKeyEnv": .string(Self.keyVariable)]),
            "nodes": .object(nodes),
        ])
    }

    /// A YAML-only lane pointed at the sandbox: its source worktree the sandbox's (not yet
    /// cloned) v02 worktree of its origin, its Secrets read from the sandbox's materialised source
    /// file (mode 0600, invented values), its exposure the sandbox's real Caddy (internal CA) in
    /// front of the sandbox's REST API.
    private func pointedAtSandbox(_ lane: Value) -> Value {
        var raw = lane
        let yaml = announcement["yamlLane"] ?? .null
        if let worktree = yaml["worktree"], let origin = announcement.lookup("git.origin"), raw["source"] != nil {
            raw = raw.setting("source", (raw["source"] ?? .null).setting("worktree", worktree).setting("remote", origin))
        }
        if let file = yaml["secretSource"], let secrets = raw["secrets"]?.arrayValue {
            raw = raw.setting("secrets", .array(secrets.map { $0.setting("sourceFile", file) }))
        }
        if let edge = announcement["edge"]?.objectValue, raw["expose"] != nil, let port = URL(string: baseURL)?.port {
            var expose = raw["expose"]?.objectValue ?? Object()
            expose["host"] = edge["host"] ?? "agentrun-v02.localhost"
            expose["httpsPort"] = edge["httpsPort"]
            expose["upstream"] = .string("127.0.0.1:\(port)")
            expose["allowPortsFile"] = edge["allowPortsFile"]
            expose["caddyfile"] = edge["caddyfile"]
            expose["sitesDir"] = edge["sitesDir"]
            expose["caddyAdmin"] = edge["admin"]
            expose["tls"] = "internal"
            expose["caFile"] = edge["caRoot"]
            raw = raw.setting("expose", .object(expose))
        } else if var object = raw.objectValue {
            // No Caddy here: the lane cannot be exposed.
            object["expose"] = nil
            raw = .object(object)
        }
        return raw
    }

    /// The sandbox's clock as the shell should read it: the scenario's reference time (announced
    /// as `now`) running at the sandbox's speed, so ages and cutoffs agree with the cluster.
    func clock(environment: [String: String]) -> (any WallClock)? {
        guard let text = announcement["now"]?.stringValue, let start = RFC3339.parse(text) else { return nil }
        return OffsetClock(start: start, rate: environment["ARS_SANDBOX_SPEED"].flatMap(Double.init) ?? 1)
    }

    /// Stops the server and the children it started — its process group — with SIGTERM, then
    /// SIGKILL after 5 s.
    func stop() {
        server.stop(grace: 5)
    }

    deinit { stop() }

    // MARK: - Helpers

    /// `preferred` when nothing listens on 127.0.0.1 at that port now, else nil (the server then
    /// takes any free one). The small race with another program binding it first only costs the
    /// address: the server would fail to start and say so.
    private static func freePort(preferred: Int?) -> Int? {
        guard let preferred, (1024...65535).contains(preferred) else { return nil }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // As the server binds (SwiftNIO sets SO_REUSEADDR): the last run's TIME_WAIT connections do not count.
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(preferred).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound == 0 ? preferred : nil
    }

    private static func locateServer(environment: [String: String]) -> String? {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("ars-sandbox").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let candidate = Paths.parent(exe) + "/ars-sandbox"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        for directory in (environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/ars-sandbox"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Reads lines until `{"event":"listening","url":…}` arrives or the time runs out.
    private static func readAnnouncement(_ fd: Int32, timeout: Int) -> Value? {
        let deadline = ContinuousClock.now + .seconds(timeout)
        var buffer: [UInt8] = []
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 100)
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { return nil }
            buffer.append(contentsOf: chunk[0..<count])
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                if let value = try? JSON.decode(line), value["event"] == .string("listening"), value["url"]?.stringValue != nil {
                    return value
                }
            }
        }
        return nil
    }
}

/// The running `ars-sandbox`: started from a thread of its own that lives until the server exits
/// and reaps it. The server asks the kernel for SIGTERM when its parent *thread* ends
/// (`PR_SET_PDEATHSIG` follows the thread that forked it), so it must not be forked from a pool
/// thread that may retire while ars still runs.
final class ServerProcess: Sendable {
    private struct State {
        var pid: pid_t = 0
        var exited = false
        var failure: SpawnFailure?
    }
    private let state = Mutex(State())

    var isRunning: Bool { state.withLock { !$0.exited } }

    static func start(executable: String, arguments: [String], environment: [String: String], stdout: Int32, stderr: Int32)
        -> Result<ServerProcess, SpawnFailure>
    {
        let server = ServerProcess()
        let started = DispatchSemaphore(value: 0)
        DedicatedThread.start(name: "ars.sandbox") {
            switch Spawn.spawn(
                executable: executable, arguments: arguments, environment: environment, stdin: nil, stdout: stdout, stderr: stderr)
            {
            case .failure(let failure):
                server.state.withLock {
                    $0.failure = failure
                    $0.exited = true
                }
                started.signal()
            case .success(let pid):
                server.state.withLock { $0.pid = pid }
                started.signal()
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                server.state.withLock { $0.exited = true }
            }
        }
        started.wait()
        if let failure = server.state.withLock({ $0.failure }) { return .failure(failure) }
        return .success(server)
    }

    /// Stops the server and the children it started — its process group — with SIGTERM, then
    /// SIGKILL after `grace` seconds.
    func stop(grace: Int) {
        let pid = state.withLock { $0.pid }
        guard isRunning, pid > 0 else { return }
        if kill(-pid, SIGTERM) != 0 { kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(grace)
        while isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if isRunning { kill(-pid, SIGKILL) }
        while isRunning { usleep(5_000) }
    }
}
