import Commands

/// Runner egress: the lane's egress proxy (cluster objects and a real request through it), and
/// the proxy and credential env of a runner job, each with who owns a failure.
public struct EgressPlugin: CommandPlugin {
    public init() {}

    public let name = "egress"

    public var commands: [any Command] { [EgressCheckCommand(), RunnerEnvCommand()] }
}
