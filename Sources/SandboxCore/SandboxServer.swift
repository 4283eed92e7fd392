import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Runs the sandbox lane: the HTTP server on 127.0.0.1 and the simulated runner, until SIGTERM
/// or SIGINT shuts both down gracefully.
public enum SandboxServer {
    /// Serves until a shutdown signal; throws when the state cannot be opened, the scenario not
    /// loaded or the port bound. `hooks` reach the Kubernetes scenario (document rewrite, GitOps head).
    public static func run(_ options: SandboxOptions, hooks: KubeHooks = KubeHooks()) async throws {
        var logger = Logger(label: "ars-sandbox") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .info

        let state = URL(fileURLWithPath: options.stateDirectory, isDirectory: true)
        // The state holds the cluster's Secrets and the kubeconfig's token: the folder is the
        // user's alone (the executable also sets umask 077, so what it creates inside is 0600).
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: state.path)
        // Real git repositories for the scenario (origin, the fixed worktree, the git-mirror
        // cache); the scenario's invented commit ids are rewritten to their real ones.
        let scenarioDirectory =
            try options.scenarioDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? KubeScenario.defaultDirectory
        let repositories = try ScenarioRepositories.prepare(
            directory: state.appendingPathComponent("git").path, documents: try KubeScenario.documents(in: scenarioDirectory),
            pipelineRunPrefix: options.runPrefix, sourceBranch: options.sourceBranch, gitopsBranch: options.gitopsBranch)
        // The YAML-only lane's Secret source (invented values, made once per state).
        let yamlLane = YamlLane.announcement(
            repositories: repositories, secretSource: try YamlLane.writeSecretSource(stateDirectory: state))
        let gitLogger = logger
        let mirror = GitMirrorCache(repositories: repositories)
        let hooks = KubeHooks(
            rewrite: { hooks.rewrite(repositories.rewrite($0)) },
            gitopsHead: { hooks.gitopsHead() ?? repositories.gitopsHead() },
            promote: { promotion in
                if let head = hooks.promote(promotion) { return head }
                guard promotion.pipeline == repositories.pipeline else { return nil }
                do {
                    return try repositories.promote(
                        commit: promotion.revision, pipelineRun: "\(promotion.namespace)/\(promotion.pipelineRun)", uid: promotion.uid,
                        at: promotion.completedAt)
                } catch {
                    gitLogger.error("cannot promote \(promotion.pipelineRun) into \(repositories.gitopsBranch): \(error)")
                    return nil
                }
            },
            gitopsImages: { revision in
                let images = hooks.gitopsImages(revision)
                return images.isEmpty ? repositories.desiredImages(at: revision) : images
            },
            fetchMirror: { date in
                hooks.fetchMirror(date)
                do {
                    try mirror.fetch(at: date)
                } catch {
                    gitLogger.error("the git-mirror cannot fetch from origin: \(error)")
                }
            },
            branchHead: { hooks.branchHead($0) ?? repositories.branchHead($0) },
            manifests: { hooks.manifests($0, $1) ?? repositories.manifests(at: $0, path: $1) })
        let scenario = try KubeScenario.load(directory: scenarioDirectory, rewrite: hooks.rewrite)
        let egressSettings = try SandboxEgress.settings(in: scenarioDirectory)
        // The clock starts at --now, else the scenario's NOW, else the real time — but never before
        // anything already stored.
        let requested =
            options.startMilliseconds.map(Timestamp.init(milliseconds:)) ?? scenario.now
            ?? Timestamp(milliseconds: Int64(Date().timeIntervalSince1970 * 1000))
        let kubeStore = try KubeStore(path: state.appendingPathComponent("kube.sqlite").path, scenario: scenario, seedTime: requested)
        let origin = max(requested, try kubeStore.lastClock ?? requested)

        let notifier = ChangeNotifier()
        let lane = try SandboxLane(stateDirectory: state, origin: origin, speed: options.speed, notifier: notifier, mirror: mirror)
        // The git-mirror cache was fetched at the sandbox's start.
        try mirror.started(at: await lane.now())
        // Published traces become finished runs before the first request (a bad file stops the start).
        var importedIDs: [String] = []
        for path in options.importRuns {
            importedIDs.append(try await lane.importRun(TraceImport(path: path)))
        }
        let imported = importedIDs
        let cluster = KubeCluster(store: kubeStore, hooks: hooks, clock: { await lane.now() })
        try await cluster.startControllers()
        let kube = KubeAPI(cluster: cluster, token: Kubeconfig.randomToken(), notifier: notifier)
        let kubeconfig = state.appendingPathComponent("kubeconfig").path
        // The egress proxy and HTTPS probe target (child processes; nil when the tools are missing).
        let egress = await SandboxEgress.start(stateDirectory: state, settings: egressSettings, logger: logger)
        // The lane's public HTTPS edge (a real Caddy, a child process; nil without caddy).
        let edge = await SandboxEdge.start(stateDirectory: state, logger: logger)
        let api = SandboxAPI(
            lane: lane, faults: FaultInjector(), notifier: notifier, apiKey: options.apiKey, kube: kube, mirror: mirror, egress: egress)

