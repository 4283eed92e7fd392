/// The resources one runner step reads and changes, loaded together and saved together inside
/// the caller's transaction. Every event and log line goes through here, so the session's
/// liveness always follows the stream.
final class TurnState {
    private let db: SandboxDatabase
    var command: AgentCommand
    var task: AgentTask
    var run: Run
    var session: Session

    /// Loads the command and everything it belongs to.
    init(db: SandboxDatabase, commandId: String) throws {
        self.db = db
        command = try db.require(AgentCommand.self, id: commandId)
        task = try db.require(AgentTask.self, id: command.taskId)
        run = try db.require(Run.self, id: command.runId)
        session = try db.require(Session.self, id: command.sessionId)
    }

    /// Writes every resource back.
    func save() throws {
        try db.update(command)
        try db.update(task)
        try db.update(run)
        try db.update(session)
    }

    /// The run's current runner job, if one was created.
    func runnerJob() throws -> RunnerJob? {
        try run.runnerJobId.flatMap { try db.fetch(RunnerJob.self, id: $0) }
    }

    // MARK: - Stream

    /// Appends an event of this command to the run and notes it in the session's liveness
    /// (`lastEventAt` counts every event but heartbeats).
    func emit(_ type: String, at: Timestamp, data: JSONValue = [:]) throws {
        try db.appendEvent(runId: run.id, type: type, at: at, commandId: command.id, data: data)
        if type != "heartbeat" { session.liveness.lastEventAt = at }
    }

    /// Appends a runner log line to the session.
    func log(_ line: String, at: Timestamp, stream: LogStream = .stdout) throws {
        try db.appendLog(sessionId: session.id, at: at, stream: stream, line: line)
    }

    /// Moves the session's liveness to `phase` (keeping `since` when it is already there).
    func enter(_ phase: LivenessPhase, at: Timestamp) {
        guard session.liveness.phase != phase else { return }
        session.liveness.phase = phase
        session.liveness.since = at
    }

    // MARK: - Endings

    /// Ends the command, its run, its task and its runner job with `outcome`, resolves steers
    /// still in flight, stops the runner for this command and emits `terminal:<outcome>`.
    func finish(_ outcome: TurnOutcome, failure: FailureKind? = nil, at: Timestamp) throws {
        command.status = outcome.commandStatus
        command.finishedAt = at
        try db.endProgress(commandId: command.id)
        try resolvePendingSteers(outcome: outcome, at: at)

        run.status = outcome.runStatus
        run.finishedAt = at
        task.status = outcome.taskStatus
        task.finishedAt = at
        task.failureKind = failure
        if var job = try runnerJob(), job.finishedAt == nil {
            job.status = outcome.runnerJobStatus
            job.finishedAt = at
            try db.update(job)
        }
        enter(.terminal, at: at)
        var data: [String: JSONValue] = ["status": .string(outcome.rawValue)]
        if let failure { data["failureKind"] = .string(failure.rawValue) }
        try emit("terminal:\(outcome.rawValue)", at: at, data: .object(data))
    }

    /// Steers into this command that were not yet accepted by the backend can no longer be: they
    /// fail (target finished) or are cancelled with it.
    private func resolvePendingSteers(outcome: TurnOutcome, at: Timestamp) throws {
        for var steer in try db.all(AgentCommand.self, taskId: task.id)
        where steer.kind == .steer && steer.targetCommandId == command.id && steer.status.isActive {
            steer.status = outcome == .cancelled ? .cancelled : .failed
            steer.finishedAt = at
            if outcome != .cancelled {
                steer.result.failureMessage =
                    "target command \(command.id) ended (\(outcome.rawValue)) before the steer was accepted by the backend"
            }
            try db.update(steer)
            try db.endProgress(commandId: steer.id)
        }
    }
}
