/// Task operations: create, apply, dispatch, cancel, ack and steer.
extension SandboxLane {
    /// How long an `Idempotency-Key` is remembered, in sandbox milliseconds.
    static let idempotencyWindow: Int64 = 24 * 60 * 60 * 1000

    // MARK: - Create and apply

    /// Creates a task; with an idempotency key, a repeat of the same body returns the task it
    /// created (`created == false`) and the same key with another body is a 409.
    func createTask(_ request: CreateTaskRequest, idempotencyKey: String?) async throws -> (task: AgentTask, created: Bool) {
        try Validation.check(request)
        let fingerprint = try Self.fingerprint(request)
        return try await mutate { now in
            try db.forgetIdempotencyKeys(before: now.adding(milliseconds: -Self.idempotencyWindow))
            if let key = idempotencyKey, let record = try db.idempotencyRecord(key: key) {
                guard record.fingerprint == fingerprint else {
                    throw APIError.conflict(
                        "Idempotency-Key was already used with a different body (it created \(record.taskId))",
                        details: ["action": "create", "id": .string(record.taskId)])
                }
                return (try db.require(AgentTask.self, id: record.taskId), false)
            }
            if let name = request.name, let existing = try db.task(named: name) {
                throw APIError.conflict(
                    "a task named \(name) already exists (\(existing.id)); apply updates tasks by name",
                    details: ["action": "create", "name": .string(name), "id": .string(existing.id)])
            }
            let task = AgentTask(
                id: try db.nextID(prefix: "t"), name: request.name, aipod: request.aipod, prompt: request.prompt,
                labels: request.labels ?? [:], runner: request.runner, status: .created, createdAt: now)
            try db.insert(task)
            try db.setLabels(taskId: task.id, task.labels)
            if let key = idempotencyKey {
                try db.rememberIdempotencyKey(key, fingerprint: fingerprint, taskId: task.id, at: now)
            }
            return (task, true)
        }
    }

    /// Creates or updates tasks by name, all or nothing. A task is updated only while `created`.
    func apply(_ manifests: [TaskManifest]) async throws -> ApplyResponse {
        guard !manifests.isEmpty else { throw APIError.badRequest(field: "items", "items must hold at least one task manifest") }
        var seen: Set<String> = []
        for (index, manifest) in manifests.enumerated() {
            if let kind = manifest.kind, kind != "Task" {
                throw APIError.badRequest(field: "items[\(index)].kind", "apply accepts kind \"Task\" only (got \"\(kind)\")")
            }
            try Validation.check(manifest.request, prefix: "items[\(index)].")
            guard seen.insert(manifest.name).inserted else {
                throw APIError.badRequest(field: "items[\(index)].name", "task \(manifest.name) appears twice in one apply")
            }
        }
        return try await mutate { now in
            var outcomes: [ApplyOutcome] = []
            for manifest in manifests {
                outcomes.append(try applyOne(manifest, now: now))
            }
            return ApplyResponse(items: outcomes)
        }
    }

    private func applyOne(_ manifest: TaskManifest, now: Timestamp) throws -> ApplyOutcome {
        guard var task = try db.task(named: manifest.name) else {
            let request = manifest.request
            let task = AgentTask(
                id: try db.nextID(prefix: "t"), name: manifest.name, aipod: request.aipod, prompt: request.prompt,
                labels: request.labels ?? [:], runner: request.runner, status: .created, createdAt: now)
            try db.insert(task)
            try db.setLabels(taskId: task.id, task.labels)
            return ApplyOutcome(name: manifest.name, action: "created", task: task)
        }
        let labels = manifest.labels ?? [:]
        if task.aipod == manifest.aipod, task.prompt == manifest.prompt, task.labels == labels, task.runner == manifest.runner {
            return ApplyOutcome(name: manifest.name, action: "unchanged", task: task)
        }
        guard task.status == .created else {
            throw APIError.conflict(
                status: task.status.rawValue, action: "apply",
                "task \(manifest.name) (\(task.id)) is \(task.status.rawValue); apply updates a task only while it is created")
        }
        task.aipod = manifest.aipod
        task.prompt = manifest.prompt
        task.labels = labels
        task.runner = manifest.runner
        try db.update(task)
        try db.setLabels(taskId: task.id, labels)
        return ApplyOutcome(name: manifest.name, action: "updated", task: task)
    }

    // MARK: - Transitions

    /// `created → dispatched`: creates the run, the session and the first turn, and hands the
    /// turn to the simulated runner.
    func dispatch(taskId: String) async throws -> AgentTask {
        try await mutate { now in
            var task = try db.require(AgentTask.self, id: taskId)
            guard task.status == .created else {
                throw APIError.conflict(
                    status: task.status.rawValue, action: "dispatch",
                    "task \(taskId) is \(task.status.rawValue); only a created task can be dispatched")
            }
            let runId = try db.nextID(prefix: "r")
            let sessionId = try db.nextID(prefix: "s")
            let commandId = try db.nextID(prefix: "c")
            try db.insert(
                Session(
                    id: sessionId, taskId: taskId, runId: runId, threadId: RunnerFacts.threadId(sessionId: sessionId), createdAt: now,
                    liveness: Liveness(phase: .waitingRunner, since: now, lastEventAt: nil, lastHeartbeatAt: nil)))
            try db.insert(
                AgentCommand(
                    id: commandId, taskId: taskId, runId: runId, sessionId: sessionId, kind: .turn, status: .queued,
                    message: task.prompt, createdAt: now, finishedAt: nil, result: .empty, steerDelivery: nil, targetCommandId: nil))
            try db.insert(
                Run(
                    id: runId, taskId: taskId, sessionId: sessionId, status: .running, runnerJobId: nil, commandIds: [commandId],
                    startedAt: now))
            task.status = .dispatched
            task.dispatchedAt = now
            task.runId = runId
            task.sessionId = sessionId
            task.currentCommandId = commandId
            try db.update(task)

            let state = try TurnState(db: db, commandId: commandId)
            try state.emit(
                "run:created", at: now, data: ["taskId": .string(taskId), "aipod": .string(task.aipod), "sessionId": .string(sessionId)])
            try state.emit("command:created", at: now, data: ["kind": "turn"])
            try state.log("[manager] run \(runId) created for task \(taskId) (aipod \(task.aipod)); waiting for a runner", at: now)
            try state.save()
            try db.startProgress(commandId: commandId, at: now)
            return state.task
        }
    }

