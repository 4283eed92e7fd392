import Commands
import FoundationEssentials

/// Reaches a node through the UniDesk bridge, in its own syntax (what the runbooks show):
///
/// - `.cluster`: `trans NODE:k3s kubectl WORD…`
/// - `.directory(path)`: `trans NODE:/path script -- SCRIPT`
///
/// `trans` is `bridge.command` (default `trans`, looked up on the session's `PATH`).
///
/// Assumption (see docs/architecture.md, "Node bridges"): trans joins the words after
/// `kubectl` with spaces and hands them to a shell on the node, as ssh does. So each kubectl
/// word is quoted with `ShellQuote` — plain words (`get`, `pods`, `-n`, `agentrun-v01`) stay
/// bare, so the command reads exactly like the runbook's — and reaches kubectl unchanged. The
/// script is one argument that trans runs as a script in the folder, so it is passed as is.
/// trans's exit status is taken as the remote command's.
public struct TransBridge: RemoteBridge {
    public let name: String
    private let process: BridgeProcess
    private let node: String
    private let command: String

    public init(node: NodeSettings, environment: [String: String], terminationGrace: Double = Bridges.defaultTerminationGrace) {
        name = "trans \(node.name)"
        process = BridgeProcess(node: node, bridgeName: name, environment: environment, terminationGrace: terminationGrace)
        self.node = node.name
        command = node.bridge.command
    }

    /// The child's `argv` for a command (`argv[0]` before it is looked up on `PATH`).
    public func arguments(for remote: RemoteCommand) -> [String] {
        switch remote.target {
        case .cluster:
            [command, "\(node):k3s", "kubectl"] + remote.arguments.map(ShellQuote.quote)
        case .directory(let path):
            [command, "\(node):\(path)", "script", "--", remote.arguments.first ?? ""]
        }
    }

    public func run(_ remote: RemoteCommand) async throws -> RemoteResult {
        try await process.run(
            arguments(for: remote), for: remote, describing: NodeExchangeText.describe(remote),
            install:
                "install the UniDesk bridge 'trans' on PATH, set nodes.\(node).bridge.command to its path, or reach the node with kind: ssh"
        )
    }
}