        let errorLogger = logger
        let app = Application(
            router: api.makeRouter(),
            // A connection whose request headers do not arrive in time (idle, or trickling) is
            // closed, so half-open connections cannot tie the server up.
            server: .http1(configuration: .init(idleTimeout: .milliseconds(Int64(options.headerTimeout * 1000)))),
            configuration: .init(address: .hostname("127.0.0.1", port: options.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? options.port
                do {
                    try Kubeconfig.write(to: kubeconfig, port: port, token: kube.token)
                } catch {
                    errorLogger.error("cannot write the kubeconfig: \(error)")
                }
                announce(
                    port: port, kubeconfig: kubeconfig, now: await lane.now(), repositories: repositories, egress: egress?.announcement,
                    edge: edge?.announcement, imported: imported, yamlLane: yamlLane)
            },
            logger: logger)
        let runner = RunnerService(lane: lane, notifier: notifier, logger: logger)
        // Shutdown runs in reverse order: the runner first (it releases long-polls), then the server.
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: app), .init(service: runner)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await egress?.shutdown()
            await edge?.shutdown()
            await lane.close()
            await cluster.close()
            throw error
        }
        await egress?.shutdown()
        await edge?.shutdown()
        await lane.close()
        await cluster.close()
    }

    /// The one machine-readable line on stdout once the server listens: the queue API's URL, the
    /// kubeconfig for the cluster, the sandbox time, where the git repositories are, the egress
    /// proxy, probe target and CA, the Caddy edge (`null` without them), and the YAML-only lane
    /// (`YamlLane`).
    private static func announce(
        port: Int, kubeconfig: String, now: Timestamp, repositories: ScenarioRepositories, egress: SandboxEgress.Announcement?,
        edge: SandboxEdge.Announcement?, imported: [String], yamlLane: String
    ) {
        let git = [("origin", repositories.originPath), ("worktree", repositories.worktreePath), ("mirror", repositories.mirrorPath)]
            .map { #""\#($0.0)":\#(KubeJSON.string($0.1).text)"# }.joined(separator: ",")
        let egressObject =
            egress.map { egress in
                "{"
                    + [("proxy", egress.proxy), ("probeHost", egress.probeHost), ("caFile", egress.caFile)]
                    .map { #""\#($0.0)":\#(KubeJSON.string($0.1).text)"# }.joined(separator: ",") + "}"
            } ?? "null"
        // The edge's values as JSON text: strings quoted, httpsPort a number.
        let edgeObject =
            edge.map { edge in
                let fields = [
                    ("caddyfile", KubeJSON.string(edge.caddyfile).text), ("sitesDir", KubeJSON.string(edge.sitesDirectory).text),
                    ("admin", KubeJSON.string(edge.admin).text), ("httpsPort", String(edge.httpsPort)),
                    ("caRoot", KubeJSON.string(edge.caRoot).text), ("allowPortsFile", KubeJSON.string(edge.allowPortsFile).text),
                    ("host", KubeJSON.string(edge.host).text),
                ]
                return "{" + fields.map { #""\#($0.0)":\#($0.1)"# }.joined(separator: ",") + "}"
            } ?? "null"
        let line =
            #"{"event":"listening","url":"http://127.0.0.1:\#(port)","pid":\#(ProcessInfo.processInfo.processIdentifier)"#
            + #","kubeconfig":\#(KubeJSON.string(kubeconfig).text),"now":"\#(now)","git":{\#(git)}"#
            + #","egress":\#(egressObject)"#
            + #","edge":\#(edgeObject)"#
            + #","yamlLane":\#(yamlLane)"#
            + #","imported":[\#(imported.map { KubeJSON.string($0).text }.joined(separator: ","))]}"# + "\n"
        FileHandle.standardOutput.write(Data(line.utf8))
    }
}

/// Drives the simulated runner in real time: applies steps as they fall due on the sandbox clock
/// and sleeps until the next one or until an operation changes the lane.
struct RunnerService: Service {
    let lane: SandboxLane
    let notifier: ChangeNotifier
    let logger: Logger

    func run() async throws {
        await withGracefulShutdownHandler {
            while !(await notifier.isShutDown) {
                let seen = await notifier.generation
                var delay = Duration.seconds(60)
                do {
                    if let next = try await lane.tick() { delay = next }
                } catch {
                    logger.error("the simulated runner failed to advance: \(error)")
                    delay = .seconds(1)
                }
                await notifier.wait(after: seen, timeout: delay)
            }
        } onGracefulShutdown: {
            Task { await notifier.shutDown() }
        }
    }
}
