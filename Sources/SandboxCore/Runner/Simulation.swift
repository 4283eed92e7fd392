/// The simulated runner: applies every script step that is due on the sandbox clock, in time
/// order across all active commands. Pure over the database and the instant it is given, so
/// replaying from stored progress after a restart gives the same stream.
struct Simulation {
    let db: SandboxDatabase
    /// The git-mirror cache bundles materialize through; nil: every bundle gets an invented commit.
    var mirror: GitMirrorCache? = nil

    /// Applies every step due at or before `now`; returns whether anything changed.
    /// Runs inside the caller's transaction.
    @discardableResult
    func advance(to now: Timestamp) throws -> Bool {
        var changed = false
        var scripts: [String: [ScriptStep]] = [:]
        while let next = try nextStep(scripts: &scripts), next.due <= now {
            let state = try TurnState(db: db, commandId: next.progress.commandId)
            if state.command.status.isActive {
                try apply(next.step.action, to: state, at: next.due)
                try state.save()
            }
            if state.command.status.isActive, next.progress.nextStep + 1 < next.stepCount {
                try db.setProgress(commandId: next.progress.commandId, nextStep: next.progress.nextStep + 1)
            } else {
                try db.endProgress(commandId: next.progress.commandId)
            }
            changed = true
        }
        return changed
    }

    /// The sandbox instant of the earliest pending step, if any command is still playing.
    func nextDue() throws -> Timestamp? {
        var scripts: [String: [ScriptStep]] = [:]
        return try nextStep(scripts: &scripts)?.due
    }

    // MARK: - Scheduling

    private struct Pending {
        let progress: TurnProgress
        let step: ScriptStep
        let stepCount: Int
        var due: Timestamp { progress.startedAt.adding(milliseconds: step.offset) }
    }

    /// The earliest pending step over all active commands (ties: the earlier-started command).
    /// `scripts` caches each command's script: it depends only on the command's kind and message.
    private func nextStep(scripts: inout [String: [ScriptStep]]) throws -> Pending? {
        var earliest: Pending?
        for progress in try db.activeProgress() {
            // `advance` ends a command's progress with its last step, so every row has a next one.
            let steps: [ScriptStep]
            if let cached = scripts[progress.commandId] {
                steps = cached
            } else {
                guard let command = try db.fetch(AgentCommand.self, id: progress.commandId) else { continue }
                steps = TurnScript.steps(for: command)
                scripts[progress.commandId] = steps
            }
            guard progress.nextStep < steps.count else { continue }
            let candidate = Pending(progress: progress, step: steps[progress.nextStep], stepCount: steps.count)
            if earliest.map({ candidate.due < $0.due }) ?? true { earliest = candidate }
        }
        return earliest
    }

    // MARK: - Steps

