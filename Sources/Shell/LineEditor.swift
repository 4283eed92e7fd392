// Interactive line input for the shell, built on libedit's readline-compatible API.
//
// libedit's readline emulation keeps a single editor per process in C globals, and its callbacks are
// plain C function pointers that cannot capture context. The state those callbacks need therefore
// lives in `EditorState` below, confined to this file; only one `LineEditor` may exist per process.

@preconcurrency import CEditLine
@preconcurrency import Glibc

// MARK: - LineEditor

/// Reads lines from a terminal with libedit: prompt, persistent history, Tab completion, Ctrl-C, Ctrl-D.
///
/// - Prompt: any Unicode text renders (the locale is switched to UTF-8 on creation). Wrap invisible
///   sequences such as ANSI colours in `"\u{01}"` … `"\u{02}"` so the cursor column stays right.
/// - History: Up/Down walk it; `addHistory(_:)` appends and saves it to the history file (mode 0600).
/// - Completion: Tab asks the `Completer`; words are split on whitespace only, so `task/t-4` and
///   `--output=json` are single words. A unique match gets a trailing space; Tab Tab lists candidates.
/// - Ctrl-C: clears the line and returns `.interrupted`; it never signals the process. Outside `read`
///   the terminal generates SIGINT as usual, so a handler can cancel a running command.
/// - Ctrl-D on an empty line: returns `.endOfFile`.
/// - Ctrl-Z: suspends the process like a shell job; after `fg` the line is redrawn and editing goes on.
/// - Signals: libedit's own handlers are off. They run on whichever thread receives the signal and
///   crash (NULL editor) when `readline` returns on the reading thread meanwhile, which happens when
///   reading off the main thread. Without them SIGHUP/SIGTERM simply terminate the process, and a new
///   terminal size is picked up at the next prompt.
///
/// `read` may be called from any thread, but never concurrently, and only one instance may exist.
final class LineEditor {
    /// The outcome of one `read(prompt:)`.
    enum Read: Equatable {
        /// The user pressed Return; the text excludes the newline.
        case line(String)
        /// The user pressed Ctrl-C; the line was discarded.
        case interrupted
        /// The user pressed Ctrl-D on an empty line, or the input ended.
        case endOfFile
    }

    /// Given the text of the line before the cursor, returns full replacements for the last (partial) word.
    typealias Completer = (_ lineBeforeCursor: String) -> [String]

    /// Where history is loaded from and saved to; `nil` keeps history in memory only.
    private let historyFile: String?
    /// Set once a failure to save history has been reported, so it is reported only once.
    private var reportedHistoryFailure = false

    /// Sets up libedit and loads the history file if it exists.
    /// - Parameters:
    ///   - historyFile: path of the history file, or `nil` for in-memory history only.
    ///   - historyLimit: the most entries kept (older ones are dropped, also from the file).
    ///   - completer: called on Tab with the text before the cursor.
    init(historyFile: String?, historyLimit: Int = 1000, completer: @escaping Completer) {
        self.historyFile = historyFile
        Self.selectUTF8Locale()
        EditorState.completer = completer

        rl_readline_name = UnsafePointer(EditorState.permanent("ars"))  // Selects `ars:` lines in ~/.editrc.
        rl_basic_word_break_characters = UnsafePointer(EditorState.permanent(EditorState.wordBreaks))
        rl_attempted_completion_function = EditorState.complete
        rl_pre_input_hook = EditorState.disableSignalKeys
        rl_catch_signals = 0  // See "Signals" above.
        rl_initialize()
        rl_add_defun(EditorState.permanent("ars-interrupt"), EditorState.interrupt, EditorState.controlC)
        rl_add_defun(EditorState.permanent("ars-suspend"), EditorState.suspend, EditorState.controlZ)

        stifle_history(Int32(clamping: max(historyLimit, 0)))
        if let historyFile {
            read_history(historyFile)  // A missing file leaves the history empty.
        }
    }

    // MARK: - Reading

    /// Shows `prompt` and reads one line.
    ///
    /// Ctrl-C clears the line and returns `.interrupted` (never exits the process). Ctrl-D on an empty
    /// line returns `.endOfFile` after printing a newline, so the shell's next output starts on a
    /// fresh line. When `read` returns, the terminal is back in its normal mode (ISIG on).
    func read(prompt: String) -> Read {
        EditorState.interrupted = false
        rl_resize_terminal()  // Without libedit's SIGWINCH handler, the size is read here.
        guard let text = readline(prompt) else {
            if isatty(STDIN_FILENO) == 1 {
                fputs("\n", stdout)
                fflush(stdout)
            }
            return .endOfFile
        }
        defer { free(text) }
        return EditorState.interrupted ? .interrupted : .line(String(cString: text))
    }

    // MARK: - History

    /// The history, oldest first (for a `history` command).
    var history: [String] {
        (0..<history_length).compactMap(Self.historyEntry(at:))
    }

    /// Adds a line to history and saves the history file.
    ///
    /// Blank lines and immediate duplicates are skipped. The file is written to a fresh temporary file
    /// (mode 0600 from creation) and renamed over the old one, so it is never group/world readable,
    /// not even transiently; missing parent directories are created with mode 0700. Saving is best
    /// effort: the first failure is reported on standard error, later ones silently.
    func addHistory(_ line: String) {
        guard !line.allSatisfy(\.isWhitespace), line != Self.historyEntry(at: history_length - 1) else {
            return
        }
        add_history(line)
        guard let historyFile else { return }
        if let failure = Self.save(to: historyFile), !reportedHistoryFailure {
            reportedHistoryFailure = true
            fputs("ars: cannot save history to \(historyFile): \(failure)\n", stderr)
        }
    }

