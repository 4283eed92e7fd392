import CommandModel
import FoundationEssentials

/// Where on a node a remote command runs.
public enum RemoteTarget: Sendable, Equatable, Hashable {
    /// The node's cluster: `kubectl ARGUMENTS…` (`trans NODE:k3s kubectl …`).
    case cluster
    /// A folder on the node: a POSIX shell script run there (`trans NODE:/path script -- '…'`).
    case directory(String)
}

/// One command for a node, as plugins describe it; a `RemoteBridge` carries it there.
public struct RemoteCommand: Sendable, Equatable, Hashable {
    public var target: RemoteTarget
    /// For `.cluster`: the words after `kubectl`. For `.directory`: one element, the script.
    public var arguments: [String]
    /// Bytes for the remote command's standard input (`kubectl create -f -`).
    public var stdin: Data?
    /// Seconds allowed before the command is stopped (nil: the bridge's default).
    public var timeout: Double?

    public init(target: RemoteTarget, arguments: [String], stdin: Data? = nil, timeout: Double? = nil) {
        self.target = target
        self.arguments = arguments
        self.stdin = stdin
        self.timeout = timeout
    }

    /// `kubectl ARGUMENTS…` against the node's cluster.
    public static func kubectl(_ arguments: [String], stdin: Data? = nil, timeout: Double? = nil) -> RemoteCommand {
        RemoteCommand(target: .cluster, arguments: arguments, stdin: stdin, timeout: timeout)
    }

    /// A shell script run in `directory` on the node.
    public static func script(_ text: String, in directory: String, timeout: Double? = nil) -> RemoteCommand {
        RemoteCommand(target: .directory(directory), arguments: [text], timeout: timeout)
    }

    /// How a person would type it through the UniDesk bridge, for messages and `--full`:
    /// `trans G14:k3s kubectl get pods -n agentrun-v01`.
    public func display(node: String) -> String {
        switch target {
        case .cluster: "trans " + ShellQuote.quote("\(node):k3s") + " kubectl " + ShellQuote.join(arguments)
        case .directory(let path): "trans " + ShellQuote.quote("\(node):\(path)") + " script -- " + ShellQuote.quote(arguments.first ?? "")
        }
    }
}

/// What came back: the remote command's own stdout, stderr and exit status, kept apart. A
/// non-zero exit is a result the command interprets, not an error.
public struct RemoteResult: Sendable, Equatable {
    public var stdout: Data
    public var stderr: Data
    public var exitStatus: Int32
    /// Wall time of the whole exchange, in seconds.
    public var duration: Double

    public init(stdout: Data = Data(), stderr: Data = Data(), exitStatus: Int32 = 0, duration: Double = 0) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitStatus = exitStatus
        self.duration = duration
    }

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    public var succeeded: Bool { exitStatus == 0 }
}

/// Runs commands on a node: the one seam all node traffic (kubectl, git, scripts) goes through,
/// so it can be recorded, replayed or served by a fake at the edge.
///
/// Adapters: `trans` (the UniDesk bridge), `ssh` (host, user, port and identity from the
/// catalogue) and `local` (this machine; the sandbox lane uses it with a generated kubeconfig).
///
/// When the bridge itself cannot run the command (the `trans` or `ssh` executable is missing,
/// the connection fails, the timeout expires) it throws `ArsError` of kind `.remote` with code
/// `bridge-unavailable`, `bridge-failed` or `bridge-timeout`. Cancellation (Ctrl-C) stops the
/// child process and throws `CancellationError`.
public protocol RemoteBridge: Sendable {
    /// How the bridge is named in messages and `--raw`: `trans G14`, `ssh root@g14:22`, `local`.
    var name: String { get }
    func run(_ command: RemoteCommand) async throws -> RemoteResult
    /// The command as a person would type it to do the same by hand through this bridge, for
    /// `--full`, errors and drill-downs. Default: the UniDesk route syntax.
    func commandLine(for command: RemoteCommand, node: String) -> String
}

extension RemoteBridge {
    public func commandLine(for command: RemoteCommand, node: String) -> String { command.display(node: node) }
}

/// The bridge of a session that was given none: every command fails clearly.
public struct UnavailableBridge: RemoteBridge {
    public init() {}
    public let name = "none"
    public func run(_ command: RemoteCommand) async throws -> RemoteResult {
        throw ArsError(.internal, code: .noBridge, "this session has no node bridge", hint: "this is a bug in ars's wiring")
    }
}

/// POSIX shell quoting: what a remote `sh` reads back as exactly the original words.
public enum ShellQuote {
    /// One word, quoted only when it needs to be: `get`, `'a b'`, `'it'\''s'`, `''`.
    public static func quote(_ word: String) -> String {
        if !word.isEmpty, word.unicodeScalars.allSatisfy(isPlain) { return word }
        // Scalar by scalar, not by Character: a quote followed by a combining mark (`'\u{308}`) is
        // one Character that is not equal to "'", yet the shell still reads its quote byte.
        var quoted = String.UnicodeScalarView()
        quoted.append("'")
        for scalar in word.unicodeScalars {
            if scalar == "'" { quoted.append(contentsOf: #"'\''"#.unicodeScalars) } else { quoted.append(scalar) }
        }
        quoted.append("'")
        return String(quoted)
    }

    /// Words joined with spaces, each quoted.
    public static func join(_ words: [String]) -> String {
        words.map(quote).joined(separator: " ")
    }

    private static func isPlain(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", "/", ":", ",", "=", "@", "+", "%": true
        default: false
        }
    }
}
