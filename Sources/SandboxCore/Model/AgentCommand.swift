/// A command on a session: the first turn, a steer into a running turn, or a new turn (send).
struct AgentCommand: Codable, Sendable, Equatable {
    var id: String
    var taskId: String
    var runId: String
    var sessionId: String
    var kind: CommandKind
    var status: CommandStatus
    var message: String
    var createdAt: Timestamp
    @Nullable var finishedAt: Timestamp? = nil
    var result: CommandResult
    @Nullable var steerDelivery: SteerDelivery? = nil
    @Nullable var targetCommandId: String? = nil
}

/// A command's outcome. `finalResponse` is the latest terminal assistant output of this command.
struct CommandResult: Codable, Sendable, Equatable {
    @Nullable var finalResponse: String? = nil
    @Nullable var failureKind: FailureKind? = nil
    @Nullable var failureOwner: String? = nil
    @Nullable var failureMessage: String? = nil

    static let empty = CommandResult(finalResponse: nil, failureKind: nil, failureOwner: nil, failureMessage: nil)
}

/// How far a steer got along the runner/app-server chain. Never a stand-in for the target
/// command's terminal state.
struct SteerDelivery: Codable, Sendable, Equatable {
    var ack: Bool
    var forward: Bool
    var backendAccepted: Bool
}
