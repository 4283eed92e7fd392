import Commands

/// Lines from a non-terminal stdin, run one after another without prompts. The first failing line
/// stops the run with its status; `exit` stops it with the status given.
struct PipedScript {
    let session: Session

    func run() async -> Int32 {
        let dispatcher = Dispatcher(session: session)
        var lines: [String] = []
        while let line = session.io.stdin.readLine() { lines.append(line) }
        // Later lines get an empty stdin: the script itself is not input to its commands.
        session.io.stdin = StringSource("")
        for (number, line) in lines.enumerated() {
            let tokens: [Token]
            do { tokens = try Tokenizer.tokenize(line) } catch {
                var located = error
                located.location = SourceLocation(file: "<stdin>", line: number + 1, column: error.location?.column ?? 1, lineText: line)
                return dispatcher.report(located)
            }
            guard !tokens.isEmpty else { continue }
            do {
                let (invocation, output) = try await dispatcher.evaluate(tokens, line: line)
                dispatcher.print(output, format: invocation.outputFormat)
                if let exitStatus = output.exitRequest { return exitStatus }
                if output.status != 0 { return output.status }
            } catch {
                var normalized = ErrorReport.normalize(error)
                if normalized.location == nil || normalized.location?.file == nil {
                    normalized.location = SourceLocation(file: "<stdin>", line: number + 1, column: normalized.location?.column ?? 1, lineText: line)
                }
                return dispatcher.report(normalized)
            }
        }
        return 0
    }
}
