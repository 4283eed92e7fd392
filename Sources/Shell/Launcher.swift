import Commands
import FoundationEssentials
import Glibc

/// Decides what this process does from its arguments, and does it.
///
/// ```
/// ars                       REPL on a terminal; lines from stdin as a script otherwise
/// ars WORDS…                one command
/// ars -c 'LINE' [-c …]      command lines, parsed like REPL lines, run in order until one fails
/// ars --config FILE …       use this lane catalogue
/// ars --sandbox …           start a local sandbox lane and use it (any of the forms above)
/// ars --sandbox --scenario DIR …   the same with another folder of kubectl -o json documents as its cluster
/// ars --sandbox --import-run FILE …   the same with a published trace (JSON Lines) loaded as a finished run
/// ars --version | --help
/// ars __complete [--shell=bash|zsh|fish] [--] WORDS… CURRENT
/// ```
struct Launcher {
    let arguments: [String]

    /// What the binary options asked for.
    private struct Options {
        var configPath: String?
        /// `-c` texts in order (`--help` adds `help`).
        var commandLines: [String] = []
        var sandbox = false
        var scenario: String?
        var importRuns: [String] = []
    }

    func run() async -> Int32 {
        let io = IOStreams.standard()
        var rest = arguments[...]
        var options = Options()

        // MARK: Binary options (before the command words)
        while let first = rest.first, first.hasPrefix("-"), first != "-" {
            rest = rest.dropFirst()
            switch first {
            case "--version":
                io.stdout.write("ars \(ArsVersion.current)\n")
                return 0
            case "-h", "--help":
                options.commandLines.append("help")
            case "--config":
                guard let path = rest.first else { return usage(io, "'--config' needs a file path") }
                options.configPath = path
                rest = rest.dropFirst()
            case _ where first.hasPrefix("--config="):
                options.configPath = String(first.dropFirst("--config=".count))
            case "--sandbox":
                options.sandbox = true
            case "--scenario":
                guard let path = rest.first else { return usage(io, "'--scenario' needs a folder of kubectl -o json documents") }
                options.scenario = path
                rest = rest.dropFirst()
            case "--import-run":
                guard let path = rest.first else { return usage(io, "'--import-run' needs a JSON Lines trace file") }
                options.importRuns.append(URL(fileURLWithPath: path).standardizedFileURL.path)
                rest = rest.dropFirst()
            case "-c":
                guard let line = rest.first else { return usage(io, "'-c' needs a command line, e.g. ars -c 'context'") }
                options.commandLines.append(line)
                rest = rest.dropFirst()
            default:
                return usage(io, "unknown option '\(first)' for ars; command options go after the command (ars context -o json)")
            }
        }
        if options.scenario != nil && !options.sandbox {
            return usage(io, "--scenario chooses the sandbox's cluster; use it with --sandbox")
        }
        if !options.importRuns.isEmpty && !options.sandbox {
            return usage(io, "--import-run loads a trace into the sandbox; use it with --sandbox")
        }

        var wiring = Wiring(environment: ProcessInfo.processInfo.environment, configPath: options.configPath)
        if rest.first == "__reference" {
            return reference(Array(rest.dropFirst()), wiring: wiring, io: io)
        }
        var sandbox: SandboxLane?
        if options.sandbox {
            do {
                // The lanes to serve: --config FILE, else the scenario's own agentrun.yaml, else
                // the built-in one (a catalogue named here is the user's choice, so no trust step).
                let scenarioCatalogue = options.scenario.map { Paths.join($0, "agentrun.yaml") }
                let servedPath = options.configPath ?? scenarioCatalogue.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
                let served = try servedPath.map { path throws(ArsError) in
                    try ConfigLoader.load(
                        path: path, source: options.configPath == nil ? "--scenario" : "--config", environment: wiring.environment
                    ).catalog
                }
                let lane = try SandboxLane(
                    environment: wiring.environment, stateFiles: wiring.stateFiles.sandbox,
                    scenario: options.scenario.map { URL(fileURLWithPath: $0).standardizedFileURL.path }, importRuns: options.importRuns,
                    served: served)
                sandbox = lane
                wiring = wiring.using(lane)
            } catch {
                io.stderr.write(ErrorReport.render(error))
                return error.exitCode
            }
        }
        defer { sandbox?.stop() }

        if rest.first == "__complete" {
            return complete(Array(rest.dropFirst()), wiring: wiring, io: io)
        }
        if !options.commandLines.isEmpty {
            guard rest.isEmpty else { return usage(io, "'-c' takes the whole command line as one argument; quote it") }
            // Like a script: each -c in order (a heredoc inside one takes its following lines),
            // stopping at the first that fails.
            let session = wiring.makeSession(.oneShot, io: io)
            let script = PipedScript(session: session, file: "-c")
            var outcome = Dispatcher.Outcome.success
            for text in options.commandLines where outcome.status == 0 && !outcome.exitRequested {
                outcome = await script.run(lines: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
            }
            return finish(session, wiring: wiring, status: outcome.status)
        }
        if !rest.isEmpty {
            return await runWords(Array(rest), wiring: wiring, io: io)
        }
        if io.stdin.isTerminal && io.stdout.isTerminal {
            return await REPL(session: wiring.makeSession(.interactive, io: io), stateFiles: wiring.stateFiles).run()
        }
        return await PipedScript(session: wiring.makeSession(.script, io: io)).run()
    }

    // MARK: - Modes

    /// One command given as separate words: `ars get task/t-42 -o json`.
    private func runWords(_ words: [String], wiring: Wiring, io: IOStreams) async -> Int32 {
        let session = wiring.makeSession(.oneShot, io: io)
        let tokens = words.enumerated().map { Token($1, start: $0, end: $0 + 1, quoted: false) }
        return finish(session, wiring: wiring, status: await Dispatcher(session: session).run(tokens).status)
    }

    /// `ars __complete`: candidates, one per line, for the shell scripts and the tests.
    private func complete(_ words: [String], wiring: Wiring, io: IOStreams) -> Int32 {
        var words = words[...]
        var shell = "plain"
        if let first = words.first, first.hasPrefix("--shell=") {
            shell = String(first.dropFirst("--shell=".count))
            words = words.dropFirst()
        }
        // `--timing=N` (for scripts/bench): answer N times in this process and report the
        // latency of one answer, as the REPL's Tab sees it, on stderr.
        var timing = 0
        if let first = words.first, first.hasPrefix("--timing=") {
            timing = Int(first.dropFirst("--timing=".count)) ?? 0
            words = words.dropFirst()
        }
        if words.first == "--" { words = words.dropFirst() }
        // Binary options before the command (`ars --sandbox get …`) choose the catalogue and the
        // state Tab reads; Tab never starts a sandbox.
        var wiring = wiring
        while words.count > 1, let first = words.first, first.hasPrefix("-") {
            words = words.dropFirst()
            switch first {
            case "--sandbox":
                wiring.stateFiles = wiring.stateFiles.sandbox
                let catalogue = wiring.stateFiles.directory + "/agentrun.yaml"
                if FileManager.default.fileExists(atPath: catalogue) { wiring.configPath = catalogue }
            case "--config", "--scenario", "--import-run":
                guard words.count > 1, let value = words.first else { return 0 }
                words = words.dropFirst()
                if first == "--config" { wiring.configPath = value }
            case _ where first.hasPrefix("--config="):
                wiring.configPath = String(first.dropFirst("--config=".count))
            default:
                return 0  // `-c 'LINE'` and the like: nothing to offer
            }
        }
        let current = words.last ?? ""
        let engine = CompletionEngine(session: wiring.makeSession(.oneShot, io: io))
        let before = CommandParser.stripPastePrefix(words.dropLast().enumerated().map { Token($1, start: $0, end: $0 + 1) }).map(\.text)
        if timing > 0 {
            let clock = ContinuousClock()
            var milliseconds: [Double] = []
            for _ in 0..<timing {
                let start = clock.now
                _ = engine.complete(words: before, current: current)
                let elapsed = (clock.now - start).components
                milliseconds.append(Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15)
            }
            milliseconds.sort()
            let p = { (q: Double) in milliseconds[min(milliseconds.count - 1, Int(Double(milliseconds.count) * q))] }
            io.stderr.write("complete: \(timing) answers, p50 \(p(0.5).fixed(3)) ms, p99 \(p(0.99).fixed(3)) ms\n")
        }
        io.stdout.write(ShellScripts.format(engine.complete(words: before, current: current), shell: shell, current: current))
        return 0
    }

    /// `ars __reference commands|config-keys`: generated Markdown for `docs/` (see scripts/generate-docs).
    private func reference(_ words: [String], wiring: Wiring, io: IOStreams) -> Int32 {
        switch words.first {
        case "commands":
            io.stdout.write(ReferenceDocs.commands(wiring.makeSession(.oneShot, io: io).registry))
        case "config-keys":
            io.stdout.write(ReferenceDocs.configKeys())
        default:
            return usage(io, "__reference takes 'commands' or 'config-keys'")
        }
        return 0
    }

    // MARK: - Helpers

    /// Persists what a one-shot command changed (`use …`, ids it saw), then passes the status through.
    private func finish(_ session: Session, wiring: Wiring, status: Int32) -> Int32 {
        let files = wiring.stateFiles
        do {
            try files.save(StateFiles.Saved(context: session.context, recentIDs: session.recentIDs), previous: files.load())
        } catch {
            session.warn("could not save state under \(files.directory): \(ArsError.reason(error))")
        }
        return status
    }

    private func usage(_ io: IOStreams, _ message: String) -> Int32 {
        io.stderr.write(ErrorReport.render(ArsError.usage(.usage, message, hint: "see 'ars --help'")))
        return 2
    }
}

/// How sessions of this process are put together: environment, lane catalogue, state files and
/// the real adapters.
struct Wiring {
    var environment: [String: String]
    var configPath: String?
    var stateFiles: StateFiles
    /// True when the catalogue is the one `--sandbox` generated.
    var isSandbox = false
    /// The clock when no `ARS_NOW` pins one: the sandbox's scenario clock, else the real one.
    var clock: any WallClock = SystemClock()

