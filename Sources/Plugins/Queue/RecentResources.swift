import Commands

extension Session {
    /// Remembers resources the server just returned — and the ids each points at (a task's run,
    /// session, current command and runner job; a run's session and runner job; …) — so Tab
    /// offers the current task's related ids without listing them first.
    func remember(_ items: [Value], kind: ResourceKind) {
        remember(items.compactMap { $0["id"]?.stringValue }, kind: kind.rawValue)
        let related: [(field: String, kind: ResourceKind)] = [
            ("taskId", .task), ("runId", .run), ("sessionId", .session), ("currentCommandId", .command), ("commandId", .command),
            ("runnerJobId", .runnerjob),
        ]
        for (field, relatedKind) in related where relatedKind != kind {
            let ids = items.compactMap { $0[field]?.stringValue }
            if !ids.isEmpty { remember(ids, kind: relatedKind.rawValue) }
        }
    }
}

/// The event types `docs/agentrun-api.md` documents, spelled as real AgentRun traces spell them
/// (offered by Tab for `events --type`; the server may send others, which are shown as they come).
/// `turn/interrupt completed` is left out: a candidate with a space would split the word.
enum EventTypes {
    static let documented = [
        "run:created", "command:created", "runner-job:created", "run-claimed", "runner-image-work-ready-smoke",
        "resource-bundle-materialized", "runner-bundle-work-ready-smoke", "codex-rollout-storage-mounted", "initial-prompt-assembly",
        "thread-resumed", "active-turn-control-ready", "backend-turn-started", "turn/plan/updated", "assistant-message", "tool-call",
        "tool-result", "heartbeat", "steer:accepted", "steer:command-created", "steer:forwarded", "steer:backend-accepted",
        "turn-interrupt-requested", "turn-cancelled", "turn-completed", "thread-resume-failed",
        "provider-invalid-tool-call", "provider-auth-failed", "provider-unavailable", "provider-stream-disconnected", "backend-failed",
        "terminal:succeeded", "terminal:failed", "terminal:cancelled",
    ]
}
