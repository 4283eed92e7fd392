import Commands
import Foundation

/// Decides what this process does from its arguments, and does it.
///
/// ```
/// ars                       REPL on a terminal; lines from stdin as a script otherwise
/// ars WORDS…                one command
/// ars -c 'LINE'             one command line, parsed like a REPL line
/// ars --config FILE …       use this lane catalogue
/// ars --version | --help
/// ars __complete [--shell=bash|zsh|fish] [--] WORDS… CURRENT
/// ```
struct Launcher {
    let arguments: [String]
    let environment = ProcessInfo.processInfo.environment

    func run() async -> Int32 {
        let io = IOStreams.standard()
        var rest = arguments[...]
        var configPath: String?
        var commandLine: String?

        // MARK: Binary options (before the command words)
        while let first = rest.first, first.hasPrefix("-"), first != "-" {
            rest = rest.dropFirst()
            switch first {
            case "--version":
                io.stdout.write("ars \(ArsVersion.current)\n")
                return 0
            case "-h", "--help":
                commandLine = "help"
            case "--config":
                guard let path = rest.first else { return usage(io, "'--config' needs a file path") }
                configPath = path
                rest = rest.dropFirst()
            case _ where first.hasPrefix("--config="):
                configPath = String(first.dropFirst("--config=".count))
            case "-c":
                guard let line = rest.first else { return usage(io, "'-c' needs a command line, e.g. ars -c 'context'") }
                commandLine = line
                rest = rest.dropFirst()
            default:
                return usage(io, "unknown option '\(first)' for ars; command options go after the command (ars context -o json)")
            }
        }

        if rest.first == "__reference" {
            return reference(Array(rest.dropFirst()), io: io)
        }
        if rest.first == "__complete" {
            return await complete(Array(rest.dropFirst()), configPath: configPath, io: io)
        }
        if let commandLine {
            guard rest.isEmpty else { return usage(io, "'-c' takes the whole command line as one argument; quote it") }
            let session = makeSession(.oneShot, io: io, configPath: configPath)
            return await finish(session, status: Dispatcher(session: session).execute(line: commandLine))
        }
        if !rest.isEmpty {
            return await runWords(Array(rest), configPath: configPath, io: io)
        }
        if io.stdin.isTerminal && io.stdout.isTerminal {
            let session = makeSession(.interactive, io: io, configPath: configPath)
            return await REPL(session: session, stateFiles: StateFiles(environment: environment)).run()
        }
        let session = makeSession(.script, io: io, configPath: configPath)
        return await PipedScript(session: session).run()
    }

    // MARK: - Modes

    /// One command given as separate words: `ars get task/t-42 -o json`.
    private func runWords(_ words: [String], configPath: String?, io: IOStreams) async -> Int32 {
        let session = makeSession(.oneShot, io: io, configPath: configPath)
        let dispatcher = Dispatcher(session: session)
        let tokens = words.enumerated().map { Token($1, start: $0, end: $0 + 1, quoted: false) }
        do {
            let (invocation, output) = try await dispatcher.evaluate(tokens)
            dispatcher.print(output, format: invocation.outputFormat)
            return await finish(session, status: output.exitRequest ?? output.status)
        } catch {
            return dispatcher.report(error)
        }
    }

    /// `ars __complete`: candidates, one per line, for the shell scripts and the tests.
    private func complete(_ words: [String], configPath: String?, io: IOStreams) async -> Int32 {
        var words = words[...]
        var shell = "plain"
        if let first = words.first, first.hasPrefix("--shell=") {
            shell = String(first.dropFirst("--shell=".count))
            words = words.dropFirst()
        }
        if words.first == "--" { words = words.dropFirst() }
        let current = words.last ?? ""
        let session = makeSession(.oneShot, io: io, configPath: configPath)
        let engine = CompletionEngine(session: session)
        let before = CommandParser.stripPastePrefix(words.dropLast().enumerated().map { Token($1, start: $0, end: $0 + 1) }).map(\.text)
        let candidates = engine.complete(words: before, current: current)
        io.stdout.write(ShellScripts.format(candidates, shell: shell, current: current))
        return 0
    }

    /// `ars __reference commands|config-keys`: generated Markdown for `docs/` (see scripts/generate-docs).
    private func reference(_ words: [String], io: IOStreams) -> Int32 {
        switch words.first {
        case "commands":
            io.stdout.write(ReferenceDocs.commands(makeSession(.oneShot, io: io, configPath: nil).registry))
        case "config-keys":
            io.stdout.write(ReferenceDocs.configKeys())
        default:
            return usage(io, "__reference takes 'commands' or 'config-keys'")
        }
        return 0
    }

    // MARK: - Helpers

    private func makeSession(_ mode: Session.Mode, io: IOStreams, configPath: String?) -> Session {
        let registry: CommandRegistry
        do {
            registry = try CommandRegistry(plugins: Plugins.all)
        } catch {
            io.stderr.write(ErrorReport.render(error))
            exit(70)
        }
        // Scripts never inherit the interactive context, so they replay the same.
        let context = mode == .script ? ShellContext() : StateFiles(environment: environment).loadContext()
        let clock: any WallClock = environment["ARS_NOW"].flatMap(ISO8601DateFormatter().date(from:)).map { FixedClock($0) } ?? SystemClock()
        return Session(registry: registry, mode: mode, io: io, environment: environment, clock: clock, context: context, configOverride: configPath)
    }

    /// Persists a context changed by a one-shot `use …`, then passes the status through.
    private func finish(_ session: Session, status: Int32) async -> Int32 {
        let files = StateFiles(environment: environment)
        if session.context != files.loadContext() {
            do { try files.saveContext(session.context) } catch { session.warn("could not save the context: \(error.localizedDescription)") }
        }
        return status
    }

    private func usage(_ io: IOStreams, _ message: String) -> Int32 {
        io.stderr.write(ErrorReport.render(ArsError.usage("usage", message, hint: "see 'ars --help'")))
        return 2
    }
}
