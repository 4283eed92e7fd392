import Commands

/// Command lines run one after another without prompts: a non-terminal stdin, or the text of
/// `ars -c` (repeated `-c`s in order). A line ending in a heredoc marker (`<<'EOF'`) takes the
/// following lines up to its word as the command's stdin. The first failing line stops the run
/// with its status; `exit` stops it with the status given.
struct PipedScript {
    let session: Session
    /// How errors name the source: `<stdin>` or `-c`.
    var file = "<stdin>"

    /// Reads every line of stdin and runs them.
    func run() async -> Int32 {
        var lines: [String] = []
        while let line = session.io.stdin.readLine() { lines.append(line) }
        return await run(lines: lines).status
    }

    /// Runs `lines` in order; the outcome of the line that stopped them (or success).
    func run(lines: [String]) async -> Dispatcher.Outcome {
        let dispatcher = Dispatcher(session: session)
        var index = 0
        while index < lines.count {
            let number = index + 1
            var line = lines[index]
            index += 1
            // The script itself is not input to its commands: only a heredoc is.
            var stdin = ""
            if let heredoc = Heredoc.opened(by: line) {
                guard let body = heredoc.body(from: lines, index: &index) else {
                    let location = SourceLocation(file: file, line: number, column: heredoc.markerOffset + 1, lineText: line)
                    return Dispatcher.Outcome(status: dispatcher.report(heredoc.unclosed(at: location)))
                }
                line = heredoc.line
                stdin = body
            }
            session.io.stdin = StringSource(stdin)
            let outcome = await dispatcher.run(line: line, file: file, lineNumber: number)
            if outcome.exitRequested || outcome.status != 0 { return outcome }
        }
        return Dispatcher.Outcome.success
    }
}
