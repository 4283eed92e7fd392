import Commands
import Dispatch
import FoundationEssentials
import Glibc
import Synchronization

/// The interactive loop: prompt with the context, read a line with libedit, run it, repeat.
///
/// The context (node, lane, task) is saved after every command that changes it, so the next REPL
/// run starts where this one left off (like kubectl's current context).
struct REPL {
    let session: Session
    let stateFiles: StateFiles

    func run() async -> Int32 {
        let engine = CompletionEngine(session: session)
        let editor = LineEditor(historyFile: stateFiles.historyFile) { lineBeforeCursor in
            engine.complete(line: lineBeforeCursor).map(\.value)
        }
        // The history closure runs only on this loop's thread, between reads.
        nonisolated(unsafe) let historySource = editor
        session.history = { historySource.history }
        let dispatcher = Dispatcher(session: session)
        let interrupts = InterruptHandler()
        var lastStatus: Int32 = 0

        while true {
            switch editor.read(prompt: prompt()) {
            case .endOfFile:
                return lastStatus
            case .interrupted:
                continue
            case .line(var line):
                // Nothing unredacted touches disk: a secret typed on the line is stored as [REDACTED].
                editor.addHistory(session.redact(line))
                // A heredoc (`create task --prompt-stdin <<'EOF'`) reads its body on further
                // prompts; Ctrl-C or Ctrl-D there drops the command.
                let terminal = session.io.stdin
                if let heredoc = Heredoc.opened(by: line) {
                    guard let body = readBody(of: heredoc, with: editor) else { continue }
                    line = heredoc.line
                    session.io.stdin = StringSource(body)
                }
                defer { session.io.stdin = terminal }
                let before = StateFiles.Saved(context: session.context, recentIDs: session.recentIDs)
                // The command runs as a task that Ctrl-C cancels (a transfer aborts at once).
                let task = Task { [line] in await dispatcher.run(line: line) }
                interrupts.current = task
                let outcome = await task.value
                interrupts.current = nil
                if outcome.exitRequested { return outcome.status }
                lastStatus = outcome.status
                do {
                    try stateFiles.save(StateFiles.Saved(context: session.context, recentIDs: session.recentIDs), previous: before)
                } catch {
                    session.warn("could not save state under \(stateFiles.directory): \(ArsError.reason(error))")
                }
            }
        }
    }

    /// The lines of a heredoc's body, up to its closing word; nil when the user gave up.
    private func readBody(of heredoc: Heredoc, with editor: LineEditor) -> String? {
        var body: [String] = []
        while true {
            guard case .line(let physical) = editor.read(prompt: "\(heredoc.word)› ") else { return nil }
            if heredoc.closes(physical) { return body.joined(separator: "\n") }
            body.append(heredoc.bodyLine(physical))
        }
    }

    /// `ars G14/v01 task/t-42 › ` — the effective lane (context, else the catalogue's default) and task.
    func prompt() -> String {
        var parts = ["ars"]
        let lane = try? session.lane()
        if let node = session.context.node ?? lane?.node {
            parts.append(node + "/" + (session.context.lane ?? lane?.name ?? "-"))
        }
        if let task = session.context.task { parts.append("task/\(task)") }
        return parts.joined(separator: " ") + " › "
    }
}

/// Ctrl-C while a command runs: SIGINT cancels the command's task instead of ending the shell.
/// (While a line is being edited the terminal sends no SIGINT; the line editor handles ^C.)
/// `@unchecked` because `DispatchSourceSignal` is not marked Sendable; the source is only
/// resumed and cancelled here.
final class InterruptHandler: @unchecked Sendable {
    private let task = Mutex<Task<Dispatcher.Outcome, Never>?>(nil)
    private let source: any DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in self?.current?.cancel() }
        source.resume()
    }

    deinit {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }

    /// The running command, if any.
    var current: Task<Dispatcher.Outcome, Never>? {
        get { task.withLock { $0 } }
        set { task.withLock { $0 = newValue } }
    }
}
