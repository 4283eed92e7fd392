/// The explicit list of commands the shell knows, checked when it is built.
///
/// Registration validates every signature (duplicate paths, a command that is also a group,
/// clashing option names or short letters, positional order, defaults outside their choices), so
/// a bad signature fails a test rather than confusing a user.
public final class CommandRegistry: Sendable {
    public let plugins: [any CommandPlugin]
    public let commands: [any Command]
    public let completionProviders: [String: CompletionProvider]
    private let byPath: [String: any Command]
    /// Every proper prefix of a command path (`control-plane`), joined by spaces, and the root
    /// (`""`): the groups.
    private let groups: Set<String>

    public init(plugins: [any CommandPlugin]) throws(ArsError) {
        var commands: [any Command] = []
        var byPath: [String: any Command] = [:]
        var providers: [String: CompletionProvider] = [:]
        for plugin in plugins {
            for command in plugin.commands {
                let signature = command.signature
                try Self.validate(signature, plugin: plugin.name)
                guard byPath[signature.name] == nil else {
                    throw Self.invalid("command '\(signature.name)' is registered twice (plugin \(plugin.name))")
                }
                byPath[signature.name] = command
                commands.append(command)
            }
            for (name, provider) in plugin.completionProviders {
                guard providers[name] == nil else {
                    throw Self.invalid("completion provider '\(name)' is registered twice (plugin \(plugin.name))")
                }
                providers[name] = provider
            }
        }
        // A path cannot be both a command and a group of commands (`use` vs `use node`).
        for name in byPath.keys {
            if let clash = byPath.keys.first(where: { $0.hasPrefix(name + " ") }) {
                throw Self.invalid("'\(name)' is both a command and the group of '\(clash)'")
            }
        }
        // Every provider a signature names must exist.
        for command in commands {
            let signature = command.signature
            let completions = signature.positionals.map(\.completion) + signature.allOptions.map(\.completion)
            for case .provider(let name) in completions where providers[name] == nil {
                throw Self.invalid("'\(signature.name)' uses completion provider '\(name)', which no plugin registers")
            }
        }
        self.plugins = plugins
        self.commands = commands
        self.byPath = byPath
        self.groups = Set(
            byPath.keys.flatMap { name in
                let words = name.split(separator: " ")
                return (0..<max(words.count, 1)).map { words.prefix($0).joined(separator: " ") }
            })
        self.completionProviders = providers
    }

    // MARK: Lookup

    /// The command with exactly this path.
    public func command(_ path: [String]) -> (any Command)? { byPath[path.joined(separator: " ")] }

    /// The words that may follow `prefix`: subcommand or group names, sorted.
    public func children(of prefix: [String], includeHidden: Bool = false) -> [String] {
        var names = Set<String>()
        for command in commands where includeHidden || !command.signature.isHidden {
            let path = command.signature.path
            if path.count > prefix.count, Array(path.prefix(prefix.count)) == prefix {
                names.insert(path[prefix.count])
            }
        }
        return names.sorted()
    }

    /// Whether `prefix` names a group (has commands under it); the empty prefix is the root.
    public func isGroup(_ prefix: [String]) -> Bool { groups.contains(prefix.joined(separator: " ")) }

    /// The visible commands under a prefix (all when empty), in registration order.
    public func visibleCommands(under prefix: [String] = []) -> [any Command] {
        commands.filter { !$0.signature.isHidden && Array($0.signature.path.prefix(prefix.count)) == prefix }
    }

    // MARK: Validation

    private static func invalid(_ message: String) -> ArsError {
        ArsError(.internal, code: .invalidSignature, message)
    }

    /// Checks one signature on its own.
    static func validate(_ signature: CommandSignature, plugin: String) throws(ArsError) {
        let where_ = "command '\(signature.name)' (plugin \(plugin))"
        guard !signature.path.isEmpty, signature.path.allSatisfy(isWord) else {
            throw invalid("\(where_): every word of a command path must be lowercase letters, digits or '-'")
        }
        guard !signature.summary.isEmpty else { throw invalid("\(where_): the summary is empty") }

        var longNames = Set<String>()
        var shortNames = Set<Character>()
        for option in signature.allOptions {
            guard isWord(option.name) else { throw invalid("\(where_): bad option name '--\(option.name)'") }
            guard longNames.insert(option.name).inserted else {
                throw invalid("\(where_): option '--\(option.name)' is declared twice or clashes with a common option")
            }
            if let short = option.short {
                guard short.isLetter || short.isNumber else { throw invalid("\(where_): bad short option '-\(short)'") }
                guard shortNames.insert(short).inserted else {
                    throw invalid("\(where_): short option '-\(short)' is used by two options")
                }
            }
            if case .choice(let choices) = option.kind {
                guard !choices.isEmpty else { throw invalid("\(where_): '--\(option.name)' has no choices") }
                if let value = option.defaultValue, !choices.contains(value) {
                    throw invalid("\(where_): default '\(value)' of '--\(option.name)' is not one of its choices")
                }
            }
            if option.isFlag && option.defaultValue != nil {
                throw invalid("\(where_): flag '--\(option.name)' cannot have a default value")
            }
        }

        if signature.isPassthrough && signature.positionals.last?.isVariadic != true {
            throw invalid("\(where_): a passthrough command needs a variadic last positional to receive its words")
        }
        var names = Set<String>()
        var seenOptional = false
        for (index, positional) in signature.positionals.enumerated() {
            guard names.insert(positional.name).inserted else {
                throw invalid("\(where_): positional '\(positional.name)' is declared twice")
            }
            if positional.isVariadic && index != signature.positionals.count - 1 {
                throw invalid("\(where_): variadic positional '\(positional.name)' must be the last one")
            }
            if positional.isOptional {
                seenOptional = true
            } else if seenOptional {
                throw invalid("\(where_): required positional '\(positional.name)' follows an optional one")
            }
        }
    }

    private static func isWord(_ text: String) -> Bool {
        !text.isEmpty && text.first != "-"
            && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }
}
