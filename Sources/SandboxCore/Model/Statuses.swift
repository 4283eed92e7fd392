/// A task's lifecycle: `created → dispatched → running → succeeded | failed | cancelled`.
enum TaskStatus: String, Codable, Sendable, CaseIterable {
    case created, dispatched, running, succeeded, failed, cancelled

    /// Whether the task has finished (for now: a `send` re-opens a finished task).
    var isTerminal: Bool { self == .succeeded || self == .failed || self == .cancelled }
}

/// A run's state; a run exists from dispatch on.
enum RunStatus: String, Codable, Sendable, CaseIterable {
    case running, succeeded, failed, cancelled

    var isTerminal: Bool { self != .running }
}

/// What a command is: the task's first prompt, a steer into a running turn, or a new turn.
enum CommandKind: String, Codable, Sendable, CaseIterable {
    case turn, steer, send
}

/// A command's state.
enum CommandStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, succeeded, failed, cancelled

    /// Queued or running.
    var isActive: Bool { self == .queued || self == .running }
}

/// A runner job's state (one Kubernetes Job per turn or send command).
enum RunnerJobStatus: String, Codable, Sendable, CaseIterable {
    case pending, running, succeeded, failed, cancelled
}

/// Where a session's active turn is, as AgentRun reports it.
enum LivenessPhase: String, Codable, Sendable, CaseIterable {
    case waitingRunner = "waiting-runner"
    case waitingModel = "waiting-model"
    case waitingTool = "waiting-tool"
    case idleAfterTool = "idle-after-tool"
    case transportDisconnected = "transport-disconnected"
    case runnerHeartbeatStale = "runner-heartbeat-stale"
    case terminal
}

/// How a turn ended. The command, its run, its task and its runner job all end the same way.
enum TurnOutcome: String, Sendable {
    case succeeded, failed, cancelled

    var commandStatus: CommandStatus {
        switch self {
        case .succeeded: .succeeded
        case .failed: .failed
        case .cancelled: .cancelled
        }
    }

    var runStatus: RunStatus {
        switch self {
        case .succeeded: .succeeded
        case .failed: .failed
        case .cancelled: .cancelled
        }
    }

    var taskStatus: TaskStatus {
        switch self {
        case .succeeded: .succeeded
        case .failed: .failed
        case .cancelled: .cancelled
        }
    }

    var runnerJobStatus: RunnerJobStatus {
        switch self {
        case .succeeded: .succeeded
        case .failed: .failed
        case .cancelled: .cancelled
        }
    }
}