    /// Cancels a task that has not finished; a running turn is interrupted first.
    func cancel(taskId: String) async throws -> AgentTask {
        try await mutate { now in
            var task = try db.require(AgentTask.self, id: taskId)
            switch task.status {
            case .succeeded, .failed, .cancelled:
                throw APIError.conflict(
                    status: task.status.rawValue, action: "cancel",
                    "task \(taskId) is already \(task.status.rawValue); only created, dispatched or running tasks can be cancelled")
            case .created:
                task.status = .cancelled
                task.finishedAt = now
                try db.update(task)
                return task
            case .dispatched, .running:
                guard let commandId = task.currentCommandId else {
                    throw APIError.internal("task \(taskId) is \(task.status.rawValue) without a command")
                }
                let state = try TurnState(db: db, commandId: commandId)
                if state.command.status == .running {
                    try state.emit("turn-interrupt-requested", at: now, data: ["threadId": .string(state.session.threadId)])
                    try state.emit("turn/interrupt completed", at: now, data: ["threadId": .string(state.session.threadId)])
                }
                try state.emit("turn-cancelled", at: now, data: ["reason": "cancelled by request"])
                try state.log("[manager] task \(taskId) cancelled; turn \(commandId) stopped", at: now)
                try state.finish(.cancelled, at: now)
                try state.save()
                return state.task
            }
        }
    }

    /// Acknowledges a terminal task, once.
    func acknowledge(taskId: String, by: String?) async throws -> AgentTask {
        let who = by ?? "commander"
        guard !who.isEmpty, who.count <= 128 else { throw APIError.badRequest(field: "by", "by must be 1–128 characters") }
        return try await mutate { now in
            var task = try db.require(AgentTask.self, id: taskId)
            guard task.status.isTerminal else {
                throw APIError.conflict(
                    status: task.status.rawValue, action: "ack",
                    "task \(taskId) is \(task.status.rawValue); only a terminal task can be acknowledged")
            }
            if let ack = task.ack {
                throw APIError.conflict(
                    status: task.status.rawValue, action: "ack", "task \(taskId) was already acknowledged by \(ack.by) at \(ack.at)")
            }
            task.ack = Acknowledgement(by: who, at: now)
            try db.update(task)
            return task
        }
    }

    /// Steers the running turn of a task: a new steer command whose delivery the runner plays
    /// out. The target keeps running; a steer never finishes it.
    func steer(taskId: String, message: String) async throws -> AgentCommand {
        try Validation.message(message, field: "message")
        return try await mutate { now in
            let task = try db.require(AgentTask.self, id: taskId)
            let target = try task.currentCommandId.flatMap { try db.fetch(AgentCommand.self, id: $0) }
            guard let target, target.status == .running else {
                let reason = target.map { "its current command \($0.id) is \($0.status.rawValue)" } ?? "it has no command yet"
                throw APIError.conflict(
                    status: task.status.rawValue, action: "steer", "task \(taskId) has no running turn to steer (\(reason))")
            }
            let steerId = try db.nextID(prefix: "c")
            try db.insert(
                AgentCommand(
                    id: steerId, taskId: taskId, runId: target.runId, sessionId: target.sessionId, kind: .steer, status: .queued,
                    message: message, createdAt: now, finishedAt: nil, result: .empty,
                    steerDelivery: SteerDelivery(ack: true, forward: false, backendAccepted: false), targetCommandId: target.id))
            let state = try TurnState(db: db, commandId: steerId)
            state.run.commandIds.append(steerId)
            try state.emit("steer:accepted", at: now, data: ["targetCommandId": .string(target.id), "ack": true])
            try state.emit(
                "steer:command-created", at: now, data: ["steerCommandId": .string(steerId), "targetCommandId": .string(target.id)])
            try state.save()
            try db.startProgress(commandId: steerId, at: now)
            return state.command
        }
    }

    // MARK: - Reads

    /// One page of tasks, newest first.
    func tasks(filter: ListFilter, page: PageRequest) async throws -> Page<AgentTask> {
        try await read { _ in try db.list(AgentTask.self, filter: filter, page: page) }
    }

    /// One task.
    func task(id: String) async throws -> AgentTask {
        try await read { _ in try db.require(AgentTask.self, id: id) }
    }

    // MARK: - Helpers

    /// The canonical form of a create body: equal for the same fields, whatever their order.
    private static func fingerprint(_ request: CreateTaskRequest) throws -> String {
        String(decoding: try JSONCoding.encoder.encode(request), as: UTF8.self)
    }
}

extension TaskManifest {
    /// The manifest as a create request (the same checks apply).
    var request: CreateTaskRequest {
        CreateTaskRequest(aipod: aipod, prompt: prompt, name: name, labels: labels, runner: runner)
    }
}
