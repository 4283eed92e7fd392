import Commands

/// AgentRun's queue primitives over the lane's REST API: get, describe, events, logs, result,
/// create, apply, dispatch, cancel, ack, steer, send.
public struct QueuePlugin: CommandPlugin {
    public init() {}

    public let name = "queue"

    public var commands: [any Command] {
        [
            GetCommand(), DescribeCommand(), StreamCommand(.events), StreamCommand(.logs), ResultCommand(),
            CreateCommand(), ApplyCommand(),
            TaskActionCommand(.dispatch), TaskActionCommand(.cancel), TaskActionCommand(.ack),
            MessageCommand(.steer), MessageCommand(.send),
        ]
    }

    static let resourceProvider = "queue-resource"
    static let aipodProvider = "aipod"

    public var completionProviders: [String: CompletionProvider] {
        [
            // `ta` → `task/`, `tasks`; `task/` → `task/t-42`, … from ids seen recently (no network on Tab).
            Self.resourceProvider: { request in
                let (partial, session) = (request.partial, request.session)
                if let slash = partial.firstIndex(of: "/"), let kind = ResourceKind(word: String(partial[..<slash])) {
                    return (session.recentIDs[kind.rawValue] ?? []).map { CompletionCandidate("\(kind.rawValue)/\($0)") }
                }
                return ResourceKind.allCases.flatMap { kind in
                    [
                        CompletionCandidate("\(kind.rawValue)/", "one \(kind.rawValue)"),
                        CompletionCandidate(kind.collection, "list \(kind.collection)"),
                    ]
                }
            },
            Self.aipodProvider: { request in
                var names = request.session.recentIDs["aipod"] ?? []
                if !names.contains("Artificer") { names.append("Artificer") }
                return names.map { CompletionCandidate($0) }
            },
        ]
    }
}
