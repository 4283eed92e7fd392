/// Runs command lines: tokenize → parse → fill from context → validate → run → print.
///
/// The REPL, one-shot runs and piped scripts all go through `execute`; `evaluate` stops before
/// printing, for callers that bind the value instead.
public struct Dispatcher: Sendable {
    public let session: Session

    public init(session: Session) { self.session = session }

    /// Runs a line and prints its output; returns the exit status (0 for an empty line).
    public func execute(line: String) async -> Int32 {
        do {
            let tokens = try Tokenizer.tokenize(line)
            guard !CommandParser.stripPastePrefix(tokens).isEmpty || tokens.isEmpty else {
                throw ArsError.usage("empty-command", "no command after '\(tokens.map(\.text).joined(separator: " "))'", hint: "type 'help' to see the commands")
            }
            guard !tokens.isEmpty else { return 0 }
            let (invocation, output) = try await evaluate(tokens, line: line)
            print(output, format: invocation.outputFormat)
            return output.exitRequest ?? output.status
        } catch {
            return report(error)
        }
    }

    /// Parses and runs tokens, returning the output without printing it.
    public func evaluate(_ tokens: [Token], line: String? = nil) async throws -> (Invocation, CommandOutput) {
        let parser = CommandParser(registry: session.registry)
        let parsed = Result { () throws(ArsError) -> Invocation in try parser.parse(tokens, line: line) }
        if case .failure(let error) = parsed, error.code == "missing-subcommand",
           tokens.contains(where: { ["--help", "-h"].contains($0.text) })
        {
            // `control-plane --help`: list the group's commands.
            let group = CommandParser.stripPastePrefix(tokens).prefix { !$0.text.hasPrefix("-") }.map(\.text)
            return (Invocation(signature: HelpText.placeholder), CommandOutput(.null, human: [.text(HelpText.overview(session.registry, under: group))]))
        }
        var invocation = try parsed.get()
        guard let command = session.registry.command(invocation.signature.path) else {
            throw ArsError(.internal, code: "internal", "parsed a command that is not registered")
        }
        if invocation.flag(Option.help.name) {
            return (invocation, CommandOutput(.null, human: [.text(HelpText.command(invocation.signature))]))
        }
        fillFromContext(&invocation)
        try CommandParser.checkRequired(invocation)
        try command.validate(invocation, in: session)
        let format = invocation.outputFormat
        session.emit = { [self] item in print(item, format: format, streaming: true) }
        defer { session.emit = nil }
        let output = try await command.run(invocation, in: session)
        // Secrets inside the result are known before anything prints, binds or is written.
        for secret in SecretScanner.secrets(in: output.value) { session.registerSecret(secret) }
        return (invocation, output)
    }

    /// Fills left-out positionals that declare a context default (e.g. the current task).
    public func fillFromContext(_ invocation: inout Invocation) {
        for positional in invocation.signature.positionals where invocation.arguments[positional.name] == nil {
            if let key = positional.contextDefault, let value = session.context[key] {
                invocation.arguments[positional.name] = [value]
            }
        }
    }

    /// Prints an output: results to stdout, warnings to stderr. Streamed items print as one JSON
    /// line each (NDJSON) or one YAML document each.
    public func print(_ output: CommandOutput, format: OutputFormat, streaming: Bool = false) {
        let printer = Printer(format: format, colour: session.usesColour)
        let rendered = streaming ? printer.renderItem(output) : printer.render(output)
        if !rendered.stderr.isEmpty { session.io.stderr.write(session.redact(rendered.stderr)) }
        if !rendered.stdout.isEmpty { session.io.stdout.write(session.redact(rendered.stdout)) }
    }

    /// Prints an error to stderr and returns its exit code: the one place errors become text.
    @discardableResult
    public func report(_ error: any Error) -> Int32 {
        let normalized = ErrorReport.normalize(error)
        session.io.stderr.write(session.redact(ErrorReport.render(normalized, colour: session.usesColourOnStderr)))
        return normalized.exitCode
    }
}
