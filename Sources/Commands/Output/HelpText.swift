/// Help text rendered from signatures: the overview, a group's commands, one command in full.
public enum HelpText {
    /// A stand-in signature for help shown without a command (a group's `--help`).
    static let placeholder = CommandSignature("help", summary: "help")

    /// The commands under a prefix (all when empty), grouped by their first word.
    public static func overview(_ registry: CommandRegistry, under prefix: [String] = []) -> String {
        let commands = registry.visibleCommands(under: prefix)
        var out =
            prefix.isEmpty
            ? "ars — the AgentRun shell\n\nUsage: ars [--config FILE | --sandbox [--scenario DIR]] [COMMAND…] | ars -c 'LINE' | ars run FILE\n\nCommands:\n"
            : "Commands under '\(prefix.joined(separator: " "))':\n"
        let width = commands.map { Usage.line($0.signature).count }.max() ?? 0
        for command in commands {
            let usage = Usage.line(command.signature)
            out += "  " + usage.padded(to: width) + "   " + command.signature.summary + "\n"
        }
        out += "\nRun 'help COMMAND' (or COMMAND --help) for a command's arguments, options and examples.\n"
        return out
    }

    /// Everything about one command: usage, description, arguments, options, examples.
    public static func command(_ signature: CommandSignature) -> String {
        var out = "\(signature.summary)\n\nUsage: \(Usage.line(signature))\n"
        if let discussion = signature.discussion { out += "\n\(discussion)\n" }
        if signature.lanes == .yamlOnly { out += "\nActs on YAML-only lanes (yamlOnly: true in the catalogue).\n" }
        if !signature.positionals.isEmpty {
            out += "\nArguments:\n"
            let width = signature.positionals.map { $0.name.count }.max() ?? 0
            for positional in signature.positionals {
                var line =
                    "  " + positional.name.uppercased().padded(to: width) + "   " + positional.summary
                if case .choice(let choices) = positional.kind { line += " (\(choices.joined(separator: "|")))" }
                if let key = positional.contextDefault { line += " [default: the context's \(key.rawValue)]" }
                out += line + "\n"
            }
        }
        out += "\nOptions:\n"
        let options = signature.allOptions
        let width = options.map { $0.usage.count }.max() ?? 0
        for option in options {
            var line = "  " + option.usage.padded(to: width) + "   " + option.summary
            if case .choice(let choices) = option.kind { line += " (\(choices.joined(separator: "|")))" }
            if let value = option.defaultValue { line += " [default: \(value)]" }
            if option.isRepeatable { line += " [repeatable]" }
            out += line + "\n"
        }
        if !signature.examples.isEmpty {
            out += "\nExamples:\n"
            for example in signature.examples {
                out += "  # \(example.summary)\n  \(example.command)\n"
            }
        }
        return out
    }
}

extension String {
    /// The text followed by spaces up to `width` characters.
    fileprivate func padded(to width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }
}
