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
        // The root and every proper prefix of a path: the text before each of its spaces.
        var groups: Set<String> = byPath.isEmpty ? [] : [""]
        for name in byPath.keys {
            for space in name.indices where name[space] == " " { groups.insert(String(name[..<space])) }
        }
        // A path cannot be both a command and a group of commands (`use` vs `use node`).
        for name in byPath.keys where groups.contains(name) {
            let clash = byPath.keys.filter { $0.hasPrefix(name + " ") }.sorted().first ?? ""
            throw Self.invalid("'\(name)' is both a command and the group of '\(clash)'")
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
        self.groups = groups
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
        // Built only for an error: the checks run at every start.
        var where_: String { "command '\(signature.name)' (plugin \(plugin))" }
        guard !signature.path.isEmpty, signature.path.allSatisfy(isWord) else {
            throw invalid("\(where_): every word of a command path must be lowercase letters, digits or '-'")
        }
        guard !signature.summary.isEmpty else { throw invalid("\(where_): the summary is empty") }

        // A few options each: linear scans beat hashing strings.
        let options = signature.allOptions
        for (index, option) in options.enumerated() {
            guard isWord(option.name) else { throw invalid("\(where_): bad option name '--\(option.name)'") }
            guard !options[..<index].contains(where: { $0.name == option.name }) else {
                throw invalid("\(where_): option '--\(option.name)' is declared twice or clashes with a common option")
            }
            if let short = option.short {
                guard short.isASCII && (short.isLetter || short.isNumber) else { throw invalid("\(where_): bad short option '-\(short)'") }
                guard !options[..<index].contains(where: { $0.short == short }) else {
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
        var seenOptional = false
        for (index, positional) in signature.positionals.enumerated() {
            guard !signature.positionals[..<index].contains(where: { $0.name == positional.name }) else {
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
        !text.isEmpty && text.utf8.first != UInt8(ascii: "-")
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
    }
}
