import Commands

/// `get KIND[/ID]`: one resource, or a filtered, paginated list.
struct GetCommand: QueueCommand {
    let signature = CommandSignature(
        "get", summary: "List queue resources, or show one",
        discussion: "KIND is task, run, session, command or runnerjob (plurals work). Lists are newest first; --all follows every page.",
        positionals: [QueueFlags.target("KIND, KIND/ID or an id such as t-42"), QueueFlags.id],
        options: QueueFlags.lane + [
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

    struct Request: Sendable {
        let reference: ResourceReference
        /// The list filters as query items, in the order they are sent.
        let filters: [(String, String?)]
        let cursor: String?
        let all: Bool
        /// The line as typed, for the next-page hint.
        let words: [String]
    }

    func request(_ invocation: Invocation, in session: Session) throws -> Request {
        let reference = try QueueFlags.reference(invocation)
        if let limit = invocation.intOption("limit"), !(1...200).contains(limit) {
            throw ArsError.usage(.badValue, "--limit must be between 1 and 200, got \(limit)")
        }
        let labels = invocation.optionList("label")
        for label in labels where !label.contains("=") {
            throw ArsError.usage(.badValue, "--label needs K=V, got '\(label)'")
        }
        if let task = invocation.option("task") { try Identifier.check(task, "--task id") }
        let filters: [(String, String?)] = [
            ("status", invocation.option("status")), ("aipod", invocation.option("aipod")), ("taskId", invocation.option("task")),
            ("limit", invocation.option("limit")),
        ]
        return Request(
            reference: reference, filters: filters + labels.map { ("label", $0) }, cursor: invocation.option("cursor"),
            all: invocation.flag("all"), words: invocation.words)
    }

    func run(_ request: Request, client: AgentRunClient, in session: Session) async throws -> CommandOutput {
        let reference = request.reference
        let views = Views(now: session.clock.now())
        if let id = reference.id {
            let exchange = try await client.get("/\(reference.kind.collection)/\(id)")
            let item = exchange.data
            session.remember([item], kind: reference.kind)
            return CommandOutput(Views.schema(reference.kind.schemaKind, item)) {
                var human: [HumanBlock] = [.table(views.table(reference.kind, [item]))]
                if reference.kind == .task { human.append(.text(views.lifecycle(task: item))) }
                human.append(.next(["describe \(reference.display)"]))
                return human
            }
        }

        var items: [Value] = []
        var cursor = request.cursor
        repeat {
            let exchange = try await client.get("/\(reference.kind.collection)", query: request.filters + [("cursor", cursor)])
            items += exchange.data["items"]?.arrayValue ?? []
            cursor = exchange.data["nextCursor"]?.stringValue
        } while request.all && cursor != nil
        session.remember(items, kind: reference.kind)

        var human: [HumanBlock] = []
        if items.isEmpty {
            human.append(.text("No \(reference.kind.collection) found on \(client.lane.qualifiedName)."))
        } else {
            human.append(.table(views.table(reference.kind, items)))
        }
        if let cursor {
            human.append(.next([pageCommand(request.words, cursor: cursor)]))
        } else if let first = items.first?["id"]?.stringValue {
            human.append(.next(["describe " + ShellQuote.quote("\(reference.kind.rawValue)/\(first)")]))
        }
        return CommandOutput(Views.list(reference.kind, items: items, nextCursor: cursor), human: human)
    }

    /// The same command line with `--cursor` for the next page.
    private func pageCommand(_ typed: [String], cursor: String) -> String {
        var words: [String] = []
        var skip = false
        for word in typed {
            if skip { skip = false; continue }
            if word == "--cursor" { skip = true; continue }
            if word.hasPrefix("--cursor=") { continue }
            words.append(word.contains(" ") ? "'\(word)'" : word)
        }
        return (words + ["--cursor", cursor]).joined(separator: " ")
    }
}
