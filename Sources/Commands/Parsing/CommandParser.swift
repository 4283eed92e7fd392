/// Turns tokens into an `Invocation`, driven entirely by the registered signatures.
///
/// Pure: no session, no I/O. Errors are typed usage errors with the column of the offending word
/// and a did-you-mean where one helps.
public struct CommandParser: Sendable {
    public let registry: CommandRegistry

    public init(registry: CommandRegistry) { self.registry = registry }

    /// Stands in for a `${…}` word when a script is checked without running: the parser accepts
    /// it for any value kind, since the real value is known only at run time.
    public static let interpolationPlaceholder = "\u{1}interpolated\u{1}"

    /// Word sequences that may precede a command so runbook lines paste in unchanged.
    public static let pastePrefixes: [[String]] = [["bun", "scripts/cli.ts", "agentrun"], ["agentrun"]]

    /// Drops a leading `agentrun` or `bun scripts/cli.ts agentrun`.
    public static func stripPastePrefix(_ tokens: [Token]) -> [Token] {
        for prefix in pastePrefixes where tokens.count >= prefix.count {
            if zip(tokens, prefix).allSatisfy({ !$0.quoted && $0.text == $1 }) {
                return Array(tokens.dropFirst(prefix.count))
            }
        }
        return tokens
    }

    /// Parses a whole line.
    public func parse(line: String) throws(ArsError) -> Invocation {
        try parse(Tokenizer.tokenize(line), line: line)
    }

    /// Parses tokens; `line` is used only to point at the offending word in errors.
    public func parse(_ rawTokens: [Token], line: String? = nil) throws(ArsError) -> Invocation {
        let tokens = Self.stripPastePrefix(rawTokens)
        func location(_ token: Token?) -> SourceLocation? {
            guard let line else { return nil }
            return SourceLocation(column: (token?.start ?? line.count) + 1, lineText: line)
        }
        guard !tokens.isEmpty else {
            throw ArsError.usage(.emptyCommand, "no command given", hint: "type 'help' to see the commands")
        }

        // Resolve the command path: the longest run of words that names a command.
        var path: [String] = []
        var index = 0
        while index < tokens.count, !tokens[index].quoted, registry.isGroup(path) {
            let word = tokens[index].text
            let next = path + [word]
            guard registry.command(next) != nil || registry.isGroup(next) else { break }
            path = next
            index += 1
            if registry.command(path) != nil { break }
        }
        guard let command = registry.command(path) else {
            let options = registry.children(of: path)
            if index < tokens.count {
                let word = tokens[index].text
                let what = path.isEmpty ? "unknown command '\(word)'" : "unknown command '\((path + [word]).joined(separator: " "))'"
                let hint =
                    Suggestions.hint(for: word, in: options)
                    ?? (path.isEmpty
                        ? "type 'help' to see the commands"
                        : "'\(path.joined(separator: " "))' takes one of: \(options.joined(separator: ", "))")
                throw ArsError.usage(.unknownCommand, what, hint: hint, location: location(tokens[index]))
            }
            throw ArsError.usage(
                .missingSubcommand, "'\(path.joined(separator: " "))' needs a subcommand",
                hint: "one of: \(options.joined(separator: ", "))", location: location(nil))
        }
        return try parseArguments(Array(tokens[index...]), for: command.signature, words: tokens.map(\.text), location: location)
    }

    // MARK: - Arguments and options

