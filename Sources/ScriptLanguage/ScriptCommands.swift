import Commands
import FoundationEssentials
import Glibc

// MARK: - run

/// `run FILE`: runs an `.ars` script and writes closeout evidence.
struct RunScriptCommand: Command {
    let signature = CommandSignature(
        "run", summary: "Run an .ars script; write evidence with --evidence DIR",
        discussion:
            "The script starts from the catalogue's default lane (never the interactive context), so it replays the same. Exit 0 when every assertion held, 1 when one failed, 2 for a script error, 3 for a remote failure, 4 when a safety gate refused. A script can start with '#!/usr/bin/env -S ars run'.",
        positionals: [Positional("file", "The .ars script", kind: .file)],
        options: [
            Option("var", "Set a param: NAME=VALUE", valueName: "NAME=VALUE", repeatable: true),
            Option("evidence", "Write evidence.json and evidence.md into this folder", kind: .directory),
            Option("lang", "Language of evidence.md", kind: .choice(EvidenceReport.Language.allCases.map(\.rawValue)), default: "zh"),
            Option("junit", "Also write a JUnit XML report", kind: .file),
            Option("record", "Save every HTTP and node exchange (redacted) to this file", kind: .file),
            Option("replay", "Serve HTTP and node exchanges from a recording instead of the lane", kind: .file),
        ],
        examples: [Example("run closeout.ars --var task=t-42 --evidence out/", "Run a closeout and keep its evidence")])

