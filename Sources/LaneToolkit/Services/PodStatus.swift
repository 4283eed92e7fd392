import CommandModel

/// A Pod's health as `kubectl get pod -o json` shows it: what the control plane and the egress
/// check both read (phase, readiness, restarts, and why containers wait or ended abnormally).
public struct PodStatus: Sendable {
    public let name: String
    public let phase: String
    /// The `Ready` condition is `True`.
    public let ready: Bool
    public let restarts: Int
    /// `ImagePullBackOff`, `CrashLoopBackOff`, … from containers that wait.
    public let waitingReasons: [String]
    /// `ContainerStatusUnknown`, `Error`, … from containers that terminated abnormally.
    public let terminatedReasons: [String]

    public init(_ pod: Value) {
        name = pod.lookup("metadata.name")?.stringValue ?? "?"
        phase = pod.lookup("status.phase")?.stringValue ?? "Unknown"
        ready = (pod.lookup("status.conditions")?.arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
        let statuses =
            (pod.lookup("status.initContainerStatuses")?.arrayValue ?? []) + (pod.lookup("status.containerStatuses")?.arrayValue ?? [])
        restarts = statuses.compactMap { $0["restartCount"]?.intValue }.reduce(0, +)
        waitingReasons = statuses.compactMap { $0.lookup("state.waiting.reason")?.stringValue }
        terminatedReasons = statuses.compactMap { status in
            guard let reason = status.lookup("state.terminated.reason")?.stringValue, reason != "Completed" else { return nil }
            return reason
        }
    }

    /// Every reason, waiting first.
    public var reasons: [String] { waitingReasons + terminatedReasons }
}
