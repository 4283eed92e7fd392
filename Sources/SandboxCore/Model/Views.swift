/// One page of a list endpoint, newest first.
struct Page<Item: Codable & Sendable>: Codable, Sendable {
    var items: [Item]
    @Nullable var nextCursor: String? = nil
}

/// One page of a sequence-ordered stream (events, logs).
struct SeqPage<Item: Codable & Sendable>: Codable, Sendable {
    var items: [Item]
    var nextAfterSeq: Int64
    /// True once the stream has ended and every item has been returned: a follower stops.
    var terminal: Bool
}

/// The result of a task's current command, or of a given command.
struct ResultView: Codable, Sendable, Equatable {
    var taskId: String
    var commandId: String
    var kind: CommandKind
    var status: CommandStatus
    @Nullable var finalResponse: String? = nil
    @Nullable var failureKind: FailureKind? = nil
    @Nullable var failureOwner: String? = nil
    @Nullable var failureMessage: String? = nil
    var liveness: Liveness
    @Nullable var steerDelivery: SteerDelivery? = nil
    @Nullable var targetCommandId: String? = nil
}

/// What `apply` did with one manifest.
struct ApplyOutcome: Codable, Sendable {
    var name: String
    var action: String
    var task: AgentTask
}

/// The answer of `POST /tasks/apply`.
struct ApplyResponse: Codable, Sendable {
    var items: [ApplyOutcome]
}

/// The answer of `GET /healthz`.
struct Health: Codable, Sendable {
    var status: String
}

/// The answer of `POST /admin/clock`: the sandbox time after the move.
struct ClockReading: Codable, Sendable {
    var now: Timestamp
}
