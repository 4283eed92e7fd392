import Commands
import FoundationEssentials

/// `create task`: a new task from flags, a prompt source and optional JSON files.
struct CreateCommand: QueueCommand {
    let signature = CommandSignature(
        "create", summary: "Create a task",
        discussion:
            "Give the prompt with exactly one of --prompt, --prompt-stdin, --prompt-file, or inside --json-file. Every input is read and checked before anything is sent. The request carries an Idempotency-Key, so a retry after a lost response never creates a second task.",
        positionals: [Positional("kind", "What to create", kind: .choice(["task"]))],
        options: QueueFlags.lane + [
            Option(
                "aipod", "The aipod that runs the task (e.g. Artificer)", valueName: "NAME",
                completion: .provider(QueuePlugin.aipodProvider)),
            Option("prompt", "The prompt text", valueName: "TEXT"),
            .flag("prompt-stdin", "Read the prompt from standard input (a heredoc)"),
            Option("prompt-file", "Read the prompt from a file", kind: .file),
            Option("json-file", "A reviewed JSON file with the task body (aipod, prompt, name, labels, runner)", kind: .file),
            Option("runner-json-file", "A reviewed JSON file with the runner settings", kind: .file),
            Option("name", "A name for the task (apply updates tasks by name)"),
            Option("label", "A label (k=v)", valueName: "K=V", repeatable: true),
            .flag("dispatch", "Dispatch the task right after creating it"),
        ],
        examples: [
            Example("create task --aipod Artificer --prompt-stdin <<'EOF'\n检查 runner egress …\nEOF", "The daily way to create a task"),
            Example("create task --aipod Artificer --prompt '报告 codeload.github.com 的 HTTP 状态' --dispatch", "Create and dispatch at once"),
        ])

    /// A checked task body, and whether to dispatch it at once.
    struct Request: Sendable {
        let body: Value
        let dispatch: Bool
    }

    /// Every input is read and checked here, before the client exists: a bad label, an empty
    /// prompt or an unreadable file sends nothing.
    func request(_ invocation: Invocation, in session: Session) throws -> Request {
        let sources = [invocation.option("prompt") != nil, invocation.flag("prompt-stdin"), invocation.option("prompt-file") != nil].filter
        { $0 }.count
        if sources > 1 {
            throw ArsError.usage(.promptSources, "give the prompt only once: --prompt, --prompt-stdin or --prompt-file")
        }
        if sources == 0 && invocation.option("json-file") == nil {
            throw ArsError.usage(
                .missingPrompt, "no prompt given",
                hint: "use --prompt TEXT, --prompt-stdin (heredoc), --prompt-file FILE or --json-file FILE")
        }
        if invocation.option("aipod") == nil && invocation.option("json-file") == nil {
            throw ArsError.usage(.missingAipod, "no aipod given", hint: "add --aipod NAME, e.g. --aipod Artificer")
        }
        for label in invocation.optionList("label") where !label.contains("=") {
            throw ArsError.usage(.badValue, "--label needs K=V, got '\(label)'")
        }
        return Request(body: try taskBody(invocation, in: session), dispatch: invocation.flag("dispatch"))
    }

    func run(_ request: Request, client: AgentRunClient, in session: Session) async throws -> CommandOutput {
        let body = request.body
        let key = UUID().uuidString.lowercased()
        let exchange: Exchange
        do {
            exchange = try await client.post("/tasks", body: body, idempotencyKey: key)
        } catch let error as ArsError where [ErrorCode.connectionReset, .transport, .timeout].contains(error.code) {
            // The response was lost; the same key makes the retry safe (the server answers with
            // the task it already created).
            session.progress("create: \(error.message); retrying once with the same Idempotency-Key")
            exchange = try await client.post("/tasks", body: body, idempotencyKey: key)
        }
        var task = exchange.data
        let id = task["id"]?.stringValue ?? "?"
        session.remember([id], kind: "task")
        if request.dispatch {
            task = try await client.post("/tasks/\(id)/dispatch").data
            session.remember([task], kind: .task)
        }
        let views = Views(now: session.clock.now())
        return CommandOutput(
            Views.schema("Task", task),
            human: [
                .summary(
                    "task/\(id) \(request.dispatch ? "created and dispatched" : "created") (aipod \(task["aipod"]?.stringValue ?? "?"))"),
                .text(views.lifecycle(task: task)),
                .next(
                    request.dispatch
                        ? ["describe " + ShellQuote.quote("task/\(id)"), "use task " + ShellQuote.quote(id)]
                        : ["dispatch " + ShellQuote.quote("task/\(id)"), "use task " + ShellQuote.quote(id)]),
            ])
    }

    /// The request body from the JSON file and the flags (flags win), read completely first.
    private func taskBody(_ invocation: Invocation, in session: Session) throws -> Value {
        var body = try invocation.option("json-file").map { try InputFiles.jsonObject($0, in: session).objectValue ?? Object() } ?? Object()
        if let aipod = invocation.option("aipod") { body["aipod"] = .string(aipod) }
        if let name = invocation.option("name") { body["name"] = .string(name) }
        if let prompt = invocation.option("prompt") {
            body["prompt"] = .string(prompt)
        } else if invocation.flag("prompt-stdin") {
            body["prompt"] = .string(session.io.stdin.readAll())
        } else if let file = invocation.option("prompt-file") {
            body["prompt"] = .string(try InputFiles.read(file, in: session).text)
        }
        if !invocation.optionList("label").isEmpty {
            var labels = body["labels"]?.objectValue ?? Object()
            for label in invocation.optionList("label") {
                let parts = label.split(separator: "=", maxSplits: 1)
                labels[String(parts[0])] = .string(parts.count > 1 ? String(parts[1]) : "")
            }
            body["labels"] = .object(labels)
        }
        if let runner = invocation.option("runner-json-file") { body["runner"] = try InputFiles.jsonObject(runner, in: session) }
        guard let prompt = body["prompt"]?.stringValue, !prompt.trimmingWhitespace().isEmpty else {
            throw ArsError.usage(.missingPrompt, "the prompt is empty")
        }
        guard body["aipod"]?.stringValue?.isEmpty == false else {
            throw ArsError.usage(.missingAipod, "no aipod given (neither --aipod nor in --json-file)")
        }
        try TaskRules.check(body)
        return .object(body)
    }
}
