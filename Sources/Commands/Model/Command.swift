/// A command: one signature plus the code that runs it.
///
/// A command runs in four steps, each testable alone: the parser turns words into an
/// `Invocation` (pure, driven by `signature`); the dispatcher fills left-out arguments from the
/// session context; `validate` checks the invocation without effects; `run` does the work and
/// returns a value. Commands never print results — printers render the returned `CommandOutput`.
public protocol Command: Sendable {
    var signature: CommandSignature { get }
    /// Checks the invocation before anything happens; throw a usage error to refuse it.
    func validate(_ invocation: Invocation, in session: Session) throws
    /// Does the work and returns the value to render or bind.
    func run(_ invocation: Invocation, in session: Session) async throws -> CommandOutput
}

extension Command {
    public func validate(_ invocation: Invocation, in session: Session) throws {}
}

/// A group of commands registered together. Plugins depend on this module only and are listed
/// explicitly where the shell is wired; built-ins register the same way.
public protocol CommandPlugin: Sendable {
    /// A short name for listings (`queue`, `control-plane`).
    var name: String { get }
    var commands: [any Command] { get }
    /// Named completion providers this plugin offers (referenced by `Completion.provider`).
    var completionProviders: [String: CompletionProvider] { get }
}

extension CommandPlugin {
    public var completionProviders: [String: CompletionProvider] { [:] }
}

/// Produces completion candidates for a partial word. Synchronous on purpose: Tab runs inside
/// the line editor and must answer quickly (serve from a cache, bound any I/O).
public typealias CompletionProvider = @Sendable (_ request: CompletionRequest) -> [CompletionCandidate]

/// What a completion provider is asked: the word so far, the session, and the options already
/// given on the line — so `--lane` after `--node D601` offers D601's lanes.
public struct CompletionRequest: Sendable {
    public var partial: String
    public var session: Session
    /// Option values given earlier on the line, by long name.
    public var options: [String: [String]]

    public init(partial: String, session: Session, options: [String: [String]] = [:]) {
        self.partial = partial
        self.session = session
        self.options = options
    }

    /// The last value given for an option on the line.
    public func option(_ name: String) -> String? { options[name]?.last }
}

/// One completion candidate with an optional description (shown by zsh and fish).
public struct CompletionCandidate: Sendable, Equatable {
    public var value: String
    public var description: String?
    public init(_ value: String, _ description: String? = nil) {
        self.value = value
        self.description = description
    }
}

/// Names of the completion providers the framework itself registers.
public enum CompletionProviders {
    public static let node = "node"
    public static let lane = "lane"
    public static let task = "task"
}

/// The version of ars, shown by `ars --version` and written into evidence.
public enum ArsVersion {
    public static let current = "0.1.0"
}
