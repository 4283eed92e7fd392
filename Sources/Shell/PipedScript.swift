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
            let outcome = await dispatcher.run(line: line, file: "<stdin>", lineNumber: number + 1)
            if outcome.exitRequested || outcome.status != 0 { return outcome.status }
        }
        return 0
    }
}
