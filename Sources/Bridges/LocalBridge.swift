import Commands
import FoundationEssentials

/// Runs a node's commands on this machine (the sandbox lane, a kind/k3d cluster on a laptop).
///
/// - `.cluster`: `KUBECTL [--kubeconfig FILE] ARGUMENTS…`, where KUBECTL is `bridge.command`
///   (default `kubectl`; a bare name is looked up on the session's `PATH`, a path is used as is)
///   and FILE is `bridge.kubeconfig` when set (`~` allowed). Without it kubectl uses its own
///   default (`$KUBECONFIG`, `~/.kube/config`).
/// - `.directory(path)`: `/bin/sh -c` with `Bridges.directoryLine` — the same line the ssh
///   bridge sends — so a missing folder is exit status 1 with the shell's `cd` message.
public struct LocalBridge: RemoteBridge {
    public let name = "local"
    private let process: BridgeProcess
    private let kubectl: String
    private let kubeconfig: String?

    public init(node: NodeSettings, environment: [String: String], terminationGrace: Double = Bridges.defaultTerminationGrace) {
        process = BridgeProcess(node: node, bridgeName: "local", environment: environment, terminationGrace: terminationGrace)
        kubectl = node.bridge.command
        kubeconfig = node.bridge.kubeconfig.map(process.expandingTilde)
    }

    /// The child's `argv` for a command (`argv[0]` before it is looked up on `PATH`).
    public func arguments(for command: RemoteCommand) -> [String] {
        switch command.target {
        case .cluster:
            [kubectl] + (kubeconfig.map { ["--kubeconfig", $0] } ?? []) + command.arguments
        case .directory(let path):
            ["/bin/sh", "-c", Bridges.directoryLine(path, script: command.arguments.first ?? "")]
        }
    }

    /// `kubectl get pods -n x` and `cd /path && SCRIPT`, as typed on this machine.
    public func commandLine(for command: RemoteCommand, node: String) -> String {
        switch command.target {
        case .cluster: ShellQuote.join(["kubectl"] + command.arguments)
        case .directory(let path): "cd \(ShellQuote.quote(path)) && \(command.arguments.first ?? "")"
        }
    }

    public func run(_ command: RemoteCommand) async throws -> RemoteResult {
        try await process.run(
            arguments(for: command), for: command, describing: NodeExchangeText.describe(command),
            install: command.target == .cluster
                ? "install kubectl, or set nodes.\(process.node).bridge.command to the kubectl to use"
                : "this machine needs a POSIX /bin/sh")
    }
}
