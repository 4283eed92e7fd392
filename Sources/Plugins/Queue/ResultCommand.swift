import Commands

/// `result task/ID | command/ID [--verify]`: the command's final response, status and liveness,
/// with steer delivery kept apart; `--verify` checks the response against the raw events.
struct ResultCommand: QueueCommand {
    let signature = CommandSignature(
        "result", summary: "Show a command's finalResponse, status, liveness and steer delivery",
        discussion: """
            For a task, the result of its current turn or send command. finalResponse must be the latest terminal assistant output of that command; --verify reads the run's raw events and reports a stale result with both values. steerDelivery only tells how a steer RPC was delivered — it never stands for the target command's terminal state.
            """,
        positionals: [QueueFlags.target("task/ID or command/ID (default: the current task)", contextDefault: .task), QueueFlags.id],
        options: QueueFlags.lane + [
            .flag("verify", "Compare finalResponse with the last assistant output of the same command in the raw events")
        ],
        examples: [
            Example("result task/t-42 --verify", "Is the result stale?"),
            Example("result command/c-97 -o json", "One command's result for evidence"),
        ])

    struct Request: Sendable {
        let reference: ResourceReference
        let id: String
        let verify: Bool
    }

    func request(_ invocation: Invocation, in session: Session) throws -> Request {
        let (reference, id) = try QueueFlags.resource(invocation, allowed: [.task, .command]) { _ in
            ArsError.usage(.missingId, "result needs task/ID or command/ID")
        }
        return Request(reference: reference, id: id, verify: invocation.flag("verify"))
    }

    func run(_ request: Request, client: AgentRunClient, in session: Session) async throws -> CommandOutput {
        let (reference, id) = (request.reference, request.id)
        let result = try await client.get("/\(reference.kind.collection)/\(id)/result").data
        var value = Views.schema("Result", result).objectValue ?? Object()
        let views = Views(now: session.clock.now())
        let commandId = result["commandId"]?.stringValue

        let facts: [(String, String)] = [
            ("status", result["status"].map(views.text) ?? "-"),
            (
                "liveness.phase",
                (result.lookup("liveness.phase").map(views.text) ?? "-")
                    + (result.lookup("liveness.since").map { "  for " + views.age($0) } ?? "")
            ),
            ("failureKind", result["failureKind"].map(views.text).flatMap { $0.isEmpty ? nil : $0 } ?? "-"),
            ("failureMessage", result["failureMessage"].map(views.text).flatMap { $0.isEmpty ? nil : $0 } ?? "-"),
        ]
        // Who owns a failure, from its kind (the same table describe and egress use).
        let owner = result["failureKind"]?.stringValue.flatMap(FailureOwners.attribution(for:))
        if let owner { value["owner"] = owner.value }
        var human: [HumanBlock] = [
            .summary(
                "command/\(commandId ?? "?") (\(result["kind"]?.stringValue ?? "?")) of \(reference.display): \(result["status"]?.stringValue ?? "?")"
            ),
            .fields(facts + (owner.map { [("owner", "\($0.owner.rawValue) — \($0.reason)")] } ?? [])),
            .section("finalResponse", [.text(result["finalResponse"]?.stringValue ?? "(none yet)")]),
        ]
        if let delivery = result["steerDelivery"], !delivery.isNull {
            human.append(.section("steerDelivery (the steer RPC only — not the target command's state)", [.fields(views.fields(delivery))]))
        }

        var status: Int32 = 0
        if request.verify {
            // Three answers: verified (exit 0), stale (exit 1), and nothing to compare yet — no
            // command, no run, or no assistant output — which is not a pass either (exit 1).
            let verification: Value =
                if let commandId { try await verify(result: result, commandId: commandId, client: client) } else {
                    .object(["stale": .null, "reason": "the task has no current command yet (it was not dispatched)"])
                }
            value["verify"] = verification
            human.append(.section("verify", [.fields(views.fields(verification))]))
            switch verification["stale"] {
            case .bool(true):
                status = 1
                if let stale = FailureOwners.attribution(for: "stale-result") {
                    value["owner"] = stale.value
                    human.append(.fields([("owner", "\(stale.owner.rawValue) — \(stale.reason)")]))
                }
                human.append(
                    .summary(
                        "STALE: finalResponse is not the last assistant output of \(commandId ?? "?") (event seq \(verification["eventSeq"].map(views.text) ?? "?"))"
                    ))
            case .bool(false):
                human.append(.summary("verified: finalResponse matches the last assistant output of \(commandId ?? "?")"))
            default:
                status = 1
                human.append(
                    .summary(
                        "not verified: nothing to compare yet — \(verification["reason"]?.stringValue ?? "no assistant output of the command in the run's events")"
                    ))
            }
        }
        var next: [String] = []
        if let run = result["runId"]?.stringValue ?? nil { next.append("events " + ShellQuote.quote("run/\(run)")) }
        if reference.kind == .task { next.append("describe " + ShellQuote.quote("task/\(id)")) }
        human.append(.next(next))
        return CommandOutput(.object(value), human: human, status: status)
    }

    /// Reads every event of the command's run and compares the last assistant output of that
    /// command with `finalResponse`.
    private func verify(result: Value, commandId: String, client: AgentRunClient) async throws -> Value {
        let command = try await client.get("/commands/\(commandId)").data
        guard let runId = command["runId"]?.stringValue else {
            return .object(["stale": .null, "reason": "the command has no run yet"])
        }
        let events = try await EventReader(client: client, collection: "runs", id: runId).readAll()
        let assistant = events.filter { $0["type"]?.stringValue == "assistant-message" && $0["commandId"]?.stringValue == commandId }
        let last = assistant.last { $0.lookup("data.final") == .bool(true) } ?? assistant.last
        let lastText = last?.lookup("data.text")?.stringValue
        let finalResponse = result["finalResponse"]?.stringValue
        return .object([
            "stale": lastText == nil ? .null : .bool(lastText != finalResponse),
            "reason": lastText == nil ? .string("the run's events hold no assistant output of \(commandId) yet") : .null,
            "commandId": .string(commandId),
            "runId": .string(runId),
            "finalResponse": .optional(finalResponse),
            "lastAssistantOutput": .optional(lastText),
            "eventSeq": last?["seq"] ?? .null,
            "eventsRead": .int(events.count),
        ])
    }
}
