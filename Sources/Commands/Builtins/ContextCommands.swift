// MARK: - use node | lane | task

/// `use node NAME`: makes NAME the current node.
struct UseNodeCommand: Command {
    let signature = CommandSignature(
        "use node", summary: "Set the current node",
        discussion: "The lane is kept when the new node has a lane of that name, and cleared otherwise.",
        positionals: [Positional("name", "Node name from the lane catalogue", completion: .provider(CompletionProviders.node))],
        examples: [Example("use node G14", "Work on the G14 node")])

    func resolve(_ invocation: Invocation, in session: Session) throws -> NodeSettings {
        let name = invocation.argument("name") ?? ""
        let catalog = try session.config().catalog
        guard let node = catalog.node(name) else {
            throw ArsError.usage(
                .unknownNode, "unknown node '\(name)'",
                hint: Suggestions.hint(for: name, in: catalog.nodes.map(\.name))
                    ?? "nodes: \(catalog.nodes.map(\.name).joined(separator: ", "))")
        }
        return node
    }

    func run(_ node: NodeSettings, in session: Session) async throws -> CommandOutput {
        session.context.node = node.name
        if let lane = session.context.lane, node.lane(lane) == nil { session.context.lane = nil }
        return ContextCommand.describe(session)
    }
}

/// `use lane NAME [--node NODE]`: makes NAME the current lane.
struct UseLaneCommand: Command {
    let signature = CommandSignature(
        "use lane", summary: "Set the current lane (and optionally its node)",
        positionals: [Positional("name", "Lane name, e.g. v01", completion: .provider(CompletionProviders.lane))],
        options: [.node],
        examples: [
            Example("use lane v01 --node G14", "The historic v0.1 lane on G14"), Example("use lane v02 --node D601", "A YAML-only lane"),
        ])

    struct Options: LaneScoped { let lane: LaneSettings }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        Options(lane: try session.lane(node: invocation.option("node") ?? session.context.node, lane: invocation.argument("name") ?? ""))
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let lane = options.lane
        session.context.node = lane.node
        session.context.lane = lane.name
        return ContextCommand.describe(session)
    }
}

/// `use task ID`: makes ID the task that task commands default to.
struct UseTaskCommand: Command {
    let signature = CommandSignature(
        "use task", summary: "Set the current task (commands that take a task default to it)",
        positionals: [
            Positional("id", "Task id, as 't-42' or 'task/t-42'; '-' clears it", completion: .provider(CompletionProviders.task))
        ],
        examples: [Example("use task t-42", "Later 'result', 'events' and 'steer' act on t-42")])

    /// The task id, or nil for `-` (clear it).
    func resolve(_ invocation: Invocation, in session: Session) throws -> String? {
        let given = invocation.argument("id") ?? ""
        let id = given.hasPrefix("task/") ? String(given.dropFirst("task/".count)) : given
        guard !id.isEmpty, !id.contains("/"), !id.contains(where: \.isWhitespace) else {
            throw ArsError.usage(.badValue, "'\(given)' is not a task id", hint: "write it as t-42 or task/t-42")
        }
        return id == "-" ? nil : id
    }

    func run(_ id: String?, in session: Session) async throws -> CommandOutput {
        session.context.task = id
        if let id { session.remember([id], kind: "task") }
        return ContextCommand.describe(session)
    }
}

// MARK: - context

/// `context`: where commands will act, and why.
struct ContextCommand: Command {
    let signature = CommandSignature(
        "context", summary: "Show the current node, lane and task",
        discussion: "Values set with 'use' win over the catalogue's defaults; scripts always start from the defaults.")

    func run(_ options: NoOptions, in session: Session) async throws -> CommandOutput {
        Self.describe(session)
    }

    /// The context as a value and as fields, noting which parts come from the catalogue's defaults.
    static func describe(_ session: Session) -> CommandOutput {
        var object = Object()
        var fields: [(String, String)] = []
        var warnings: [HumanBlock] = []
        let config: LoadedConfig?
        do { config = try session.config() } catch {
            config = nil
            warnings.append(.warning("\(error.message)" + (error.hint.map { " (\($0))" } ?? "")))
        }
        let lane = config.flatMap { _ in try? session.lane() }
        let node = session.context.node ?? lane?.node
        let laneName = session.context.lane ?? lane?.name
        object["node"] = .optional(node)
        object["lane"] = .optional(laneName)
        object["task"] = .optional(session.context.task)
        fields.append(("node", (node ?? "-") + (session.context.node == nil && node != nil ? "  (catalogue default)" : "")))
        fields.append(("lane", (laneName ?? "-") + (session.context.lane == nil && laneName != nil ? "  (catalogue default)" : "")))
        fields.append(("task", session.context.task ?? "-"))
        if let lane {
            object["namespace"] = .string(lane.namespace)
            object["restBaseUrl"] = .string(lane.restBaseURL)
            fields.append(("namespace", lane.namespace))
            fields.append(("restBaseUrl", lane.restBaseURL))
        }
        if let config {
            object["config"] = .string(config.path)
            fields.append(("config", "\(config.path)  (\(config.source))"))
        }
        return CommandOutput(.object(object), human: warnings + [.fields(fields)])
    }
}
