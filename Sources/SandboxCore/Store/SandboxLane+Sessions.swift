/// Session operations: send a new turn, read sessions with their liveness, and their logs.
extension SandboxLane {
    /// Starts a new turn on a session whose task is not running, cancelled or acknowledged. The
    /// task and run re-open (`running`) until the new turn ends.
    func send(sessionId: String, message: String) async throws -> AgentCommand {
        try Validation.message(message, field: "message")
        return try await mutate { now in
            let session = try db.require(Session.self, id: sessionId)
            let task = try db.require(AgentTask.self, id: session.taskId)
            if task.status == .cancelled {
                throw APIError.conflict(
                    status: task.status.rawValue, action: "send", "task \(task.id) was cancelled; its session takes no new turn")
            }
            if let current = try task.currentCommandId.flatMap({ try db.fetch(AgentCommand.self, id: $0) }), current.status.isActive {
                throw APIError.conflict(
                    status: task.status.rawValue, action: "send",
                    "turn \(current.id) is still \(current.status.rawValue) on session \(sessionId); steer it or wait until it ends")
            }
            if let ack = task.ack {
                throw APIError.conflict(
                    status: task.status.rawValue, action: "send",
                    "task \(task.id) was acknowledged by \(ack.by); create a new task for further work")
            }
            let commandId = try db.nextID(prefix: "c")
            try db.insert(
                AgentCommand(
                    id: commandId, taskId: task.id, runId: session.runId, sessionId: sessionId, kind: .send, status: .queued,
                    message: message, createdAt: now, finishedAt: nil, result: .empty, steerDelivery: nil, targetCommandId: nil))
            let state = try TurnState(db: db, commandId: commandId)
            state.task.status = .running
            state.task.finishedAt = nil
            state.task.failureKind = nil
            state.task.currentCommandId = commandId
            state.run.status = .running
            state.run.finishedAt = nil
            state.run.commandIds.append(commandId)
            state.enter(.waitingRunner, at: now)
            try state.emit("command:created", at: now, data: ["kind": "send"])
            try state.log("[manager] command \(commandId) (send) queued on session \(sessionId)", at: now)
            try state.save()
            try db.startProgress(commandId: commandId, at: now)
            return state.command
        }
    }

    // MARK: - Reads

    /// One page of sessions, newest first, with their current liveness.
    func sessions(filter: ListFilter, page: PageRequest) async throws -> Page<Session> {
        try await read { now in
            var result = try db.list(Session.self, filter: filter, page: page)
            result.items = try result.items.map { try withCurrentLiveness($0, now: now) }
            return result
        }
    }

    /// One session with its current liveness.
    func session(id: String) async throws -> Session {
        try await read { now in try withCurrentLiveness(try db.require(Session.self, id: id), now: now) }
    }

    /// Log lines of a session after `afterSeq`; `terminal` once its run has ended and every line
    /// has been returned.
    func logs(sessionId: String, afterSeq: Int64, limit: Int) async throws -> SeqPage<LogLine> {
        try await read { _ in
            let session = try db.require(Session.self, id: sessionId)
            let run = try db.require(Run.self, id: session.runId)
            let items = try db.logs(sessionId: sessionId, afterSeq: afterSeq, limit: limit)
            let next = items.last?.seq ?? afterSeq
            let last = try db.lastSeq(of: .logs, id: sessionId)
            return SeqPage(items: items, nextAfterSeq: next, terminal: run.status.isTerminal && next >= last)
        }
    }

    // MARK: - Liveness

    /// The session as it reads now: a runner that has not heartbeaten for three intervals while a
    /// turn is active reads `runner-heartbeat-stale` from the moment it became stale.
    func withCurrentLiveness(_ session: Session, now: Timestamp) throws -> Session {
        var session = session
        session.liveness = try currentLiveness(of: session, now: now)
        return session
    }

    /// The liveness of `session` at `now` (see `withCurrentLiveness`).
    func currentLiveness(of session: Session, now: Timestamp) throws -> Liveness {
        let stored = session.liveness
        guard stored.phase != .terminal, stored.phase != .waitingRunner, let lastBeat = stored.lastHeartbeatAt,
            let commandId = try db.fetch(AgentTask.self, id: session.taskId)?.currentCommandId,
            let command = try db.fetch(AgentCommand.self, id: commandId)
        else { return stored }
        let staleAt = lastBeat.adding(
            milliseconds: TurnScript.staleAfter(turnMilliseconds: Directives(stored: command.message).turnMilliseconds))
        guard now > staleAt else { return stored }
        return Liveness(phase: .runnerHeartbeatStale, since: staleAt, lastEventAt: stored.lastEventAt, lastHeartbeatAt: lastBeat)
    }
}