    init(environment: [String: String], configPath: String?) {
        self.environment = environment
        self.configPath = configPath
        self.stateFiles = StateFiles(environment: environment)
    }

    /// The same wiring pointed at a running sandbox lane: its catalogue, its key (in the
    /// environment only) and its own state files.
    func using(_ sandbox: SandboxLane) -> Wiring {
        var wiring = self
        wiring.environment[SandboxLane.keyVariable] = sandbox.apiKey
        wiring.configPath = sandbox.configPath
        wiring.isSandbox = true
        wiring.stateFiles = StateFiles(directory: sandbox.stateDirectory)
        if let clock = sandbox.clock(environment: environment) { wiring.clock = clock }
        return wiring
    }

    func makeSession(_ mode: Session.Mode, io: IOStreams) -> Session {
        let registry: CommandRegistry
        do {
            registry = try CommandRegistry(plugins: Plugins.all)
        } catch {
            io.stderr.write(ErrorReport.render(error))
            exit(70)
        }
        // Scripts never inherit the interactive context, so they replay the same.
        let saved = stateFiles.load()
        let context = mode == .script ? ShellContext() : saved.context
        let clock: any WallClock = environment["ARS_NOW"].flatMap(RFC3339.parse).map { FixedClock($0) } ?? self.clock
        let session = Session(
            registry: registry, mode: mode, io: io, environment: environment, clock: clock, context: context, configOverride: configPath)
        if isSandbox { session.configOverrideSource = "generated by --sandbox" }
        session.recentIDs = saved.recentIDs
        session.makeHTTPTransport = { [environment, session] in
            Transports.http(environment: environment, announce: { session.progress("ars: " + $0) })
        }
        session.makeBridge = { [environment] node in Transports.bridge(for: node, environment: environment) }
        return session
    }
}
