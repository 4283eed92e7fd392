import Commands

/// The old UniDesk Code Queue is frozen: its write commands answer "frozen" and name the AgentRun
/// queue primitive to use instead. Nothing is sent anywhere.
public struct LegacyPlugin: CommandPlugin {
    public init() {}

    public let name = "legacy"

    /// Each frozen command and what replaces it.
    static let frozen: [(path: String, replacement: String, example: String)] = [
        ("codex submit", "create task", "create task --aipod Artificer --prompt-stdin"),
        ("codex enqueue", "create task + dispatch", "create task --aipod Artificer --prompt-stdin; dispatch task/ID"),
        ("codex steer", "steer", "steer task/ID --message '…'"),
        ("codex resume", "send", "send session/ID --message '…'"),
        ("codex queue create", "apply", "apply -f tasks.yaml"),
        ("codex queue merge", "apply", "apply -f tasks.yaml"),
        ("codex move", "cancel + create task", "cancel task/ID; create task --aipod Artificer --prompt-stdin"),
    ]

    public var commands: [any Command] {
        Self.frozen.map { FrozenCommand(path: $0.path, replacement: $0.replacement, example: $0.example) }
    }
}

/// A frozen Code Queue write: always refused with exit 4.
struct FrozenCommand: Command {
    let signature: CommandSignature
    let replacement: String
    let example: String

    init(path: String, replacement: String, example: String) {
        self.signature = CommandSignature(
            path, summary: "Frozen: the old Code Queue takes no new work; use '\(replacement)'",
            discussion:
                "The old UniDesk Code Queue is frozen. New work goes through the AgentRun queue primitives, e.g. '\(example)'. Its history is not migrated and there is no fallback or double-write.",
            positionals: [Positional("args", "Ignored", variadic: true)],
            isPassthrough: true)
        self.replacement = replacement
        self.example = example
    }

    /// Refused while resolving, so `check` reports it too and nothing ever runs.
    func resolve(_ invocation: Invocation, in session: Session) throws -> Never {
        throw ArsError(
            .refused, code: .frozen, "'\(signature.name)' is frozen: the old Code Queue takes no new work",
            hint: "use the AgentRun queue instead: \(example)")
    }

    func run(_ options: Never, in session: Session) async throws -> CommandOutput {}
}
