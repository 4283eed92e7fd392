/// Result views of commands and of a task's current command, including the injected stale result.
extension SandboxLane {
    /// The result of one command, exactly as stored.
    func commandResult(id: String) async throws -> ResultView {
        try await read { now in
            let command = try db.require(AgentCommand.self, id: id)
            return try view(of: command, now: now)
        }
    }

    /// The result of the task's current turn or send command. When that command carries
    /// `@sandbox stale-result`, `finalResponse` is stale on purpose: the previous command's
    /// final response, or else this command's first (non-final) assistant message.
    func taskResult(taskId: String) async throws -> ResultView {
        try await read { now in
            let task = try db.require(AgentTask.self, id: taskId)
            guard let commandId = task.currentCommandId else {
                throw APIError.conflict(
                    status: task.status.rawValue, action: "result", "task \(taskId) has no command yet; dispatch it first")
            }
            let command = try db.require(AgentCommand.self, id: commandId)
            var result = try view(of: command, now: now)
            if Directives(stored: command.message).staleResult {
                result.finalResponse = try staleResponse(for: command)
            }
            return result
        }
    }

    // MARK: - Helpers

    private func view(of command: AgentCommand, now: Timestamp) throws -> ResultView {
        let session = try db.require(Session.self, id: command.sessionId)
        return ResultView(
            taskId: command.taskId, commandId: command.id, kind: command.kind, status: command.status,
            finalResponse: command.result.finalResponse, failureKind: command.result.failureKind,
            failureOwner: command.result.failureOwner, failureMessage: command.result.failureMessage,
            liveness: try currentLiveness(of: session, now: now), steerDelivery: command.steerDelivery,
            targetCommandId: command.targetCommandId)
    }

    private func staleResponse(for command: AgentCommand) throws -> String? {
        let earlier = try db.all(AgentCommand.self, taskId: command.taskId)
            .prefix { $0.id != command.id }
            .last { $0.kind != .steer && $0.result.finalResponse != nil }
        if let response = earlier?.result.finalResponse { return response }
        return try db.allEvents(runId: command.runId)
            .first { $0.commandId == command.id && $0.type == "assistant-message" && $0.data.member("final") == .bool(false) }?
            .data.member("text")?.string
    }
}
