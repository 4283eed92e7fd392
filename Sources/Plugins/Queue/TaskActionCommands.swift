import Commands
import FoundationEssentials

/// `dispatch`, `cancel` and `ack` on a task: one POST each, refused by the server when the
/// task's state does not allow it.
struct TaskActionCommand: QueueCommand {
    enum Action: String { case dispatch, cancel, ack }
    let action: Action
    let signature: CommandSignature

    init(_ action: Action) {
        self.action = action
        let summary: String
        let example: Example
        switch action {
        case .dispatch:
            summary = "Dispatch a created task to a runner"
            example = Example("dispatch task/t-42", "Start a task created earlier")
        case .cancel:
            summary = "Cancel a task that has not finished"
            example = Example("cancel task/t-42", "Stop a runaway task")
        case .ack:
            summary = "Acknowledge a finished task"
            example = Example("ack task/t-42 --by commander", "Mark a terminal task as read")
        }
        signature = CommandSignature(
            action.rawValue, summary: summary,
            positionals: [QueueFlags.target("task/ID (default: the current task)", contextDefault: .task), QueueFlags.id],
            options: QueueFlags.lane + (action == .ack ? [Option("by", "Who acknowledges (recorded by the server)")] : []),
            examples: [example])
    }

    /// The task, and the POST body (`by` for ack).
    func request(_ invocation: Invocation, in session: Session) throws -> (id: String, body: Value) {
        let (_, id) = try QueueFlags.resource(invocation, allowed: [.task]) { _ in
            ArsError.usage(.missingId, "'\(action.rawValue)' needs task/ID")
        }
        var body = Object()
        if let by = invocation.option("by") { body["by"] = .string(by) }
        return (id, .object(body))
    }

    func run(_ request: (id: String, body: Value), client: AgentRunClient, in session: Session) async throws -> CommandOutput {
        let (id, body) = request
        let task = try await client.post("/tasks/\(id)/\(action.rawValue)", body: body).data
        session.remember([task], kind: .task)
        let views = Views(now: session.clock.now())
        var next = ["describe task/\(id)"]
        if action == .dispatch { next.insert("get task/\(id)", at: 0) }
        return CommandOutput(
            Views.schema("Task", task),
            human: [
                .summary(
                    "task/\(id) \(action == .ack ? "acknowledged" : action == .cancel ? "cancel requested" : "dispatched"): \(task["status"]?.stringValue ?? "?")"
                ),
                .text(views.lifecycle(task: task)),
                .next(next),
            ])
    }
}

/// `steer task/ID --message …` and `send session/ID --message …`: a new command on a live turn
/// or session.
struct MessageCommand: QueueCommand {
    enum Kind { case steer, send }
    let kind: Kind
    let signature: CommandSignature

    init(_ kind: Kind) {
        self.kind = kind
        signature =
            kind == .steer
            ? CommandSignature(
                "steer", summary: "Steer the running turn of a task",
                discussion:
                    "Creates a steer command. Its steerDelivery (ack, forward, backendAccepted) tells how the steer was delivered; it never means the target turn finished.",
                positionals: [QueueFlags.target("task/ID (default: the current task)", contextDefault: .task), QueueFlags.id],
                options: QueueFlags.lane + MessageCommand.messageOptions,
                examples: [Example("steer task/t-42 --message '先只检查 egress，不要改代码'", "Redirect a running turn")])
            : CommandSignature(
                "send", summary: "Send a new message (a new turn) to a session",
                positionals: [QueueFlags.target("session/ID"), QueueFlags.id],
                options: QueueFlags.lane + MessageCommand.messageOptions,
                examples: [Example("send session/s-42 --message '继续：补充 closeout 证据'", "Continue a finished turn")])
    }

    static let messageOptions = [
        Option("message", short: "m", "The message text", valueName: "TEXT"),
        .flag("message-stdin", "Read the message from standard input"),
    ]

    private var allowed: Set<ResourceKind> { kind == .steer ? [.task] : [.session] }

    /// Where the message goes, and the message, read and checked before anything is sent.
    func request(_ invocation: Invocation, in session: Session) throws -> (path: String, message: String) {
        let (_, id) = try QueueFlags.resource(invocation, allowed: allowed) { _ in
            ArsError.usage(.missingId, "'\(signature.name)' needs \(kind == .steer ? "task" : "session")/ID")
        }
        guard (invocation.option("message") != nil) != invocation.flag("message-stdin") else {
            throw ArsError.usage(.missingMessage, "give the message with exactly one of --message TEXT or --message-stdin")
        }
        let message = invocation.option("message") ?? session.io.stdin.readAll()
        guard !message.trimmingWhitespace().isEmpty else {
            throw ArsError.usage(.missingMessage, "the message is empty")
        }
        return (kind == .steer ? "/tasks/\(id)/steer" : "/sessions/\(id)/send", message)
    }

    func run(_ request: (path: String, message: String), client: AgentRunClient, in session: Session) async throws -> CommandOutput {
        let (path, message) = request
        let command = try await client.post(path, body: .object(["message": .string(message)])).data
        let id = command["id"]?.stringValue ?? "?"
        session.remember([command], kind: .command)
        var human: [HumanBlock] = [.summary("\(signature.name): command/\(id) \(command["status"]?.stringValue ?? "?")")]
        if let delivery = command["steerDelivery"], !delivery.isNull {
            human.append(
                .section(
                    "steerDelivery (delivery only — not the target's state)", [.fields(Views(now: session.clock.now()).fields(delivery))]))
        }
        let target = command["targetCommandId"]?.stringValue.map { "result " + ShellQuote.quote("command/\($0)") }
        human.append(.next(["result " + ShellQuote.quote("command/\(id)")] + (target.map { [$0] } ?? [])))
        return CommandOutput(Views.schema("Command", command), human: human)
    }
}
