import FoundationEssentials
import Synchronization
import Glibc

/// The current node, lane and task: what the REPL prompt shows and commands default to.
public struct ShellContext: Sendable, Equatable, Codable {
    public var node: String?
    public var lane: String?
    public var task: String?

    public init(node: String? = nil, lane: String? = nil, task: String? = nil) {
        self.node = node
        self.lane = lane
        self.task = task
    }

    public subscript(key: ContextKey) -> String? {
        get {
            switch key {
            case .node: node
            case .lane: lane
            case .task: task
            }
        }
        set {
            switch key {
            case .node: node = newValue
            case .lane: lane = newValue
            case .task: task = newValue
            }
        }
    }
}

/// Everything a command may touch: context, variables, configuration, streams, environment and
/// clock. All I/O goes through here so tests can capture and control it.
///
/// A session is driven by one command loop at a time (the REPL, a one-shot run or a script), but
/// its commands fan out (`status` probes three stages at once, `describe` reads four collections)
/// and every child may register a secret, remember an id or open the shared connection. So what
/// changes lives in one `Mutex`-guarded `State`; the rest is immutable. No lock is held while a
/// factory, a warning or a command runs.
public final class Session: Sendable {
    /// How the session is being driven.
    public enum Mode: Sendable {
        /// The libedit REPL: context persists between runs.
        case interactive
        /// `ars WORDS…` or `ars -c LINE`.
        case oneShot
        /// A script file or piped input: starts from the config defaults and never persists context.
        case script
    }

    /// What may change during a session, guarded by `state`.
    struct State: Sendable {
        var io: IOStreams
        var context: ShellContext
        var variables: [String: Value] = [:]
        var recentIDs: [String: [String]] = [:]
        var emit: (@Sendable (CommandOutput) -> Void)?
        var secrets: Set<String> = [] {
            // Longest first, so a secret that contains another is replaced whole.
            didSet { secretsLongestFirst = secrets.sorted { $0.count > $1.count } }
        }
        var secretsLongestFirst: [String] = []
        var history: @Sendable () -> [String] = { [] }
        var configOverrideSource = "--config"
        var loadedConfig: LoadedConfig?
        var isReplaying = false
        var makeHTTPTransport: @Sendable () -> any HTTPTransport = { UnavailableTransport() }
        var httpTransport: (any HTTPTransport)?
        var makeBridge: @Sendable (NodeSettings) -> any RemoteBridge = { _ in UnavailableBridge() }
        var bridges: [String: any RemoteBridge] = [:]
    }

    public let registry: CommandRegistry
    public let mode: Mode
    public let environment: [String: String]
    public let clock: any WallClock
    public let currentDirectory: String
    /// The path given with `--config`, if any.
    public let configOverride: String?
    private let state: Mutex<State>

    public var io: IOStreams {
        get { state.withLock { $0.io } }
        set { state.withLock { $0.io = newValue } }
    }
    public var context: ShellContext {
        get { state.withLock { $0.context } }
        set { state.withLock { $0.context = newValue } }
    }
    public var variables: [String: Value] {
        get { state.withLock { $0.variables } }
        set { state.withLock { $0.variables = newValue } }
    }
    /// Ids recently seen per kind, newest first (see `remember`).
    public var recentIDs: [String: [String]] {
        get { state.withLock { $0.recentIDs } }
        set { state.withLock { $0.recentIDs = newValue } }
    }
    /// Prints part of a result while the command still runs (`events --follow`); set by the
    /// dispatcher for the invocation's output format. Scripts leave it nil to collect values.
    public var emit: (@Sendable (CommandOutput) -> Void)? {
        get { state.withLock { $0.emit } }
        set { state.withLock { $0.emit = newValue } }
    }
    /// Values that must never be printed (API keys, secret values); see `redact`.
    public var secrets: Set<String> { state.withLock { $0.secrets } }
    /// The REPL's line history, oldest first (empty outside the REPL).
    public var history: @Sendable () -> [String] {
        get { state.withLock { $0.history } }
        set { state.withLock { $0.history = newValue } }
    }
    /// How `context`, `config view` and `--raw` name where `configOverride` came from.
    public var configOverrideSource: String {
        get { state.withLock { $0.configOverrideSource } }
        set { state.withLock { $0.configOverrideSource = newValue } }
    }
    /// True while a script replays a recording: no key is needed, nothing goes to the network.
    public var isReplaying: Bool {
        get { state.withLock { $0.isReplaying } }
        set { state.withLock { $0.isReplaying = newValue } }
    }
    /// Makes the HTTP transport on first use (the shell wires libcurl; tests wire what they need).
    public var makeHTTPTransport: @Sendable () -> any HTTPTransport {
        get { state.withLock { $0.makeHTTPTransport } }
        set { state.withLock { $0.makeHTTPTransport = newValue } }
    }
    /// Makes the bridge to a node on first use (the shell wires trans/ssh/local from the
    /// catalogue's `bridge`; tests wire what they need).
    public var makeBridge: @Sendable (NodeSettings) -> any RemoteBridge {
        get { state.withLock { $0.makeBridge } }
        set { state.withLock { $0.makeBridge = newValue } }
    }

