import Commands

/// `get KIND[/ID]`: one resource, or a filtered, paginated list.
struct GetCommand: QueueCommand {
    let signature = CommandSignature(
        "get", summary: "List queue resources, or show one",
        discussion: "KIND is task, run, session, command or runnerjob (plurals work). Lists are newest first; --all follows every page.",
        positionals: [QueueOptions.target("KIND, KIND/ID or an id such as t-42"), QueueOptions.id],
        options: QueueOptions.lane + [
            Option(
                "status", "Only resources with this status",
                completion: .values(["created", "dispatched", "queued", "pending", "running", "succeeded", "failed", "cancelled"])),
            Option("aipod", "Only tasks for this aipod"),
            Option("label", "Only tasks with this label (k=v)", valueName: "K=V", repeatable: true),
            Option("task", "Only resources of this task", valueName: "ID", completion: .provider(CompletionProviders.task)),
            Option("limit", "Page size (1-200)", kind: .int, default: "50"),
            Option("cursor", "Continue from a previous page"),
            .flag("all", "Follow every page"),
        ],
        examples: [
            Example("get tasks --status running", "What is running now"),
            Example("get task/t-42 -o yaml", "One task in the stable client schema"),
            Example("get commands --task t-42", "Every command of a task"),
        ])

    func validate(_ invocation: Invocation, in session: Session) throws {
        _ = try ResourceReference.parse(invocation.argument("target")!, invocation.argument("id"))
        if let limit = invocation.intOption("limit"), !(1...200).contains(limit) {
            throw ArsError.usage("bad-value", "--limit must be between 1 and 200, got \(limit)")
        }
        for label in invocation.optionList("label") where !label.contains("=") {
            throw ArsError.usage("bad-value", "--label needs K=V, got '\(label)'")
        }
        if let task = invocation.option("task") { try Identifier.check(task, "--task id") }
    }

    func run(_ invocation: Invocation, client: QueueClient, in session: Session) async throws -> CommandOutput {
        let reference = try ResourceReference.parse(invocation.argument("target")!, invocation.argument("id"))
        let views = Views(now: session.clock.now())
        if let id = reference.id {
            let exchange = try await client.get("/\(reference.kind.collection)/\(id)")
            let item = exchange.data
            session.remember([item], kind: reference.kind)
            var human: [HumanBlock] = [.table(views.table(reference.kind, [item]))]
            if reference.kind == .task { human.append(.text(views.lifecycle(task: item))) }
            human.append(.next(["describe \(reference.display)"]))
            return CommandOutput(Views.schema(reference.kind.schemaKind, item), human: human)
        }

        var items: [Value] = []
        var cursor = invocation.option("cursor")
        repeat {
            let exchange = try await client.get("/\(reference.kind.collection)", query: query(invocation, cursor: cursor))
            items += exchange.data["items"]?.arrayValue ?? []
            cursor = exchange.data["nextCursor"]?.stringValue
        } while invocation.flag("all") && cursor != nil
        session.remember(items, kind: reference.kind)

        var human: [HumanBlock] = []
        if items.isEmpty {
            human.append(.text("No \(reference.kind.collection) found on \(client.lane.qualifiedName)."))
        } else {
            human.append(.table(views.table(reference.kind, items)))
        }
        if let cursor {
            human.append(.next([pageCommand(invocation, cursor: cursor)]))
        } else if let first = items.first?["id"]?.stringValue {
            human.append(.next(["describe " + ShellQuote.quote("\(reference.kind.rawValue)/\(first)")]))
        }
        return CommandOutput(Views.list(reference.kind, items: items, nextCursor: cursor), human: human)
    }

    private func query(_ invocation: Invocation, cursor: String?) -> [(String, String?)] {
        var query: [(String, String?)] = [
            ("status", invocation.option("status")), ("aipod", invocation.option("aipod")), ("taskId", invocation.option("task")),
            ("limit", invocation.option("limit")), ("cursor", cursor),
        ]
        query += invocation.optionList("label").map { ("label", $0) }
        return query
    }

    /// The same command line with `--cursor` for the next page.
    private func pageCommand(_ invocation: Invocation, cursor: String) -> String {
        var words: [String] = []
        var skip = false
        for word in invocation.words {
            if skip { skip = false; continue }
            if word == "--cursor" { skip = true; continue }
            if word.hasPrefix("--cursor=") { continue }
            words.append(word.contains(" ") ? "'\(word)'" : word)
        }
        return (words + ["--cursor", cursor]).joined(separator: " ")
    }
}
