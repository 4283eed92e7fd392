// MARK: - help

/// `help [COMMAND…]`: the overview, a group's commands, or one command in full.
struct HelpCommand: Command {
    let signature = CommandSignature(
        "help", summary: "Show the commands, or help for one command",
        positionals: [Positional("command", "Command words, e.g. 'use lane'", variadic: true, completion: .commandPath)],
        examples: [Example("help", "List every command"), Example("help use lane", "Arguments and options of 'use lane'")])

    func resolve(_ invocation: Invocation, in session: Session) throws -> [String] { invocation.argumentList("command") }

    func run(_ words: [String], in session: Session) async throws -> CommandOutput {
        let registry = session.registry
        if words.isEmpty {
            return CommandOutput(.null, human: [.text(HelpText.overview(registry))])
        }
        if let command = registry.command(words) {
            return CommandOutput(.null, human: [.text(HelpText.command(command.signature))])
        }
        if registry.isGroup(words) {
            return CommandOutput(.null, human: [.text(HelpText.overview(registry, under: words))])
        }
        let names = registry.visibleCommands().map(\.signature.name)
        throw ArsError.usage(
            .unknownCommand, "no command '\(words.joined(separator: " "))'",
            hint: Suggestions.hint(for: words.joined(separator: " "), in: names) ?? "type 'help' to see the commands")
    }
}

// MARK: - history

/// `history`: the REPL's previous lines.
struct HistoryCommand: Command {
    let signature = CommandSignature(
        "history", summary: "Show the lines entered in the REPL",
        options: [Option("limit", "Show only the last N lines", kind: .int)])

    /// How many of the last lines to show; nil shows them all.
    func resolve(_ invocation: Invocation, in session: Session) throws -> Int? {
        guard let limit = invocation.intOption("limit") else { return nil }
        guard limit >= 0 else { throw ArsError.usage(.badValue, "--limit must be 0 or more (got \(limit))") }
        return limit
    }

    func run(_ limit: Int?, in session: Session) async throws -> CommandOutput {
        var lines = session.history()
        if let limit { lines = Array(lines.suffix(limit)) }
        let offset = session.history().count - lines.count
        let text = lines.enumerated().map { index, line in
            let number = String(offset + index + 1)
            return String(repeating: " ", count: max(0, 5 - number.count)) + number + "  " + line
        }.joined(separator: "\n")
        return CommandOutput(.array(lines.map(Value.string)), human: text.isEmpty ? [] : [.text(text)])
    }
}

// MARK: - echo

/// `echo WORDS…`: prints its arguments (and, in scripts, interpolated values).
struct EchoCommand: Command {
    let signature = CommandSignature(
        "echo", summary: "Print the arguments",
        positionals: [Positional("text", "Words to print", variadic: true)],
        examples: [Example("echo 派发完成 t-42", "Print a note")])

    func resolve(_ invocation: Invocation, in session: Session) throws -> String { invocation.argumentList("text").joined(separator: " ") }

    func run(_ text: String, in session: Session) async throws -> CommandOutput {
        return CommandOutput(.string(text), human: [.text(text)])
    }
}

// MARK: - exit

/// `exit [STATUS]`: leaves the REPL or stops a script.
struct ExitCommand: Command {
    let signature = CommandSignature(
        "exit", summary: "Leave the shell",
        positionals: [Positional("status", "Exit status (default 0)", kind: .int, optional: true)])

    func resolve(_ invocation: Invocation, in session: Session) throws -> Int32 {
        Int32(clamping: invocation.argument("status").flatMap { Int($0) } ?? 0)
    }

    func run(_ status: Int32, in session: Session) async throws -> CommandOutput {
        CommandOutput(.null, exitRequest: status)
    }
}

// MARK: - completion

/// `completion bash|zsh|fish`: prints a completion script generated from the signatures.
struct CompletionCommand: Command {
    let signature = CommandSignature(
        "completion", summary: "Print the bash, zsh or fish completion script",
        positionals: [Positional("shell", "Shell to generate for", kind: .choice(ShellScripts.shells))],
        examples: [
            Example(
                "completion bash", "The bash script; install it with: ars completion bash > ~/.local/share/bash-completion/completions/ars"),
            Example("completion fish", "The fish script; install it with: ars completion fish > ~/.config/fish/completions/ars.fish"),
        ])

    func resolve(_ invocation: Invocation, in session: Session) throws -> String { invocation.argument("shell") ?? "" }

    func run(_ shell: String, in session: Session) async throws -> CommandOutput {
        let script = ShellScripts.script(for: shell, registry: session.registry) ?? ""
        return CommandOutput(.string(script), human: [.text(String(script.dropLast()))])
    }
}