    /// The history entry at `index` (0 is the oldest), or `nil` when out of range.
    private static func historyEntry(at index: Int32) -> String? {
        guard index >= 0, let entry = history_get(history_base + index), let line = entry.pointee.line else {
            return nil
        }
        return String(cString: line)
    }

    /// Writes the whole history to `path` atomically with mode 0600; returns an error description on failure.
    private static func save(to path: String) -> String? {
        makeParentDirectories(of: path)
        var template = Array("\(path).XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { return String(cString: strerror(errno)) }
        close(descriptor)

        let status = write_history(template)
        guard status == 0, rename(template, path) == 0 else {
            let failure = String(cString: strerror(status != 0 ? status : errno))
            unlink(template)
            return failure
        }
        return nil
    }

    /// Creates the missing parent directories of `path` with mode 0700 (like `mkdir -p`).
    private static func makeParentDirectories(of path: String) {
        var directory = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/").dropLast() {
            directory += "/\(component)"
            mkdir(directory, 0o700)  // EEXIST is expected for all but the missing ones.
        }
    }

    // MARK: - Locale

    /// Adopts the user's locale so libedit decodes multibyte input; without a UTF-8 codeset (e.g. LANG
    /// unset) Chinese input would be silently dropped, so the character type falls back to C.UTF-8.
    private static func selectUTF8Locale() {
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET))).uppercased().filter { $0 != "-" }
        if codeset != "UTF8" {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
    }
}

// MARK: - State shared with libedit's C callbacks

/// Process-wide state for the C callbacks, which cannot capture context.
///
/// Only the thread currently inside `LineEditor.read` touches it (libedit runs the callbacks
/// synchronously on that thread), which is why `nonisolated(unsafe)` is sound here.
private enum EditorState {
    /// The ASCII code of Ctrl-C.
    static let controlC: Int32 = 0x03
    /// The ASCII code of Ctrl-Z.
    static let controlZ: Int32 = 0x1A
    /// Completion splits words on whitespace only.
    static let wordBreaks = " \t\n"

    /// The completer of the (single) `LineEditor`.
    nonisolated(unsafe) static var completer: LineEditor.Completer = { _ in [] }
    /// Candidates of the completion in progress, handed to libedit one by one by `nextCandidate`.
    nonisolated(unsafe) static var candidates: [String] = []
    /// Index of the next candidate `nextCandidate` returns.
    nonisolated(unsafe) static var candidateIndex = 0
    /// Set by the Ctrl-C binding during the current `read`.
    nonisolated(unsafe) static var interrupted = false

    /// A C string libedit may keep forever (it stores some pointers without copying them).
    static func permanent(_ string: String) -> UnsafeMutablePointer<CChar> {
        strdup(string)!
    }

    // MARK: Hooks

    /// Runs before each line is edited: turns off the terminal's signal keys (ISIG) in libedit's
    /// editing mode, so Ctrl-C arrives as a key instead of SIGINT. libedit restores the terminal's
    /// normal mode, ISIG included, when the line is finished.
    static let disableSignalKeys: @convention(c) () -> Int32 = {
        rl_parse_and_bind("setty -d -isig")
        return 0
    }

    /// Bound to Ctrl-C: records the interrupt and pushes a Return, which makes libedit move below the
    /// text being edited, print a newline and finish the line; `read` then discards it.
    static let interrupt: @convention(c) (Int32, Int32) -> Int32 = { _, _ in
        interrupted = true
        return rl_insert(1, Int32(UInt8(ascii: "\r")))
    }

    /// Bound to Ctrl-Z: suspends the process like a shell job. The terminal is in its normal mode
    /// while stopped; once continued, editing resumes and the line is redrawn.
    static let suspend: @convention(c) (Int32, Int32) -> Int32 = { _, _ in
        rl_deprep_terminal()
        // Stop on this very thread, synchronously: it may block SIGTSTP (Dispatch's worker threads
        // do), and the stop would then happen later, on another thread, after the terminal is raw again.
        var stop = sigset_t()
        var previous = sigset_t()
        sigemptyset(&stop)
        sigaddset(&stop, SIGTSTP)
        pthread_sigmask(SIG_UNBLOCK, &stop, &previous)
        raise(SIGTSTP)
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        rl_prep_terminal(0)
        rl_forced_update_display()
        return 0
    }

    // MARK: Completion

    /// `rl_attempted_completion_function`: asks the completer and returns libedit's match list
    /// (element 0 is what replaces the word, followed by the candidates), or `nil` for none.
    static let complete:
        @convention(c) (UnsafePointer<CChar>?, Int32, Int32)
            -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { word, _, end in
                rl_attempted_completion_over = 1  // Never fall back to file name completion.
                guard let word, let buffer = rl_line_buffer else { return nil }
                // `end` counts characters, not bytes.
                let beforeCursor = String(String(cString: buffer).unicodeScalars.prefix(Int(end)))
                candidates = completer(beforeCursor)
                candidateIndex = 0
                guard let matches = rl_completion_matches(word, nextCandidate) else { return nil }
                // Candidates that do not all extend the typed word would shorten it to their common
                // prefix; keep what the user typed instead.
                if strlen(matches[0]!) < strlen(word) {
                    free(matches[0])
                    matches[0] = strdup(word)
                }
                return matches
            }

    /// `rl_compentry_func_t`: returns the candidates one by one as malloc'd strings, then `nil`.
    static let nextCandidate: @convention(c) (UnsafePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>? = { _, _ in
        guard candidateIndex < candidates.count else { return nil }
        defer { candidateIndex += 1 }
        return strdup(candidates[candidateIndex])
    }
}
