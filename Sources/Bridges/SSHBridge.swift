import Commands
import FoundationEssentials

/// Reaches a node over OpenSSH, non-interactively:
///
/// ```
/// ssh -T -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=10 -o LogLevel=ERROR [-p PORT]
///     [-i IDENTITY -o IdentitiesOnly=yes] [-o UserKnownHostsFile=FILE] [USER@]HOST -- LINE
/// ```
///
/// LINE is one POSIX shell line for the node's login shell (which must be a POSIX shell: sh,
/// bash, dash, zsh): `kubectl [--kubeconfig FILE] WORD…` with every word quoted by
/// `ShellQuote`, or `Bridges.directoryLine` for a folder — so any string (spaces, quotes, `$()`,
/// backticks, newlines, non-ASCII) reaches the remote command unchanged.
///
/// BatchMode means no password or passphrase prompt; StrictHostKeyChecking=yes means no host key
/// is ever accepted or added, whatever the user's ssh config says: an unknown host key fails. Exit status 255 with ssh's own error text (connection refused, host key or
/// authentication failure, …) throws `bridge-failed`; any other status, including a remote 255
/// without such text, is the remote command's result.
public struct SSHBridge: RemoteBridge {
    public let name: String
    private let process: BridgeProcess
    private let settings: BridgeSettings
    private let destination: String
    /// Seconds ssh may take to connect.
    public static let connectTimeout = 10

    public init(node: NodeSettings, environment: [String: String], terminationGrace: Double = Bridges.defaultTerminationGrace) {
        settings = node.bridge
        let host = node.bridge.host ?? node.name
        destination = node.bridge.user.map { "\($0)@\(host)" } ?? host
        name = "ssh \(destination):\(node.bridge.port ?? 22)"
        process = BridgeProcess(node: node, bridgeName: name, environment: environment, terminationGrace: terminationGrace)
    }

    /// The shell line the node's login shell runs for a command.
    public func remoteLine(for command: RemoteCommand) -> String {
        switch command.target {
        case .cluster:
            ShellQuote.join(["kubectl"] + (settings.kubeconfig.map { ["--kubeconfig", $0] } ?? []) + command.arguments)
        case .directory(let path):
            Bridges.directoryLine(path, script: command.arguments.first ?? "")
        }
    }

    /// `ssh root@g14 'kubectl get pods'`, as typed by hand.
    public func commandLine(for command: RemoteCommand, node: String) -> String {
        "ssh \(destination) " + ShellQuote.quote(remoteLine(for: command))
    }

    /// The child's `argv` for a command (`argv[0]` before it is looked up on `PATH`).
    public func arguments(for command: RemoteCommand) -> [String] {
        var arguments = [
            settings.command, "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=\(Self.connectTimeout)",
            "-o", "LogLevel=ERROR",
        ]
        if let port = settings.port { arguments += ["-p", String(port)] }
        if let identity = settings.identityFile {
            arguments += ["-i", process.expandingTilde(identity), "-o", "IdentitiesOnly=yes"]
        }
        if let knownHosts = settings.knownHostsFile {
            arguments += ["-o", "UserKnownHostsFile=" + Self.configValue(process.expandingTilde(knownHosts))]
        }
        return arguments + [destination, "--", remoteLine(for: command)]
    }

    public func run(_ command: RemoteCommand) async throws -> RemoteResult {
        let result = try await process.run(
            arguments(for: command), for: command, describing: NodeExchangeText.describe(command),
            install:
                "install the OpenSSH client (apt-get install openssh-client), or set nodes.\(process.node).bridge.command to the ssh to use"
        )
        if result.exitStatus == 255, let failure = Self.sshFailure(result.stderrText) {
            throw ArsError(
                .remote, code: .bridgeFailed,
                "ssh to node \(process.node) (\(destination), port \(settings.port ?? 22)) failed: \(failure)",
                hint:
                    "check nodes.\(process.node).bridge host, user, port, identityFile and knownHostsFile in the catalogue; try 'ssh \(settings.port.map { "-p \($0) " } ?? "")\(destination) true' by hand"
            )
        }
        return result
    }

    /// ssh's own error line in stderr, when the output is ssh failing rather than the remote
    /// command (which can exit 255 too).
    static func sshFailure(_ stderr: String) -> String? {
        let markers = [
            "ssh: ", "Permission denied (", "Host key verification failed", "kex_exchange_identification",
            "Connection closed by", "Connection reset by", "Connection refused", "Connection timed out",
            "banner exchange", "No route to host", "Could not resolve hostname", "Bad owner or permissions",
            "Too many authentication failures", "Received disconnect from", "closed by remote host",
            "Bad configuration option", "command-line line", "Unable to negotiate", "No host key is known",
            "REMOTE HOST IDENTIFICATION HAS CHANGED", "client_loop:", "Broken pipe",
        ]
        let lines = stderr.split(whereSeparator: \.isNewline).map(String.init)
        return lines.last { line in markers.contains { line.contains($0) } }
    }

    /// An ssh `-o` value, double-quoted when it holds white space (ssh splits values on it).
    private static func configValue(_ value: String) -> String {
        value.contains(where: \.isWhitespace) ? "\"\(value)\"" : value
    }
}
