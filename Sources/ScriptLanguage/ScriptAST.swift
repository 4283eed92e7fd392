import Commands
/// A parsed `.ars` script: statements with a source location on each, and its parameters.
public struct Script: Sendable {
    /// The path as given (used in messages) and the absolute path (used for `source` and cycles).
    public var file: String
    public var absolutePath: String
    public var text: String
    public var statements: [Statement]
    /// Every `param` of the script and of the files it sources, in order.
    public var params: [ScriptParam]
}

/// `param NAME [= default]`.
public struct ScriptParam: Sendable {
    public var name: String
    public var defaultValue: Expression?
    public var location: SourceLocation
}

/// One statement of a script.
public struct Statement: Sendable {
    public var location: SourceLocation
    /// The statement's text as written (continuations joined, comment and heredoc removed).
    public var source: String
    public var kind: Kind

    public indirect enum Kind: Sendable {
        /// A shell command, as typed in the REPL.
        case command(ScriptCommand)
        case param(ScriptParam)
        /// `let NAME = COMMAND` (with `try`: failures become a value).
        case letCommand(name: String, command: ScriptCommand, isTry: Bool)
        /// `let NAME = EXPR`.
        case letExpression(name: String, expression: Expression)
        /// `assert EXPR [, "message"]`: records the outcome and goes on. `text` is EXPR as written.
        case assert(Expression, text: String, message: String?)
        /// `require EXPR [, "message"]`: stops the script when false.
        case require(Expression, text: String, message: String?)
        /// `[let NAME =] wait COMMAND until EXPR [--timeout D] [--every D]`: `it` is the command's
        /// value; with `let`, NAME is bound to the last value (the one that satisfied EXPR).
        case wait(ScriptCommand, until: Expression, timeout: Double, every: Double, bind: String?)
        case ifElse(condition: Expression, then: [Statement], otherwise: [Statement])
        case forEach(name: String, in: Expression, body: [Statement])
        /// `try COMMAND`: a failure does not stop the script.
        case tryCommand(ScriptCommand)
        /// `source FILE`: the other file's statements, run in the same scope.
        case source(Script)
        /// `evidence "title" EXPR`.
        case evidence(title: String, Expression)
    }
}

/// A command inside a script: its words before interpolation, and the heredoc feeding its stdin.
public struct ScriptCommand: Sendable {
    /// The text of the command as written (after the keyword, continuation lines joined).
    public var text: String
    /// Words with quotes removed; `${…}` is expanded when the statement runs.
    public var tokens: [Token]
    /// The heredoc body, if the command ends with `<<WORD` (interpolated unless `<<'WORD'`).
    public var stdin: String?
    public var interpolatesStdin: Bool
    public var location: SourceLocation
    /// Where each token starts, for errors inside `${…}`.
    public var tokenLocations: [SourceLocation]
}