    public init(
        registry: CommandRegistry,
        mode: Mode,
        io: IOStreams,
        environment: [String: String],
        clock: any WallClock = SystemClock(),
        currentDirectory: String = FileManager.default.currentDirectoryPath,
        context: ShellContext = ShellContext(),
        configOverride: String? = nil
    ) {
        self.registry = registry
        self.mode = mode
        self.environment = environment
        self.clock = clock
        self.currentDirectory = currentDirectory
        self.configOverride = configOverride
        self.state = Mutex(State(io: io, context: context))
        registerEnvironmentSecrets()
    }

    /// A session for running a script from this one: same registry, streams, environment, clock,
    /// catalogue and HTTP connection; a fresh context (scripts never inherit it), no variables.
    public func scriptSession() -> Session {
        let child = Session(
            registry: registry, mode: .script, io: io, environment: environment, clock: clock,
            currentDirectory: currentDirectory, context: ShellContext(), configOverride: configOverride)
        child.makeHTTPTransport = { [self] in http }
        child.makeBridge = { [self] node in bridge(for: node) }
        let (secrets, recentIDs) = state.withLock { ($0.secrets, $0.recentIDs) }
        child.state.withLock {
            $0.secrets = secrets
            $0.recentIDs = recentIDs
        }
        return child
    }

    // MARK: Output policy

    /// Colour on stdout only on a terminal and never when `NO_COLOR` is set (https://no-color.org).
    public var usesColour: Bool { io.stdout.isTerminal && !(environment["NO_COLOR"].map { !$0.isEmpty } ?? false) }
    public var usesColourOnStderr: Bool { io.stderr.isTerminal && !(environment["NO_COLOR"].map { !$0.isEmpty } ?? false) }

    // MARK: Configuration

    /// The lane catalogue, loaded on first use (commands that do not need it never parse it).
    public func config() throws(ArsError) -> LoadedConfig {
        if let loadedConfig = state.withLock({ $0.loadedConfig }) { return loadedConfig }
        let located = try ConfigLoader.locate(explicit: configOverride, environment: environment, currentDirectory: currentDirectory)
        for notice in located.notices { warn(notice) }
        let source = located.source == "--config" ? configOverrideSource : located.source
        let loaded = try ConfigLoader.load(path: located.path, source: source, environment: environment)
        if !located.isUsersOwn {
            progress(
                "using the catalogue \(located.source) of this folder (trusted with 'ars config trust'; not one you named or keep in your config folder)"
            )
        }
        state.withLock { $0.loadedConfig = loaded }
        return loaded
    }

    /// The lane a command acts on: `--node/--lane`, else the context, else the catalogue's defaults.
    public func lane(node nodeOverride: String? = nil, lane laneOverride: String? = nil) throws(ArsError) -> LaneSettings {
        let catalog = try config().catalog
        let nodeName = nodeOverride ?? context.node ?? catalog.defaultNode
        guard let node = catalog.node(nodeName) else {
            throw ArsError.usage(
                .unknownNode, "unknown node '\(nodeName)'",
                hint: Suggestions.hint(for: nodeName, in: catalog.nodes.map(\.name))
                    ?? "nodes: \(catalog.nodes.map(\.name).joined(separator: ", "))")
        }
        let laneName =
            laneOverride ?? (nodeOverride == nil ? context.lane : nil)
            ?? (node.name == catalog.defaultNode ? catalog.defaultLane : node.lanes.first?.name ?? "")
        guard let lane = node.lane(laneName) else {
            throw ArsError.usage(
                .unknownLane, "node \(node.name) has no lane '\(laneName)'",
                hint: Suggestions.hint(for: laneName, in: node.lanes.map(\.name))
                    ?? "lanes of \(node.name): \(node.lanes.map(\.name).joined(separator: ", "))")
        }
        return lane
    }

    // MARK: Services

    /// The HTTP transport, created on first use and then reused, so one connection serves every
    /// command of a REPL session or script.
    public var http: any HTTPTransport {
        // The factory runs outside the lock (it may read the session); the first one stored wins.
        let (existing, factory) = state.withLock { ($0.httpTransport, $0.makeHTTPTransport) }
        if let existing { return existing }
        let made = factory()
        return state.withLock { state in
            if let stored = state.httpTransport { return stored }
            state.httpTransport = made
            return made
        }
    }