    struct Options: Sendable {
        /// The script, parsed: a syntax error stops the run before any statement.
        let script: Script
        let vars: [String: String]
        /// Where evidence, JUnit and a recording go, as given on the line.
        let evidence: String?
        let language: EvidenceReport.Language
        let junit: String?
        let record: String?
        let replay: String?
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        var vars: [String: String] = [:]
        for pair in invocation.optionList("var") {
            guard let equals = pair.firstIndex(of: "=") else {
                throw ArsError.usage(.badValue, "--var needs NAME=VALUE, got '\(pair)'")
            }
            vars[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        if invocation.option("record") != nil && invocation.option("replay") != nil {
            throw ArsError.usage(.badValue, "--record and --replay exclude each other")
        }
        let script = try ScriptParser(registry: session.registry).parse(
            file: invocation.argument("file") ?? "", relativeTo: session.currentDirectory)
        return Options(
            script: script, vars: vars, evidence: invocation.option("evidence"),
            language: EvidenceReport.Language(rawValue: invocation.option("lang") ?? "zh") ?? .zh, junit: invocation.option("junit"),
            record: invocation.option("record"), replay: invocation.option("replay"))
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let (script, vars) = (options.script, options.vars)
        let child = session.scriptSession()
        var recorder: RecordingLog?
        if options.record != nil {
            // HTTP and node commands go into one log, in the order they finish.
            let log = RecordingLog()
            recorder = log
            let transport = RecordingTransport(wrapping: session.http, into: log)
            child.makeHTTPTransport = { transport }
            child.makeBridge = { [session] node in RecordingBridge(wrapping: session.bridge(for: node), node: node.name, into: log) }
        } else if let file = options.replay {
            let log = try ReplayLog(file: path(file, in: session))
            let transport = ReplayTransport(replaying: log)
            child.makeHTTPTransport = { transport }
            child.makeBridge = { node in ReplayBridge(node: node.name, replaying: log) }
            child.isReplaying = true
        }
        let runner = ScriptRunner(session: child)
        if child.isReplaying { runner.sleep = { _ in } }
        runner.reporters = [ConsoleReporter(session: child)]
        if let directory = options.evidence {
            runner.reporters.append(EvidenceReporter(directory: path(directory, in: session), shown: directory, language: options.language))
        }
        if let junit = options.junit { runner.reporters.append(JUnitReporter(path: path(junit, in: session), shown: junit)) }
        let result = await runner.run(script, vars: vars)
        for secret in child.secrets { session.registerSecret(secret) }
        // Evidence says `valuesPrinted=false`: whatever it holds that looks like a secret value
        // (a Secret's data, a credential env literal) is redacted before any file is written.
        let evidence = EvidenceReport.json(result)
        for secret in SecretScanner.secrets(in: evidence) { session.registerSecret(secret) }

        var written: [String] = []
        if let recorder, let file = options.record {
            try write(recorder.recording(redact: session.redact), to: path(file, in: session))
            written.append(file)
        }
        // Each reporter's files are written whole or not at all (evidence.json and evidence.md
        // together), after every secret of the run is known.
        for reporter in runner.reporters {
            let files = reporter.files(for: result, redact: session.redact)
            guard !files.isEmpty else { continue }
            try write(files.map { ($0.text, $0.path) })
            written += files.map(\.shown)
        }
        let output = CommandOutput(evidence, human: summary(result, written: written), status: result.status)
        if let failure = result.failure, failure.code != .requireFailed {
            // Show what ran and what held, then the error that stopped the script.
            session.emit?(CommandOutput(.null, human: output.human))
            throw failure
        }
        return output
    }

    private func summary(_ result: ScriptResult, written: [String]) -> [HumanBlock] {
        var blocks: [HumanBlock] = []
        let failed = result.assertions.filter { !$0.holds }
        for assertion in result.assertions {
            var line =
                "\(assertion.holds ? "✅" : "❌") \(assertion.location.file.map { Paths.lastComponent($0) } ?? ""):\(assertion.location.line)  \(assertion.expression)"
            if let message = assertion.message { line += "  — \(message)" }
            if !assertion.holds {
                line += "\n     actual:   \(assertion.actual.map { JSON.encode($0, pretty: false) } ?? "-")"
                line += "\n     expected: \(assertion.expected.map { JSON.encode($0, pretty: false) } ?? "-")"
            }
            blocks.append(.text(line))
        }
        if let failure = result.failure, failure.code == .requireFailed {
            blocks.append(.summary("stopped: \(failure.message) (\(failure.location?.description ?? ""))"))
        } else if let exit = result.exitRequest {
            blocks.append(.summary("\(result.script.file): exited with \(exit)"))
        } else if result.failure == nil {
            blocks.append(
                .summary(
                    result.assertions.isEmpty
                        ? "\(result.script.file): done (no assertions)"
                        : failed.isEmpty
                            ? "\(result.script.file): all \(result.assertions.count) assertions held"
                            : "\(result.script.file): \(failed.count) of \(result.assertions.count) assertions failed"))
        }
        if !written.isEmpty { blocks.append(.text("evidence: " + written.joined(separator: ", "))) }
        return blocks
    }

    private func path(_ file: String, in session: Session) -> String {
        file.hasPrefix("/") ? file : session.currentDirectory + "/" + file
    }

    private func write(_ text: String, to path: String) throws {
        try write([(text, path)])
    }

    /// Writes files all or nothing: each to a temporary file beside it first, then every one
    /// renamed into place. A failure removes the temporary files and leaves the old files as
    /// they were, so no reader ever sees a half-written or half-updated report.
    private func write(_ files: [(text: String, path: String)]) throws {
        let manager = FileManager.default
        var staged: [(temporary: String, path: String)] = []
        do {
            for file in files {
                var isDirectory = false
                if manager.fileExists(atPath: file.path, isDirectory: &isDirectory), isDirectory {
                    throw ArsError.invalidInput(.evidenceWrite, "cannot write \(file.path): it is a folder; nothing was written")
                }
                try manager.createDirectory(atPath: Paths.parent(file.path), withIntermediateDirectories: true)
                let temporary = file.path + ".tmp-\(getpid())"
                staged.append((temporary, file.path))
                try Data(file.text.utf8).write(to: URL(fileURLWithPath: temporary))
            }
            for file in staged {
                // rename(2) replaces the old file in one step.
                guard rename(file.temporary, file.path) == 0 else {
                    throw ArsError.invalidInput(.evidenceWrite, "cannot write \(file.path): \(String(cString: strerror(errno)))")
                }
            }
        } catch {
            for file in staged { try? manager.removeItem(atPath: file.temporary) }
            if let error = error as? ArsError { throw error }
            throw ArsError.invalidInput(
                .evidenceWrite,
                "cannot write \(files.map(\.path).joined(separator: ", ")): \(ArsError.reason(error)); nothing was written")
        }
    }
}

// MARK: - check

/// `check FILE`: parses and validates a script without running anything.
struct CheckScriptCommand: Command {
    let signature = CommandSignature(
        "check", summary: "Check an .ars script without running it",
        discussion:
            "Parses every statement and checks command names and flags against the signatures, params, and that each variable is set before it is used. Nothing is sent anywhere.",
        positionals: [Positional("file", "The .ars script", kind: .file)],
        examples: [Example("check closeout.ars", "Catch a misspelled flag before the real run")])

    func resolve(_ invocation: Invocation, in session: Session) throws -> String { invocation.argument("file") ?? "" }

    func run(_ file: String, in session: Session) async throws -> CommandOutput {
        let script = try ScriptParser(registry: session.registry).parse(file: file, relativeTo: session.currentDirectory)
        let problems = ScriptChecker(registry: session.registry, session: session.scriptSession()).check(script)
        let value = Value.object([
            "file": .string(file), "valid": .bool(problems.isEmpty),
            "statements": .int(script.statements.count), "params": .array(script.params.map { .string($0.name) }),
            "problems": .array(
                problems.map {
                    .object([
                        "location": .optional($0.location?.description), "code": .string($0.code.rawValue), "message": .string($0.message),
                        "hint": .optional($0.hint),
                    ])
                }),
        ])
        guard !problems.isEmpty else {
            return CommandOutput(
                value,
                human: [
                    .summary(
                        "\(file): ok (\(script.statements.count) statements, params: \(script.params.map(\.name).joined(separator: ", ").nonEmpty ?? "none"))"
                    )
                ])
        }
        let report = String(problems.map { ErrorReport.render($0) }.joined().dropLast())
        return CommandOutput(
            value, human: [.text(report), .summary("\(problems.count) problem\(problems.count == 1 ? "" : "s") in \(file)")], status: 2)
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
