/// Markdown reference pages generated from the signatures and the config schema, so the docs
/// cannot drift from the code (a test compares them with the committed files).
public enum ReferenceDocs {
    /// `docs/commands.md`: every visible command with usage, arguments, options and examples.
    public static func commands(_ registry: CommandRegistry) -> String {
        var out = """
            # Command reference

            Generated from the command signatures by `scripts/generate-docs`; do not edit by hand.
            Every command also runs one-shot (`ars WORDS…`, `ars -c 'LINE'`) and accepts a leading
            `agentrun` or `bun scripts/cli.ts agentrun`, so runbook lines paste in unchanged.

            Options every command takes:

            | option | meaning |
            | --- | --- |

            """
        for option in Option.common { out += "| `\(option.usage)` | \(describe(option)) |\n" }
        for plugin in registry.plugins {
            let commands = plugin.commands.filter { !$0.signature.isHidden }
            guard !commands.isEmpty else { continue }
            out += "\n## Plugin `\(plugin.name)`\n"
            for command in commands {
                let signature = command.signature
                out += "\n### `\(signature.name)`\n\n\(signature.summary).\n\n```\nars \(Usage.line(signature))\n```\n"
                if let discussion = signature.discussion { out += "\n\(discussion)\n" }
                if signature.lanes == .yamlOnly { out += "\nActs on YAML-only lanes (yamlOnly: true in the catalogue).\n" }
                if !signature.positionals.isEmpty {
                    out += "\n| argument | meaning |\n| --- | --- |\n"
                    for positional in signature.positionals {
                        var text = positional.summary
                        if case .choice(let choices) = positional.kind {
                            text += " (one of " + choices.map { "`\($0)`" }.joined(separator: ", ") + ")"
                        }
                        if let key = positional.contextDefault { text += "; defaults to the context's \(key.rawValue)" }
                        out += "| `\(positional.usage)` | \(text) |\n"
                    }
                }
                if !signature.options.isEmpty {
                    out += "\n| option | meaning |\n| --- | --- |\n"
                    for option in signature.options { out += "| `\(option.usage)` | \(describe(option)) |\n" }
                }
                if !signature.examples.isEmpty {
                    out += "\nExamples:\n\n```\n"
                    for example in signature.examples { out += "# \(example.summary)\n\(example.command)\n" }
                    out += "```\n"
                }
            }
        }
        return out
    }

    private static func describe(_ option: Option) -> String {
        var text = option.summary
        if case .choice(let choices) = option.kind { text += " (one of " + choices.map { "`\($0)`" }.joined(separator: ", ") + ")" }
        if let value = option.defaultValue { text += "; default `\(value)`" }
        if option.isRepeatable { text += "; repeatable" }
        return text.replacing("|", with: "\\|")
    }

    // MARK: - Config schema

    /// The key table of `docs/config.md`.
    public static func configKeys() -> String {
        var out = "| key | type | required | meaning |\n| --- | --- | --- | --- |\n"
        func walk(_ type: SchemaType, path: String) {
            switch type {
            case .object(let fields):
                for field in fields {
                    let childPath = path.isEmpty ? field.name : "\(path).\(field.name)"
                    out +=
                        "| `\(childPath)` | \(field.type.label.replacing("|", with: "\\|")) | \(field.required ? "yes" : "") | \(field.summary.replacing("|", with: "\\|")) |\n"
                    walk(field.type, path: childPath)
                }
            case .map(let keyName, let value):
                walk(value, path: "\(path).<\(keyName)>")
            case .list(let item):
                walk(item, path: "\(path)[]")
            default:
                break
            }
        }
        walk(ConfigSchema.catalog, path: "")
        return out
    }

    /// Replaces the text between `<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED -->`.
    public static func splice(_ generated: String, named name: String, into document: String) -> String? {
        let begin = "<!-- BEGIN GENERATED: \(name) -->\n"
        let end = "<!-- END GENERATED -->"
        guard let start = document.firstRange(of: begin), let stop = document[start.upperBound...].firstRange(of: end) else {
            return nil
        }
        return String(document[..<start.upperBound]) + generated + String(document[stop.lowerBound...])
    }
}
