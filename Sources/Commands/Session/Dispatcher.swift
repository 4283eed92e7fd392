/// Runs command lines: tokenize → parse → fill from context → validate → run → print.
///
/// The REPL, one-shot runs and piped scripts all go through `execute`; `evaluate` stops before
/// printing, for callers that bind the value instead.
public struct Dispatcher: Sendable {
    public let session: Session

    public init(session: Session) { self.session = session }

    /// What running one line came to.
    public struct Outcome: Sendable, Equatable {
        /// 0, the command's check status, or the error's exit code.
        public var status: Int32
        /// True when the command was `exit` (the REPL or script should stop with `status`).
        public var exitRequested: Bool

        public init(status: Int32, exitRequested: Bool = false) {
            self.status = status
            self.exitRequested = exitRequested
        }

        /// Nothing went wrong and nothing asked to stop.
        public static let success = Outcome(status: 0)
    }

    /// Tokenizes, runs and prints one line; returns the exit status (0 for an empty line).
    public func execute(line: String) async -> Int32 {
        await run(line: line).status
    }

    /// Tokenizes, runs and prints one line. With `file`, errors without a file of their own are
    /// reported at `file:lineNumber` (piped scripts).
    public func run(line: String, file: String? = nil, lineNumber: Int = 1) async -> Outcome {
        let tokens: [Token]
        do { tokens = try Tokenizer.tokenize(line) } catch {
            return Outcome(status: report(error, line: line, file: file, lineNumber: lineNumber), exitRequested: false)
        }
        guard !tokens.isEmpty else { return Outcome(status: 0, exitRequested: false) }
        return await run(tokens, line: line, file: file, lineNumber: lineNumber)
    }

    /// Runs and prints tokens: the one place where a line's output or error reaches the streams.
    public func run(_ tokens: [Token], line: String? = nil, file: String? = nil, lineNumber: Int = 1) async -> Outcome {
        do {
            guard !CommandParser.stripPastePrefix(tokens).isEmpty else {
                throw ArsError.usage(
                    .emptyCommand, "no command after '\(tokens.map(\.text).joined(separator: " "))'",
                    hint: "type 'help' to see the commands")
            }
            let evaluation = try await evaluate(tokens, line: line)
            let output = evaluation.output
            print(output, format: evaluation.invocation.outputFormat)
            return Outcome(status: output.exitRequest ?? output.status, exitRequested: output.exitRequest != nil)
        } catch {
            return Outcome(status: report(error, line: line, file: file, lineNumber: lineNumber), exitRequested: false)
        }
    }

    /// What evaluating a line came to: the parsed line, the command's output, and the lane its
    /// resolved options acted on (nil for commands that act on none).
    public struct Evaluation: Sendable {
        public var invocation: Invocation
        public var output: CommandOutput
        public var lane: LaneSettings?
    }

    /// Parses, resolves and runs tokens, returning the output without printing it. With
    /// `streaming` (the REPL and one-shot runs) a following command prints its items as they
    /// come; without it (scripts, which never print) the command collects them into its value.
    public func evaluate(_ tokens: [Token], line: String? = nil, streaming: Bool = true) async throws -> Evaluation {
        let parser = CommandParser(registry: session.registry)
        let parsed = Result { () throws(ArsError) -> Invocation in try parser.parse(tokens, line: line) }
        if case .failure(let error) = parsed, error.code == .missingSubcommand,
            tokens.contains(where: { ["--help", "-h"].contains($0.text) })
        {
            // `control-plane --help`: list the group's commands.
            let group = CommandParser.stripPastePrefix(tokens).prefix { !$0.text.hasPrefix("-") }.map(\.text)
            return Evaluation(
                invocation: Invocation(signature: HelpText.placeholder),
                output: CommandOutput(.null, human: [.text(HelpText.overview(session.registry, under: group))]))
        }
        var invocation = try parsed.get()
        guard let command = session.registry.command(invocation.signature.path) else {
            throw ArsError(.internal, code: .internal, "parsed a command that is not registered")
        }
        if invocation.flag(Option.help.name) {
            return Evaluation(invocation: invocation, output: CommandOutput(.null, human: [.text(HelpText.command(invocation.signature))]))
        }
        fillFromContext(&invocation)
        try CommandParser.checkRequired(invocation)
        let format = invocation.outputFormat
        if streaming { session.emit = { [self] item in print(item, format: format, streaming: true) } }
        defer { session.emit = nil }
        let (output, lane) = try await command.execute(invocation, in: session)
        // Secrets inside the result are known before anything prints, binds or is written.
        for secret in SecretScanner.secrets(in: output.value) { session.registerSecret(secret) }
        return Evaluation(invocation: invocation, output: output, lane: lane)
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
        let printer = Printer(format: format, colour: session.usesColour, redact: { [session] in session.redact($0) })
        let rendered = streaming ? printer.renderItem(output) : printer.render(output)
        if !rendered.stderr.isEmpty { session.io.stderr.write(session.redact(rendered.stderr)) }
        if !rendered.stdout.isEmpty { session.io.stdout.write(session.redact(rendered.stdout)) }
    }

    /// Prints an error to stderr and returns its exit code: the one place errors become text.
    @discardableResult
    public func report(_ error: any Error) -> Int32 {
        let normalized = ErrorReport.normalize(error)
        session.io.stderr.write(
            ErrorReport.render(normalized, colour: session.usesColourOnStderr, redact: { [session] in session.redact($0) }))
        return normalized.exitCode
    }

    /// Reports an error of a line read from `file`, placing it there unless it names a file itself.
    private func report(_ error: any Error, line: String?, file: String?, lineNumber: Int) -> Int32 {
        var normalized = ErrorReport.normalize(error)
        if let file, normalized.location?.file == nil {
            normalized.location = SourceLocation(file: file, line: lineNumber, column: normalized.location?.column ?? 1, lineText: line)
        }
        return report(normalized)
    }
}
