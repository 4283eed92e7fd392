import Commands
import FoundationEssentials
import Glibc

/// The real node bridges behind `RemoteBridge`: `local` (this machine), `ssh` and `trans` (the
/// UniDesk bridge). Each runs one child process per command through `ChildProcess`: stdout and
/// stderr drained together and kept apart, stdin from the command or `/dev/null` (never the
/// terminal), a timeout (SIGTERM, then SIGKILL) and Ctrl-C stopping the child at once.
public enum Bridges {
    /// Seconds a command may run when neither it nor the catalogue (`bridge.timeout`) says.
    public static let defaultTimeout: Double = 120
    /// Seconds between SIGTERM and SIGKILL when a command is stopped.
    public static let defaultTerminationGrace: Double = 2

    /// The bridge the catalogue describes for a node. `environment` is the session's: it gives
    /// `PATH` (where `trans`, `ssh` and `kubectl` are looked up), `HOME` (for `~` in paths) and
    /// the children's whole environment.
    public static func make(for node: NodeSettings, environment: [String: String]) -> any RemoteBridge {
        switch node.bridge.kind {
        case .local: LocalBridge(node: node, environment: environment)
        case .ssh: SSHBridge(node: node, environment: environment)
        case .trans: TransBridge(node: node, environment: environment)
        }
    }

    /// The `.directory` script as one POSIX shell line: enter the folder (a missing one ends
    /// with status 1 and the shell's own `cd` message), then run the script with `/bin/sh`.
    /// The `local` and `ssh` bridges run exactly this.
    public static func directoryLine(_ path: String, script: String) -> String {
        "cd -- \(ShellQuote.quote(path)) || exit 1; exec /bin/sh -c \(ShellQuote.quote(script))"
    }
}

// MARK: - Running one child for a bridge

/// What every bridge shares: where it looks for executables, the child's environment, timeouts
/// and how failures read.
struct BridgeProcess: Sendable {
    /// The node's name, for messages.
    var node: String
    /// The bridge's name (`ssh root@g14:22`), for messages.
    var bridgeName: String
    var environment: [String: String]
    var defaultTimeout: Double
    var terminationGrace: Double

    init(node: NodeSettings, bridgeName: String, environment: [String: String], terminationGrace: Double) {
        self.node = node.name
        self.bridgeName = bridgeName
        self.environment = environment
        self.defaultTimeout = node.bridge.timeout.flatMap { $0 > 0 ? Double($0) : nil } ?? Bridges.defaultTimeout
        self.terminationGrace = terminationGrace
    }

    /// `~/…` with the session's `HOME`.
    func expandingTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return Paths.home(environment) + path.dropFirst()
    }

    /// An executable by name on the session's `PATH`, or an absolute path (`~` allowed); nil
    /// when there is no such executable file. Never relative to the working folder: a relative
    /// path, and relative `PATH` entries (`.`, an empty entry), are not searched.
    func locate(_ command: String) -> String? {
        let fileManager = FileManager.default
        func executable(_ path: String) -> Bool {
            var isDirectory = false
            return fileManager.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory
                && fileManager.isExecutableFile(atPath: path)
        }
        if command.contains("/") || command.hasPrefix("~") {
            let path = expandingTilde(command)
            return path.hasPrefix("/") && executable(path) ? path : nil
        }
        let search = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in search.split(separator: ":", omittingEmptySubsequences: true) where directory.hasPrefix("/") {
            let candidate = "\(directory)/\(command)"
            if executable(candidate) { return candidate }
        }
        return nil
    }

    /// Runs `arguments` (`arguments[0]` is looked up with `locate`) and returns its result, or
    /// throws `bridge-unavailable`, `bridge-timeout` or `CancellationError`.
    func run(
        _ arguments: [String], for command: RemoteCommand, describing what: String, install: String
    ) async throws -> RemoteResult {
        let program = arguments[0]
        guard let executable = locate(program) else {
            throw unavailable(
                program,
                reason: !program.contains("/")
                    ? "is not on PATH"
                    : expandingTilde(program).hasPrefix("/")
                        ? "does not exist or is not executable" : "is a relative path, which ars never runs (give an absolute path)",
                install: install)
        }
        let timeout = command.timeout.flatMap { $0 > 0 ? $0 : nil } ?? defaultTimeout
        let spec = ChildSpec(
            executable: executable, arguments: arguments, environment: environment, stdin: command.stdin,
            timeout: timeout, terminationGrace: terminationGrace)
        let outcome: ChildOutcome
        do {
            outcome = try await ChildProcess.run(spec)
        } catch let failure as SpawnFailure {
            if failure.code == ENOENT || failure.code == EACCES || failure.code == ENOEXEC {
                throw unavailable(executable, reason: "cannot be started (\(failure.description))", install: install)
            }
            throw ArsError(
                .remote, code: .bridgeFailed, "cannot run \(executable) for node \(node): \(failure.description)",
                hint: "this machine could not start the bridge's process; check its limits (processes, open files) and try again")
        }
        switch outcome {
        case .exited(let status, let stdout, let stderr, let duration):
            return RemoteResult(stdout: stdout, stderr: stderr, exitStatus: status, duration: duration)
        case .cancelled:
            throw CancellationError()
        case .timedOut(_, let stderr):
            let tail = NodeExchangeText.lastLine(stderr)
            throw ArsError(
                .remote, code: .bridgeTimeout,
                "\(what) on node \(node) did not finish within \(Self.seconds(timeout)) s through \(bridgeName); it was stopped"
                    + (tail.map { " (last stderr: \($0))" } ?? ""),
                hint:
                    "check that the node answers; a slow command can be given more time with nodes.\(node).bridge.timeout in the catalogue")
        }
    }

    func unavailable(_ program: String, reason: String, install: String) -> ArsError {
        ArsError(
            .remote, code: .bridgeUnavailable, "\(program) \(reason), so node \(node) cannot be reached (\(bridgeName))",
            hint: install)
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : value.fixed(1)
    }
}

/// Short descriptions of commands and outputs for messages.
enum NodeExchangeText {
    /// `kubectl get pods -n x` or `script in /root/agentrun-v01`, shortened for one line.
    static func describe(_ command: RemoteCommand) -> String {
        let text: String
        switch command.target {
        case .cluster: text = "kubectl " + ShellQuote.join(command.arguments)
        case .directory(let path): text = "script in \(path)"
        }
        let line = text.replacing("\n", with: " ")
        return line.count > 120 ? String(line.prefix(117)) + "…" : line
    }

    /// The last non-empty line of some output, if any.
    static func lastLine(_ data: Data) -> String? {
        String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).last.map { String($0.prefix(200)) }
    }
}
