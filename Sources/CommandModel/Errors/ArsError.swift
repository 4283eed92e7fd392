import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// The one error type commands and the shell throw. It says what was wrong, where, and what to
/// do next; `ErrorReport` turns it into text and an exit code in one place.
public struct ArsError: Error, Sendable, Equatable {
    /// The broad class of failure; decides the exit code.
    public enum Kind: String, Sendable {
        /// A command's check or an assertion did not hold (exit 1).
        case checkFailed
        /// Bad command-line input: unknown command, bad flag, missing argument (exit 2).
        case usage
        /// A script or configuration file is malformed (exit 2).
        case invalidInput
        /// The remote side or the transport failed (exit 3).
        case remote
        /// A safety gate refused (exit 4).
        case refused
        /// A bug in ars (exit 70).
        case `internal`
    }

    public var kind: Kind
    /// A stable, greppable code such as `unknown-command`.
    public var code: ErrorCode
    /// A short statement of what went wrong.
    public var message: String
    /// What to do about it, if there is something useful to say.
    public var hint: String?
    /// Where it happened, for errors in files or command lines.
    public var location: SourceLocation?

    public init(_ kind: Kind, code: ErrorCode, _ message: String, hint: String? = nil, location: SourceLocation? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.hint = hint
        self.location = location
    }

    /// The process exit code for this error: 1 check failed, 2 usage or input, 3 remote, 4 refused.
    public var exitCode: Int32 {
        switch kind {
        case .checkFailed: 1
        case .usage, .invalidInput: 2
        case .remote: 3
        case .refused: 4
        case .internal: 70
        }
    }

    // MARK: Common constructors

    public static func usage(_ code: ErrorCode, _ message: String, hint: String? = nil, location: SourceLocation? = nil) -> ArsError {
        ArsError(.usage, code: code, message, hint: hint, location: location)
    }

    public static func invalidInput(_ code: ErrorCode, _ message: String, hint: String? = nil, location: SourceLocation? = nil) -> ArsError
    {
        ArsError(.invalidInput, code: code, message, hint: hint, location: location)
    }
}

/// A place in a command line or a file: 1-based line and column, plus the file when there is one.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var line: Int
    public var column: Int
    /// The text of the line, so a report can show it with a caret.
    public var lineText: String?

    public init(file: String? = nil, line: Int = 1, column: Int, lineText: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.lineText = lineText
    }

    public var description: String {
        let position = "\(line):\(column)"
        return file.map { "\($0):\(position)" } ?? position
    }
}

/// Renders errors for stderr: the single place that decides how an error reads.
public enum ErrorReport {
    /// `error: …` with location, the offending line and a caret under the column, then the hint.
    /// Every piece is redacted first, then made terminal-safe (an error may quote the user's
    /// input or a server's message).
    public static func render(_ error: ArsError, colour: Bool = false, redact: (String) -> String = { $0 }) -> String {
        func safe(_ text: String) -> String { TerminalSafe.sanitize(redact(text)) }
        let red = colour ? "\u{1B}[31;1m" : ""
        let bold = colour ? "\u{1B}[1m" : ""
        let reset = colour ? "\u{1B}[0m" : ""
        var out = ""
        if let location = error.location, location.file != nil {
            out += "\(bold)\(safe(location.description)):\(reset) "
        }
        out += "\(red)error\(reset)[\(safe(error.code.rawValue))]: \(safe(error.message))\n"
        if let location = error.location, let rawLine = location.lineText {
            // The caret is placed under the escaped text, measured by the escaped prefix.
            let lineText = safe(rawLine)
            let prefix = safe(String(redact(rawLine).prefix(max(0, location.column - 1))))
            let gutter = location.file == nil ? "" : "\(location.line) | "
            out += "  \(gutter)\(lineText)\n"
            let caretIndent = String(repeating: " ", count: gutter.count + TextWidth.of(prefix))
            out += "  \(caretIndent)^\n"
        }
        if let hint = error.hint {
            out += "  hint: \(safe(hint))\n"
        }
        return out
    }

    /// Converts any error into an `ArsError` (unknown errors are internal).
    public static func normalize(_ error: any Error) -> ArsError {
        if let error = error as? ArsError { return error }
        if error is CancellationError {
            return ArsError(
                .remote, code: .interrupted, "interrupted",
                hint: "nothing more was sent; a change already accepted by the server stays (check with 'get')")
        }
        return ArsError(.internal, code: .internal, "\(error)", hint: "this is a bug in ars; please report it with the command you ran")
    }

}

extension ArsError {
    /// A system error as a person reads it: `No such file or directory` for a file error (its
    /// path is in the message around it), else the error's own description.
    public static func reason(_ error: any Error) -> String {
        if let file = error as? CocoaError {
            if let posix = file.underlying as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
            return "file error \(file.code.rawValue)" + (file.filePath.map { " at \($0)" } ?? "")
        }
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        return "\(error)"
    }
}
