/// A queue task: one prompt for one aipod, with its lifecycle and pointers to its current run.
struct AgentTask: Codable, Sendable, Equatable {
    var id: String
    @Nullable var name: String? = nil
    var aipod: String
    var prompt: String
    var labels: [String: String]
    /// The runner request given at creation (bundles, transient env names), if any.
    @Nullable var runner: RunnerSpec? = nil
    var status: TaskStatus
    var createdAt: Timestamp
    @Nullable var dispatchedAt: Timestamp? = nil
    @Nullable var startedAt: Timestamp? = nil
    @Nullable var finishedAt: Timestamp? = nil
    @Nullable var ack: Acknowledgement? = nil
    @Nullable var runId: String? = nil
    @Nullable var sessionId: String? = nil
    @Nullable var runnerJobId: String? = nil
    @Nullable var currentCommandId: String? = nil
    @Nullable var failureKind: FailureKind? = nil
}

/// Who acknowledged a terminal task, and when.
struct Acknowledgement: Codable, Sendable, Equatable {
    var by: String
    var at: Timestamp
}

/// One run of a task: from dispatch to its terminal state.
struct Run: Codable, Sendable, Equatable {
    var id: String
    var taskId: String
    var sessionId: String
    var status: RunStatus
    @Nullable var runnerJobId: String? = nil
    var commandIds: [String]
    var startedAt: Timestamp
    @Nullable var finishedAt: Timestamp? = nil
}

/// The Codex session of a run: its thread and where the active turn is.
struct Session: Codable, Sendable, Equatable {
    var id: String
    var taskId: String
    var runId: String
    var threadId: String
    var createdAt: Timestamp
    var liveness: Liveness
}

/// A session's liveness as stored; `SessionView` applies the heartbeat-staleness rule on read.
struct Liveness: Codable, Sendable, Equatable {
    var phase: LivenessPhase
    var since: Timestamp
    @Nullable var lastEventAt: Timestamp? = nil
    @Nullable var lastHeartbeatAt: Timestamp? = nil
}