    /// The bridge to a node, created on first use and then reused for the session.
    public func bridge(for node: NodeSettings) -> any RemoteBridge {
        let (existing, factory) = state.withLock { ($0.bridges[node.name], $0.makeBridge) }
        if let existing { return existing }
        let made = factory(node)
        let (bridge, isNew) = state.withLock { state -> (any RemoteBridge, Bool) in
            if let stored = state.bridges[node.name] { return (stored, false) }
            state.bridges[node.name] = made
            return (made, true)
        }
        if isNew { registerKubeconfigSecrets(node) }
        return bridge
    }

    /// The credentials in a kubeconfig ars was told to use on this machine (`token`,
    /// `password`, `client-key-data`) are secrets: kubectl can echo them (a token in a server
    /// URL appears in its connection errors).
    private func registerKubeconfigSecrets(_ node: NodeSettings) {
        guard node.bridge.kind == .local, var path = node.bridge.kubeconfig else { return }
        if path.hasPrefix("~/") { path = Paths.home(environment) + path.dropFirst() }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingSpaces()
            for key in ["token:", "password:", "client-key-data:"] where trimmed.hasPrefix(key) {
                registerSecret(trimmed.dropFirst(key.count).trimming(anyOf: " \"'"))
            }
        }
    }

    // MARK: Messages

    /// Writes a warning to stderr.
    public func warn(_ message: String) {
        io.stderr.write(TerminalSafe.sanitize(redact("warning: \(message)")) + "\n")
    }

    /// Writes a progress line to stderr.
    public func progress(_ message: String) {
        io.stderr.write(TerminalSafe.sanitize(redact(message)) + "\n")
    }
}

// MARK: - Secrets

extension Session {
    /// The marker that replaces a secret wherever it would have been printed.
    public static let redactionMarker = "[REDACTED]"

    /// Registers a value that must never reach stdout, stderr or any file ars writes.
    public func registerSecret(_ value: String) {
        guard value.count >= 4 else { return }  // too short to redact without mangling ordinary text
        _ = state.withLock { $0.secrets.insert(value) }
    }

    /// Replaces every registered secret in `text` with the marker.
    public func redact(_ text: String) -> String {
        let secrets = state.withLock { $0.secretsLongestFirst }
        guard !secrets.isEmpty else { return text }
        // Searched byte-wise first: most text holds no secret, and Foundation's search is costly
        // on every printed line.
        return secrets.reduce(text) { Self.contains($0, $1) ? $0.replacing($1, with: Session.redactionMarker) : $0 }
    }

    /// Whether `text` holds `part`, compared as UTF-8 bytes (exact, as redaction needs).
    static func contains(_ text: String, _ part: String) -> Bool {
        var text = text
        var part = part
        return text.withUTF8 { haystack in
            part.withUTF8 { needle in
                guard let first = needle.first, needle.count <= haystack.count else { return needle.isEmpty }
                var index = 0
                let last = haystack.count - needle.count
                while index <= last {
                    if haystack[index] == first && memcmp(haystack.baseAddress! + index, needle.baseAddress!, needle.count) == 0 {
                        return true
                    }
                    index += 1
                }
                return false
            }
        }
    }
}

// MARK: - Recent ids

extension Session {
    /// Records ids a command just listed or created (`task` → `t-42`), newest first, so Tab can
    /// offer them without a network round trip.
    public func remember(_ ids: [String], kind: String) {
        state.withLock { state in
            var list = state.recentIDs[kind] ?? []
            list.removeAll { ids.contains($0) }
            list.insert(contentsOf: ids, at: 0)
            state.recentIDs[kind] = Array(list.prefix(200))
        }
    }
}

/// The transport of a session that was given none: every request fails clearly.
struct UnavailableTransport: HTTPTransport {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        throw ArsError(.internal, code: .noTransport, "this session has no HTTP transport", hint: "this is a bug in ars's wiring")
    }
}

// MARK: - Node clients

extension NodeClient {
    /// A client over the session's bridge to a node.
    public convenience init(session: Session, node: NodeSettings) {
        self.init(node: node, bridge: session.bridge(for: node))
    }

    /// The session's node for a lane.
    public convenience init(session: Session, lane: LaneSettings) throws(ArsError) {
        guard let node = try session.config().catalog.node(lane.node) else {
            throw ArsError(.internal, code: .unknownNode, "the catalogue lost node \(lane.node)")
        }
        self.init(session: session, node: node)
    }
}