    private func apply(_ action: ScriptAction, to state: TurnState, at: Timestamp) throws {
        let narration = Narration(message: state.command.message)
        switch action {
        case .createRunnerJob:
            let job = RunnerFacts.runnerJob(id: try db.nextID(prefix: "rj"), command: state.command, task: state.task, at: at)
            try db.insert(job)
            state.task.runnerJobId = job.id
            state.run.runnerJobId = job.id
            try state.emit(
                "runner-job:created", at: at,
                data: [
                    "runnerJobId": .string(job.id), "jobName": .string(job.jobName), "podName": .string(job.podName),
                    "namespace": .string(job.namespace), "proxyEnv": JSONValue(job.proxyEnv), "noProxy": .string(job.noProxy),
                    "transientEnv": [
                        "names": JSONValue(job.transientEnv.map(\.name)),
                        "secretRefs": try JSONValue(encoding: job.transientEnv.map(\.secretRef)),
                    ],
                    "valuesPrinted": false,
                ])
            let names = job.transientEnv.map(\.name).joined(separator: ", ")
            try state.log(
                "[manager] created Job \(job.jobName) in \(job.namespace) for \(state.command.id); transient env \(names) from Secret \(job.jobName)-env (values not printed)",
                at: at)

        case .claimRun:
            guard var job = try state.runnerJob() else { return }
            job.status = .running
            try db.update(job)
            if state.task.startedAt == nil { state.task.startedAt = at }
            state.task.status = .running
            try state.emit("run-claimed", at: at, data: ["runnerJobId": .string(job.id), "podName": .string(job.podName)])
            try state.log("[runner] pod \(job.podName) claimed run \(state.run.id)", at: at)

        case .milestone(let type):
            try state.emit(type, at: at, data: try milestoneData(type, state: state))
            try state.log("[runner] \(type)", at: at)

        case .materializeBundles:
            guard var job = try state.runnerJob() else { return }
            job.bundles = RunnerFacts.requestedBundles(for: state.task).map { mirror?.materialize($0) ?? RunnerFacts.materialize($0) }
            try db.update(job)
            try state.emit("resource-bundle-materialized", at: at, data: ["bundles": try JSONValue(encoding: job.bundles)])
            for bundle in job.bundles {
                let via = bundle.mirrorUsed ? "mirror \(bundle.fetchRepoUrl)" : bundle.fetchRepoUrl
                try state.log("[bundle] \(bundle.repoUrl) \(bundle.requestedRef) -> \(bundle.commitId) via \(via)", at: at)
            }

        case .startBackendTurn:
            state.command.status = .running
            state.enter(.waitingModel, at: at)
            try state.emit(
                "backend-turn-started", at: at,
                data: ["threadId": .string(state.session.threadId), "kind": .string(state.command.kind.rawValue)])
            try state.log("[codex] turn started on thread \(state.session.threadId)", at: at)

        case .updatePlan(let done):
            state.enter(.waitingModel, at: at)
            try state.emit("turn/plan/updated", at: at, data: ["plan": narration.plan(done: done)])

        case .commentary:
            try state.emit("assistant-message", at: at, data: ["text": .string(narration.commentary), "final": false])

        case .toolCall(let index):
            state.enter(.waitingTool, at: at)
            let bundle = try state.runnerJob()?.bundles.first
            let command = Narration.toolCommand(index, bundle: bundle)
            try state.emit(
                "tool-call", at: at,
                data: [
                    "tool": "commandExecution", "callId": .string(callId(state, index)), "command": .string(command), "status": "running",
                ])
            try state.log("$ \(command)", at: at)

        case .toolResult(let index):
            state.enter(.idleAfterTool, at: at)
            let bundle = try state.runnerJob()?.bundles.first
            let kib = index == 2 ? Directives(stored: state.command.message).toolOutputKiB : nil
            let output = Narration.toolOutput(index, bundle: bundle, kib: kib)
            try state.emit(
                "tool-result", at: at,
                data: [
                    "tool": "commandExecution", "callId": .string(callId(state, index)), "status": "ok", "exitCode": 0,
                    "output": .string(output),
                ])
            try logOutput(output, call: callId(state, index), state: state, at: at)

        case .heartbeat:
            state.session.liveness.lastHeartbeatAt = at
            try state.emit("heartbeat", at: at, data: ["runnerJobId": JSONValue(state.run.runnerJobId)])

        case .finalMessage:
            let bundle = try state.runnerJob()?.bundles.first
            let text = narration.finalResponse(bundle: bundle, steers: try acceptedSteers(into: state))
            state.command.result.finalResponse = text
            try state.emit("assistant-message", at: at, data: ["text": .string(text), "final": true])

        case .completeTurn:
            try state.emit("turn-completed", at: at, data: ["status": "succeeded"])
            try state.log("[codex] turn completed", at: at)
            try state.finish(.succeeded, at: at)

        case .fail(let kind):
            let message = kind.message(threadId: state.session.threadId)
            state.command.result.failureKind = kind
            state.command.result.failureOwner = kind.owner
            state.command.result.failureMessage = message
            try state.emit(
                kind.rawValue, at: at,
                data: ["failureKind": .string(kind.rawValue), "owner": .string(kind.owner), "message": .string(message)])
            try state.log("[codex] \(kind.rawValue): \(message)", at: at, stream: .stderr)
            try state.finish(.failed, failure: kind, at: at)

        case .forwardSteer:
            state.command.status = .running
            state.command.steerDelivery?.forward = true
            try state.emit("steer:forwarded", at: at, data: ["targetCommandId": JSONValue(state.command.targetCommandId)])

        case .acceptSteer:
            state.command.steerDelivery?.backendAccepted = true
            state.command.status = .succeeded
            state.command.finishedAt = at
            try state.emit("steer:backend-accepted", at: at, data: ["targetCommandId": JSONValue(state.command.targetCommandId)])
        }
    }

    // MARK: - Helpers

    private func milestoneData(_ type: String, state: TurnState) throws -> JSONValue {
        switch type {
        case "runner-image-work-ready-smoke":
            return ["image": .string(RunnerFacts.runnerImage), "ok": true]
        case "runner-bundle-work-ready-smoke":
            return ["bundles": JSONValue(RunnerFacts.requestedBundles(for: state.task).count), "ok": true]
        case "codex-rollout-storage-mounted":
            return ["mountPath": .string(RunnerFacts.rolloutMountPath), "threadId": .string(state.session.threadId)]
        case "initial-prompt-assembly":
            let refs = try state.runnerJob()?.bundles.flatMap(\.promptRefs) ?? []
            return ["promptChars": JSONValue(state.command.message.count), "promptRefs": JSONValue(refs)]
        case "thread-resumed":
            return ["threadId": .string(state.session.threadId)]
        default:
            return [:]
        }
    }

    private func callId(_ state: TurnState, _ index: Int) -> String {
        "call-\(state.command.id)-\(index)"
    }

    /// The messages of steers into this command that the backend accepted, oldest first.
    private func acceptedSteers(into state: TurnState) throws -> [String] {
        try db.all(AgentCommand.self, taskId: state.task.id)
            .filter { $0.kind == .steer && $0.targetCommandId == state.command.id && $0.steerDelivery?.backendAccepted == true }
            .map(\.message)
    }

    /// Tool output goes to the session log: the first 20 lines, then a count of the rest.
    private func logOutput(_ output: String, call: String, state: TurnState, at: Timestamp) throws {
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast(output.hasSuffix("\n") ? 1 : 0)
        for line in lines.prefix(20) { try state.log(String(line), at: at) }
        if lines.count > 20 { try state.log("… \(lines.count - 20) more lines (tool-result \(call))", at: at) }
    }
}
