import Commands

/// `apply -f FILE|-`: create or update tasks by name from YAML or JSON manifests.
struct ApplyCommand: QueueCommand {
    let signature = CommandSignature(
        "apply", summary: "Create or update tasks by name from YAML or JSON manifests",
        discussion:
            "The file (or stdin with -f -) holds one or more documents, each a Task manifest (kind: Task, name, aipod, prompt, labels) or a List with items. Every document is checked before anything is sent; errors point at file:line:col.",
        options: QueueFlags.lane + [Option("filename", short: "f", "Manifest file, or - for stdin", kind: .file, valueName: "FILE")],
        examples: [
            Example(
                "apply -f - <<'EOF'\nkind: Task\nname: egress-check\naipod: Artificer\nprompt: 检查 runner egress\nEOF",
                "A quoted YAML heredoc")
        ])

    static let fields: Set<String> = ["kind", "apiVersion", "name", "aipod", "prompt", "labels"]

    /// The manifests, read and checked completely before anything is sent.
    func request(_ invocation: Invocation, in session: Session) throws -> [Value] {
        guard let file = invocation.option("filename") else {
            throw ArsError.usage(.missingFile, "apply needs -f FILE or -f - (stdin)")
        }
        let (text, name) = try InputFiles.read(file, in: session)
        return try Self.manifests(text, name: name)
    }

    func run(_ manifests: [Value], client: AgentRunClient, in session: Session) async throws -> CommandOutput {
        let result = try await client.post("/tasks/apply", body: .object(["items": .array(manifests)])).data
        let items = result["items"]?.arrayValue ?? []
        session.remember(items.compactMap { $0.lookup("task.id")?.stringValue }, kind: "task")
        let table = Table(
            columns: [.init("name"), .init("action"), .init("task"), .init("status")],
            rows: items.map {
                [
                    $0["name"]?.stringValue ?? "", $0["action"]?.stringValue ?? "", $0.lookup("task.id")?.stringValue ?? "",
                    $0.lookup("task.status")?.stringValue ?? "",
                ]
            })
        let created = items.filter { $0["action"]?.stringValue == "created" }.compactMap { $0.lookup("task.id")?.stringValue }
        return CommandOutput(
            .object(["apiVersion": "ars/v1", "kind": "ApplyResult", "items": .array(items)]),
            human: [
                .summary("applied \(items.count) manifest\(items.count == 1 ? "" : "s")"), .table(table),
                .next(created.map { "dispatch " + ShellQuote.quote("task/\($0)") }),
            ])
    }

    /// Every manifest in the text, checked: a `Task` with string `name`, `aipod` and `prompt`,
    /// string labels, and no unknown keys.
    static func manifests(_ text: String, name: String) throws(ArsError) -> [Value] {
        var manifests: [Value] = []
        // Every bad manifest is reported, not just the first.
        var problems: [ArsError] = []
        for document in try InputFiles.documents(text, name: name) {
            let entries: [(Value, String)]
            if document.value["kind"]?.stringValue == "List" || (document.value["items"] != nil && document.value["kind"] == nil) {
                entries = (document.value["items"]?.arrayValue ?? []).enumerated().map { ($1, "items[\($0)]") }
            } else {
                entries = [(document.value, "")]
            }
            for (manifest, path) in entries {
                do throws(ArsError) {
                    /// Unknown keys point at the key; bad values at the value.
                    func fail(_ message: String, at field: String, hint: String? = nil, atValue: Bool = false) -> ArsError {
                        let full = path.isEmpty ? field : (field.isEmpty ? path : "\(path).\(field)")
                        let position =
                            (atValue ? document.valuePositions[full] : nil)
                            ?? document.position(of: full) ?? document.position(of: path) ?? YAML.Position(line: 1, column: 1)
                        return InputFiles.located(.badManifest, message, name: name, text: text, at: position, hint: hint)
                    }
                    guard let object = manifest.objectValue else {
                        throw fail("a manifest must be a mapping, not a \(manifest.typeName)", at: "")
                    }
                    for key in object.keys where !fields.contains(key) {
                        if let mirror = TaskRules.mirrorProblems(.object(Object([(key, object[key] ?? .null)])), at: "").first {
                            throw fail(mirror.message, at: key)
                        }
                        throw fail(
                            "unknown field '\(key)' in a Task manifest", at: key,
                            hint: Suggestions.hint(for: key, in: Array(fields)) ?? "fields: name, aipod, prompt, labels")
                    }
                    if let kind = object["kind"], kind.stringValue != "Task" {
                        throw fail("kind must be Task, got \(kind.plainText)", at: "kind", atValue: true)
                    }
                    for field in ["name", "aipod", "prompt"] {
                        guard let value = object[field] else {
                            throw fail("the manifest has no '\(field)'", at: "", hint: "add '\(field):'")
                        }
                        guard let string = value.stringValue, !string.isEmpty else {
                            throw fail("'\(field)' must be a non-empty string", at: field, atValue: true)
                        }
                    }
                    if let labels = object["labels"] {
                        guard let map = labels.objectValue else {
                            throw fail("'labels' must be a mapping of strings", at: "labels", atValue: true)
                        }
                        for (key, value) in map where value.stringValue == nil {
                            throw fail("label '\(key)' must be a string (quote it)", at: "labels.\(key)", atValue: true)
                        }
                    }
                    if let problem = TaskRules.problems(object).first {
                        throw fail(problem.message, at: problem.field.components(separatedBy: "[").first ?? problem.field, atValue: true)
                    }
                    var clean = object
                    clean["apiVersion"] = nil
                    clean["kind"] = "Task"
                    manifests.append(.object(clean))
                } catch {
                    problems.append(error)
                }
            }
        }
        if problems.count == 1 { throw problems[0] }
        if problems.count > 1 {
            throw ArsError.invalidInput(
                .badManifest,
                "\(problems.count) manifests in \(name) are invalid; nothing was sent:\n"
                    + problems.map { "  \($0.location.map { "\($0):" } ?? "") \($0.message)" }.joined(separator: "\n"),
                hint: "fix every one and apply again")
        }
        guard !manifests.isEmpty else {
            throw ArsError.invalidInput(.emptyManifest, "\(name) holds no manifests", hint: "write at least one 'kind: Task' document")
        }
        let names = manifests.compactMap { $0["name"]?.stringValue }
        if let duplicate = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw ArsError.invalidInput(
                .duplicateName, "two manifests are named '\(duplicate)'", hint: "names identify tasks for apply; make them unique")
        }
        return manifests
    }
}
