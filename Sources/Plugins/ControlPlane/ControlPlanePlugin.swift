import Commands

/// The lane's CI/CD through the node bridge: status, trigger-current, refresh and the two
/// cleanups; for YAML-only lanes also plan, apply, secret-sync, restart and expose. Every write
/// passes `WriteGate` (`--dry-run`, `--confirm`, `--plan`).
public struct ControlPlanePlugin: CommandPlugin {
    public init() {}

    public let name = "control-plane"

    public var commands: [any Command] {
        [
            StatusCommand(), TriggerCurrentCommand(), RefreshCommand(), CleanupRunsCommand(), CleanupReleasedVolumesCommand(),
            KubectlCommand(), PlanCommand(), ApplyCommand(), SecretSyncCommand(), RestartCommand(), ExposeCommand(),
        ]
    }
}
