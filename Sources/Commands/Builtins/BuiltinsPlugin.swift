/// The shell's own commands, registered like any plugin.
public struct BuiltinsPlugin: CommandPlugin {
    public init() {}

    public let name = "builtins"

    public var commands: [any Command] {
        [
            UseNodeCommand(), UseLaneCommand(), UseTaskCommand(), ContextCommand(),
            ConfigViewCommand(), ConfigValidateCommand(), ConfigTrustCommand(),
            HelpCommand(), HistoryCommand(), EchoCommand(), ExitCommand(), CompletionCommand(),
        ]
    }

    public var completionProviders: [String: CompletionProvider] {
        [
            CompletionProviders.node: { request in
                guard let catalog = try? request.session.config().catalog else { return [] }
                return catalog.nodes.map { node in
                    CompletionCandidate(
                        node.name, "\(node.bridge.kind.rawValue) bridge; lanes: \(node.lanes.map(\.name).joined(separator: ", "))")
                }
            },
            CompletionProviders.lane: { request in
                guard let catalog = try? request.session.config().catalog else { return [] }
                // The node typed on the same line wins over the context's.
                let node = catalog.node(request.option("node") ?? request.session.context.node ?? catalog.defaultNode)
                return (node?.lanes ?? catalog.nodes.flatMap(\.lanes)).map { lane in
                    CompletionCandidate(lane.name, "\(lane.qualifiedName) namespace \(lane.namespace)")
                }
            },
            CompletionProviders.task: { request in
                var ids = request.session.recentIDs["task"] ?? []
                if let current = request.session.context.task, !ids.contains(current) { ids.insert(current, at: 0) }
                return ids.map { CompletionCandidate($0) }
            },
        ]
    }
}
