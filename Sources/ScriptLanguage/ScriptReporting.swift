import Commands

/// What a script run reports as it goes. The runner never prints: it builds its `ScriptResult`
/// from these events and hands each one to its reporters.
public enum ScriptEvent: Sendable {
    /// A bare command's output, or the output of a bound command whose check failed.
    case output(CommandOutput, OutputFormat)
    /// A command statement finished (once per `wait`, with its attempts).
    case statement(StatementRecord)
    /// An `assert` or `require` was evaluated.
    case assertion(AssertionRecord)
    /// An `evidence` item was added.
    case evidence(EvidenceItem)
}

/// A listener of a script run: the console, the evidence files, JUnit.
public protocol ScriptReporter: AnyObject {
    /// Called for each event, in order, while the script runs.
    func report(_ event: ScriptEvent)
    /// The files this reporter writes once the run has ended, with `redact` applied (nothing is
    /// written while it runs, so a file never shows half a run).
    func files(for result: ScriptResult, redact: (String) -> String) -> [ReportFile]
}

extension ScriptReporter {
    public func report(_ event: ScriptEvent) {}
    public func files(for result: ScriptResult, redact: (String) -> String) -> [ReportFile] { [] }
}

/// A file a reporter writes: its content, where, and the name the user gave it.
public struct ReportFile: Sendable {
    public var text: String
    public var path: String
    public var shown: String
}

/// Prints command output as it comes, as the REPL would.
public final class ConsoleReporter: ScriptReporter {
    private let dispatcher: Dispatcher

    public init(session: Session) { dispatcher = Dispatcher(session: session) }

    public func report(_ event: ScriptEvent) {
        if case .output(let output, let format) = event { dispatcher.print(output, format: format) }
    }
}

/// `--evidence DIR`: `evidence.json` and `evidence.md`, both or neither.
public final class EvidenceReporter: ScriptReporter {
    let directory: String
    let shown: String
    let language: EvidenceReport.Language

    public init(directory: String, shown: String, language: EvidenceReport.Language) {
        self.directory = directory
        self.shown = shown
        self.language = language
    }

    public func files(for result: ScriptResult, redact: (String) -> String) -> [ReportFile] {
        [
            ReportFile(
                text: redact(JSON.encode(EvidenceReport.json(result)) + "\n"), path: directory + "/evidence.json",
                shown: shown + "/evidence.json"),
            ReportFile(
                text: redact(EvidenceReport.markdown(result, language: language)), path: directory + "/evidence.md",
                shown: shown + "/evidence.md"),
        ]
    }
}

/// `--junit FILE`: one test case per assertion.
public final class JUnitReporter: ScriptReporter {
    let path: String
    let shown: String

    public init(path: String, shown: String) {
        self.path = path
        self.shown = shown
    }

    public func files(for result: ScriptResult, redact: (String) -> String) -> [ReportFile] {
        [ReportFile(text: redact(EvidenceReport.junit(result)), path: path, shown: shown)]
    }
}
