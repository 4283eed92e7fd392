/// A command: one signature, a pure step that resolves what it was asked into its own typed
/// options, and the code that runs those options.
///
/// A line goes through three stages, each testable alone (kubectl's Complete → Validate → Run,
/// as types):
/// 1. **parse** (the parser, driven by `signature`): words become an `Invocation`, and left-out
///    positionals are filled from the session context;
/// 2. **resolve** (`resolve`): the invocation becomes `Options` — the target parsed once, the
///    lane and node resolved once, defaults applied, every rule checked. It has no effects: it
///    may read the catalogue and files named on the line, never the network, a node or the
///    context it would change. The dispatcher, `check`, completion and tests call it; a command
///    reads its arguments by name here and nowhere else;
/// 3. **run** (`run`): the work, on the options alone, returning a value that printers render.
///    Commands never print results.
public protocol Command: Sendable {
    /// Everything the command needs to run, resolved from the invocation.
    associatedtype Options: Sendable = NoOptions
    var signature: CommandSignature { get }
    /// Turns an invocation into options, or throws a usage error that says what to fix; nothing
    /// has been sent or changed when it throws.
    func resolve(_ invocation: Invocation, in session: Session) throws -> Options
    /// Does the work and returns the value to render or bind.
    func run(_ options: Options, in session: Session) async throws -> CommandOutput
}

/// The options of a command that takes none but `--output` and `--help`.
public struct NoOptions: Sendable, Equatable {
    public init() {}
}

extension Command where Options == NoOptions {
    public func resolve(_ invocation: Invocation, in session: Session) throws -> NoOptions { NoOptions() }
}

extension Command {
    /// Resolves and checks an invocation without running it (`check`, examples, completion).
    public func check(_ invocation: Invocation, in session: Session) throws {
        _ = try resolve(invocation, in: session)
    }

    /// Resolves, then runs: what the dispatcher does with a parsed line. Returns the options'
    /// lane too, when they act on one, so a script records the lane its commands really used.
    public func execute(_ invocation: Invocation, in session: Session) async throws -> (output: CommandOutput, lane: LaneSettings?) {
        let options = try resolve(invocation, in: session)
        let output = try await run(options, in: session)
        return (output, (options as? any LaneScoped)?.lane)
    }
}

/// Options of a command that acts on one lane, resolved from `--node/--lane`, the context and
/// the catalogue's defaults.
public protocol LaneScoped: Sendable {
    var lane: LaneSettings { get }
}

extension Invocation {
    /// The lane the line names: `--node/--lane`, else the context, else the catalogue's defaults.
    /// For resolve steps only.
    public func lane(in session: Session) throws(ArsError) -> LaneSettings {
        try session.lane(node: option(Option.node.name), lane: option(Option.lane.name))
    }
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
