/// One thing the simulated runner does at a moment of a command's script.
enum ScriptAction: Sendable, Equatable {
    /// `runner-job:created`: the manager creates the command's Job and Secret.
    case createRunnerJob
    /// `run-claimed`: the runner pod starts and claims the run; heartbeats begin.
    case claimRun
    /// A start-up milestone event with no state change of its own (smoke checks, mounts, …).
    case milestone(String)
    /// `resource-bundle-materialized`: the bundles are fetched (through the mirror).
    case materializeBundles
    /// `backend-turn-started`: Codex starts the turn; the model is working.
    case startBackendTurn
    /// `turn/plan/updated` with `done` steps completed; the model is working.
    case updatePlan(done: Int)
    /// A non-final `assistant-message`.
    case commentary
    /// `tool-call` number 1 or 2; the turn waits for the tool.
    case toolCall(Int)
    /// `tool-result` number 1 or 2; the turn is idle after the tool.
    case toolResult(Int)
    /// `heartbeat` from the runner.
    case heartbeat
    /// The final `assistant-message`: the command's `finalResponse`.
    case finalMessage
    /// `turn-completed` and `terminal:succeeded`.
    case completeTurn
    /// The failure event named by its kind, then `terminal:failed`.
    case fail(FailureKind)
    /// `steer:forwarded`: the steer reached the app-server.
    case forwardSteer
    /// `steer:backend-accepted`: the backend took the steer into the running turn.
    case acceptSteer
}

/// A scheduled action, `offset` sandbox milliseconds after the command started.
struct ScriptStep: Sendable, Equatable {
    let offset: Int64
    let action: ScriptAction
}

/// The script of one command: a pure function of the command and its directives, so the runner
/// only stores how many steps it has applied and resumes exactly after a restart.
enum TurnScript {
    /// Sandbox milliseconds from a steer's creation to its forward and to backend acceptance.
    static let steerForwardDelay: Int64 = 200
    static let steerAcceptDelay: Int64 = 400

    /// The steps of `command` in time order.
    static func steps(for command: AgentCommand) -> [ScriptStep] {
        switch command.kind {
        case .steer:
            return [
                ScriptStep(offset: steerForwardDelay, action: .forwardSteer), ScriptStep(offset: steerAcceptDelay, action: .acceptSteer),
            ]
        case .turn, .send:
            return turnSteps(kind: command.kind, directives: Directives(stored: command.message))
        }
    }

    /// The runner's heartbeat interval for a turn of this length: an eighth of it, 1–30 s.
    static func heartbeatInterval(turnMilliseconds: Int64) -> Int64 {
        min(max(turnMilliseconds / 8, 1_000), 30_000)
    }

    /// How long without a heartbeat before liveness reads `runner-heartbeat-stale`.
    static func staleAfter(turnMilliseconds: Int64) -> Int64 {
        3 * heartbeatInterval(turnMilliseconds: turnMilliseconds)
    }

    // MARK: - Turns

    /// The turn's plan in per-mille of its duration; a failure replaces everything from its
    /// point on, a heartbeat stall ends the script after the first tool result.
    private static func turnSteps(kind: CommandKind, directives: Directives) -> [ScriptStep] {
        var plan: [(permille: Int64, action: ScriptAction)] = [
            (50, .createRunnerJob),
            (100, .claimRun),
            (120, .milestone("runner-image-work-ready-smoke")),
            (160, .materializeBundles),
            (180, .milestone("runner-bundle-work-ready-smoke")),
            (200, .milestone("codex-rollout-storage-mounted")),
            (220, .milestone(kind == .turn ? "initial-prompt-assembly" : "thread-resumed")),
            (240, .milestone("active-turn-control-ready")),
            (260, .startBackendTurn),
            (320, .updatePlan(done: 0)),
            (400, .commentary),
            (450, .toolCall(1)),
            (550, .toolResult(1)),
            (600, .updatePlan(done: 1)),
            (650, .toolCall(2)),
            (800, .toolResult(2)),
            (850, .updatePlan(done: 2)),
            (950, .finalMessage),
            (1000, .completeTurn),
        ]
        if let failure = directives.failure {
            let point = failurePoint(failure)
            plan = plan.filter { $0.permille < point } + [(point, .fail(failure))]
        }
        if directives.heartbeatStall {
            plan = plan.filter { $0.permille <= 550 }
        }

        let duration = directives.turnMilliseconds
        let interval = heartbeatInterval(turnMilliseconds: duration)
        var steps = plan.map { ScriptStep(offset: $0.permille * duration / 1000, action: $0.action) }
        if let claimed = steps.first(where: { $0.action == .claimRun }), let last = steps.last {
            var beat = claimed.offset
            while beat < last.offset {
                steps.append(ScriptStep(offset: beat, action: .heartbeat))
                beat += interval
            }
        }
        // Stable: at equal offsets a heartbeat comes after the scripted action.
        return steps.enumerated().sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element)
    }

    /// Where in the turn (per-mille) a failure strikes.
    private static func failurePoint(_ kind: FailureKind) -> Int64 {
        switch kind {
        case .threadResumeFailed: 220
        case .providerAuthFailed, .providerUnavailable: 320
        case .providerInvalidToolCall: 450
        case .providerStreamDisconnected, .backendFailed: 600
        }
    }
}
