import Commands

/// `describe KIND/ID`: every fact of one resource, grouped, with the lifecycle and next steps.
struct DescribeCommand: QueueCommand {
    let signature = CommandSignature(
        "describe", summary: "Show every fact of one resource, with its lifecycle and next steps",
        discussion:
            "For a task this also reads its run, session (liveness), current command (result) and runner job (proxy env, transient env Secret refs, bundles).",
        positionals: [
            QueueFlags.target("KIND/ID or an id such as t-42 (default: the current task)", contextDefault: .task), QueueFlags.id,
        ],
        options: QueueFlags.lane,
        examples: [
            Example("describe task/t-42", "Task, run, liveness, result and runner job at once"),
            Example("describe runnerjob/rj-42 -o json", "Runner job facts for evidence"),
        ])

    func request(_ invocation: Invocation, in session: Session) throws -> (reference: ResourceReference, id: String) {
        try QueueFlags.resource(invocation) { reference in
            ArsError.usage(
                .missingId, "describe needs one resource, e.g. \(reference.kind.rawValue)/\(reference.kind.idPrefix)42",
                hint: "to list them use 'get \(reference.kind.collection)'")
        }
    }

    func run(_ request: (reference: ResourceReference, id: String), client: AgentRunClient, in session: Session) async throws
        -> CommandOutput
    {
        let (reference, id) = request
        let views = Views(now: session.clock.now())
        let item = try await client.get("/\(reference.kind.collection)/\(id)").data
        session.remember([item], kind: reference.kind)
        guard reference.kind == .task else {
            return CommandOutput(
                Views.schema(reference.kind.schemaKind, item),
                human: [
                    .summary("\(reference.display)" + (item["status"]?.stringValue.map { " — \($0)" } ?? "")),
                    .fields(views.fields(item)),
                ] + bundles(item, views) + [.next(nextSteps(reference.kind, item))])
        }
        return try await describeTask(item, client: client, views: views)
    }

    // MARK: - Task

    private func describeTask(_ task: Value, client: AgentRunClient, views: Views) async throws -> CommandOutput {
        let id = task["id"]?.stringValue ?? "?"
        async let run = related(client, "runs", task["runId"])
        async let session = related(client, "sessions", task["sessionId"])
        async let command = related(client, "commands", task["currentCommandId"])
        async let job = related(client, "runnerjobs", task["runnerJobId"])
        let (runValue, sessionValue, commandValue, jobValue) = try await (run, session, command, job)

        var value = Views.schema("TaskDescription", task).objectValue ?? Object()
        value["run"] = runValue ?? .null
        value["session"] = sessionValue ?? .null
        value["currentCommand"] = commandValue ?? .null
        value["runnerJob"] = jobValue ?? .null

        var human: [HumanBlock] = [
            .summary("task/\(id) \(task["name"]?.stringValue.map { "(\($0)) " } ?? "")— \(task["status"]?.stringValue ?? "?")"),
            .text(views.lifecycle(task: task, liveness: sessionValue?["liveness"])),
            .section("Task", [.fields(views.fields(task, skipping: ["prompt"]))]),
            .section("Prompt", [.text(task["prompt"]?.stringValue ?? "")]),
        ]
        if let sessionValue {
            human.append(.section("Session \(sessionValue["id"]?.stringValue ?? "")", [.fields(views.fields(sessionValue))]))
        }
        if let commandValue {
            human.append(.section("Current command \(commandValue["id"]?.stringValue ?? "")", [.fields(views.fields(commandValue))]))
        }
        if let jobValue {
            human.append(
                .section(
                    "Runner job \(jobValue["id"]?.stringValue ?? "")",
                    [.fields(views.fields(jobValue, skipping: ["bundles"]))] + bundles(jobValue, views)))
        }
        human.append(.next(nextSteps(.task, task)))
        return CommandOutput(.object(value), human: human)
    }

    private func related(_ client: AgentRunClient, _ collection: String, _ id: Value?) async throws -> Value? {
        guard let id = id?.stringValue else { return nil }
        return try await client.get("/\(collection)/\(id)").data
    }

    private func bundles(_ job: Value, _ views: Views) -> [HumanBlock] {
        guard let bundles = job["bundles"]?.arrayValue, !bundles.isEmpty else { return [] }
        return [.section("Bundles", bundles.map { .fields(views.fields($0)) })]
    }

    /// Drill-down commands that fit the resource's state.
    private func nextSteps(_ kind: ResourceKind, _ item: Value) -> [String] {
        let id = item["id"]?.stringValue ?? "?"
        let status = item["status"]?.stringValue ?? ""
        let terminal = ["succeeded", "failed", "cancelled"].contains(status)
        switch kind {
        case .task:
            var next: [String] = []
            // Ids from the server's answer are quoted: a hint is pasted into shells.
            let task = ShellQuote.quote("task/\(id)")
            if status == "created" { next.append("dispatch \(task)") }
            if let run = item["runId"]?.stringValue {
                next.append("events \(ShellQuote.quote("run/\(run)"))" + (terminal ? "" : " --follow"))
            }
            if let session = item["sessionId"]?.stringValue { next.append("logs \(ShellQuote.quote("session/\(session)"))") }
            if item["currentCommandId"]?.stringValue != nil { next.append("result \(task) --verify") }
            if let job = item["runnerJobId"]?.stringValue { next.append("describe \(ShellQuote.quote("runnerjob/\(job)"))") }
            if status == "running" { next.append("steer \(task) --message '…'") }
            if terminal && (item["ack"]?.isNull ?? true) { next.append("ack \(task)") }
            return next
        case .run:
            return ["events run/\(id)" + (terminal ? "" : " --follow")]
                + (item["taskId"]?.stringValue.map { ["describe task/\($0)"] } ?? [])
        case .session:
            return ["logs session/\(id)", "send session/\(id) --message '…'"]
        case .command:
            return ["result command/\(id)"] + (item["taskId"]?.stringValue.map { ["describe task/\($0)"] } ?? [])
        case .runnerjob:
            return item["taskId"]?.stringValue.map { ["describe task/\($0)"] } ?? []
        }
    }
}