    private func parseArguments(
        _ tokens: [Token], for signature: CommandSignature, words: [String],
        location: (Token?) -> SourceLocation?
    ) throws(ArsError) -> Invocation {
        var invocation = Invocation(signature: signature, words: words)
        if signature.isPassthrough, let last = signature.positionals.last, last.isVariadic {
            if tokens.contains(where: { !$0.quoted && ($0.text == "--help" || $0.text == "-h") }) {
                invocation.options[Option.help.name] = ["true"]
            } else if !tokens.isEmpty {
                invocation.arguments[last.name] = tokens.map(\.text)
            }
            return invocation
        }
        var positionalTokens: [Token] = []
        var index = 0
        var optionsEnded = false

        func record(_ option: Option, _ value: String, _ token: Token) throws(ArsError) {
            if let kind = option.kind {
                try check(value, kind: kind, what: "'--\(option.name)'", token: token, location: location)
            }
            if invocation.options[option.name] != nil, !option.isRepeatable, !option.isFlag {
                throw ArsError.usage(
                    .repeatedOption, "'--\(option.name)' is given more than once",
                    hint: "give it once", location: location(token))
            }
            invocation.options[option.name, default: []].append(value)
        }

        while index < tokens.count {
            let token = tokens[index]
            let text = token.text
            index += 1
            if optionsEnded || token.quoted || !text.hasPrefix("-") || text == "-" || isNegativeNumber(text) {
                positionalTokens.append(token)
                continue
            }
            if text == "--" { optionsEnded = true; continue }

            // Find the option and an attached value (`--name=value`, `-ovalue`).
            let option: Option
            var attached: String?
            if text.hasPrefix("--") {
                let body = text.dropFirst(2)
                let name = body.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                if let equals = body.firstIndex(of: "=") { attached = String(body[body.index(after: equals)...]) }
                guard let found = signature.option(named: name) else {
                    throw ArsError.usage(
                        .unknownOption, "unknown option '--\(name)' for '\(signature.name)'",
                        hint: Suggestions.hint(for: "--\(name)", in: signature.allOptions.map { "--\($0.name)" })
                            ?? "see 'help \(signature.name)' for its options",
                        location: location(token))
                }
                option = found
            } else {
                let letter = text.dropFirst().first!
                guard let found = signature.option(short: letter) else {
                    throw ArsError.usage(
                        .unknownOption, "unknown option '-\(letter)' for '\(signature.name)'",
                        hint: "see 'help \(signature.name)' for its options", location: location(token))
                }
                option = found
                let rest = String(text.dropFirst(2))
                if !rest.isEmpty {
                    guard !found.isFlag else {
                        throw ArsError.usage(
                            .unknownOption, "'-\(letter)' takes no value, so '\(text)' is not understood",
                            hint: "write flags separately, e.g. '-\(letter)'", location: location(token))
                    }
                    attached = rest.hasPrefix("=") ? String(rest.dropFirst()) : rest
                }
            }

            if option.isFlag {
                if let attached {
                    throw ArsError.usage(
                        .flagWithValue, "'--\(option.name)' is a flag and takes no value (got '\(attached)')",
                        hint: "write '--\(option.name)' alone", location: location(token))
                }
                try record(option, "true", token)
            } else if let attached {
                try record(option, attached, token)
            } else {
                guard index < tokens.count else {
                    throw ArsError.usage(
                        .missingValue, "'--\(option.name)' needs a value (\(option.valueName))",
                        hint: Self.choicesHint(option.kind) ?? "write '--\(option.name) \(option.valueName)'",
                        location: location(nil))
                }
                try record(option, tokens[index].text, tokens[index])
                index += 1
            }
        }

        // `--help` short-circuits argument checks: the dispatcher shows help instead.
        if invocation.flag(Option.help.name) { return invocation }

        var remaining = positionalTokens[...]
        for positional in signature.positionals {
            if positional.isVariadic {
                for token in remaining {
                    try check(token.text, kind: positional.kind, what: positional.name.uppercased(), token: token, location: location)
                }
                if !remaining.isEmpty { invocation.arguments[positional.name] = remaining.map(\.text) }
                remaining = []
                break
            }
            guard let token = remaining.first else { break }
            try check(token.text, kind: positional.kind, what: positional.name.uppercased(), token: token, location: location)
            invocation.arguments[positional.name] = [token.text]
            remaining = remaining.dropFirst()
        }
        if let extra = remaining.first {
            throw ArsError.usage(
                .extraArgument, "unexpected argument '\(extra.text)' for '\(signature.name)'",
                hint: "usage: \(Usage.line(signature))", location: location(extra))
        }
        return invocation
    }

    /// Reports positionals that are still missing after the context filled what it could.
    public static func checkRequired(_ invocation: Invocation) throws(ArsError) {
        for positional in invocation.signature.positionals where !positional.isOptional && invocation.arguments[positional.name] == nil {
            var hint = "usage: \(Usage.line(invocation.signature))"
            if let key = positional.contextDefault { hint += "; or set it once with 'use \(key.rawValue) …'" }
            if let choices = choicesHint(positional.kind) { hint = choices + "; " + hint }
            throw ArsError.usage(
                .missingArgument, "'\(invocation.signature.name)' needs \(positional.name.uppercased()) (\(positional.summary))",
                hint: hint)
        }
    }

    private func check(_ value: String, kind: ValueKind, what: String, token: Token, location: (Token?) -> SourceLocation?) throws(ArsError)
    {
        if value.contains(Self.interpolationPlaceholder) { return }
        switch kind {
        case .choice(let choices) where !choices.contains(value):
            let suggestion = Suggestions.closest(to: value, in: choices, limit: 1).first.map { "did you mean '\($0)'? " } ?? ""
            throw ArsError.usage(
                .badChoice, "'\(value)' is not a valid value for \(what)",
                hint: suggestion + "choose one of: \(choices.joined(separator: ", "))", location: location(token))
        case .int where Int(value) == nil:
            throw ArsError.usage(.badValue, "\(what) needs a whole number, got '\(value)'", location: location(token))
        case .duration where Durations.parse(value) == nil:
            throw ArsError.usage(
                .badValue, "\(what) needs a duration, got '\(value)'",
                hint: "write it like 30s, 40m, 1h30m or 500ms", location: location(token))
        default:
            break
        }
    }

    private static func choicesHint(_ kind: ValueKind?) -> String? {
        guard case .choice(let choices) = kind else { return nil }
        return "choose one of: \(choices.joined(separator: ", "))"
    }

    private func isNegativeNumber(_ text: String) -> Bool { text.count > 1 && Double(text) != nil }
}

/// Usage lines built from a signature.
public enum Usage {
    /// `use node NAME [-o FORMAT]`-style synopsis.
    public static func line(_ signature: CommandSignature) -> String {
        var parts = [signature.name]
        parts += signature.positionals.map(\.usage)
        if !signature.options.isEmpty { parts.append("[options]") }
        return parts.joined(separator: " ")
    }
}
