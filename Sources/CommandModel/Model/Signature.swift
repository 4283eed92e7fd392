/// The one declaration of a command's grammar. The parser, `help`, REPL completion and the
/// generated bash/zsh/fish scripts all read it; nothing about a command's grammar is written twice.
public struct CommandSignature: Sendable {
    /// The words that name the command: `["control-plane", "status"]`.
    public var path: [String] { didSet { name = path.joined(separator: " ") } }
    /// One line for listings and completion descriptions.
    public var summary: String
    /// Longer help text shown by `help COMMAND`.
    public var discussion: String?
    public var positionals: [Positional]
    public var options: [Option]
    public var examples: [Example]
    /// Hidden commands work but are left out of help listings and completion.
    public var isHidden: Bool
    /// Every word after the command path goes, unparsed, to the last (variadic) positional; only
    /// `--help` is still recognised. For guards and bridges that take another tool's arguments.
    public var isPassthrough: Bool
    /// The lanes the command acts on: any, or YAML-only lanes alone (completion offers it only
    /// while the current lane is one).
    public var lanes: LaneRequirement

    /// Which lanes a command applies to.
    public enum LaneRequirement: Sendable, Equatable {
        case any
        case yamlOnly
    }

    public init(
        _ path: String,
        summary: String,
        discussion: String? = nil,
        positionals: [Positional] = [],
        options: [Option] = [],
        examples: [Example] = [],
        isHidden: Bool = false,
        isPassthrough: Bool = false,
        lanes: LaneRequirement = .any
    ) {
        self.path = path.split(separator: " ").map(String.init)
        self.name = self.path.joined(separator: " ")
        self.summary = summary
        self.discussion = discussion
        self.positionals = positionals
        self.options = options
        self.examples = examples
        self.isHidden = isHidden
        self.isPassthrough = isPassthrough
        self.lanes = lanes
    }

    /// The command's name as typed: `control-plane status`.
    /// The words of the path joined by spaces (kept with `path`: it is looked up on every start).
    public private(set) var name: String

    /// Options this command accepts, including the ones every command has (`--output`, `--help`).
    public var allOptions: [Option] { options + Option.common }

    /// Looks up an option by its long name (without dashes).
    public func option(named name: String) -> Option? {
        // The two lists in turn: `allOptions` would build a new array on every lookup.
        options.first { $0.name == name } ?? Option.common.first { $0.name == name }
    }

    /// Looks up an option by its short letter.
    public func option(short: Character) -> Option? {
        options.first { $0.short == short } ?? Option.common.first { $0.short == short }
    }
}

// MARK: - Positionals

/// A positional argument.
public struct Positional: Sendable {
    public var name: String
    public var summary: String
    public var kind: ValueKind
    public var isOptional: Bool
    /// Takes every remaining argument; must be the last positional.
    public var isVariadic: Bool
    public var completion: Completion
    /// When the argument is left out, the session context supplies it (e.g. the current task).
    public var contextDefault: ContextKey?

    public init(
        _ name: String,
        _ summary: String,
        kind: ValueKind = .string,
        optional: Bool = false,
        variadic: Bool = false,
        completion: Completion? = nil,
        contextDefault: ContextKey? = nil
    ) {
        self.name = name
        self.summary = summary
        self.kind = kind
        self.isOptional = optional || variadic
        self.isVariadic = variadic
        self.completion = completion ?? kind.defaultCompletion
        self.contextDefault = contextDefault
    }

    /// How the argument is shown in a usage line: `NAME`, `[NAME]`, `NAME...`.
    public var usage: String {
        let word = name.uppercased() + (isVariadic ? "..." : "")
        return isOptional ? "[\(word)]" : word
    }
}

// MARK: - Options and flags

/// A named option (`--limit 200`) or, with `kind == nil`, a flag (`--confirm`).
public struct Option: Sendable {
    public var name: String
    public var short: Character?
    public var summary: String
    /// The kind of the option's value; nil for a flag.
    public var kind: ValueKind?
    public var valueName: String
    public var defaultValue: String?
    public var isRepeatable: Bool
    public var completion: Completion

    /// A valued option.
    public init(
        _ name: String,
        short: Character? = nil,
        _ summary: String,
        kind: ValueKind = .string,
        valueName: String? = nil,
        default defaultValue: String? = nil,
        repeatable: Bool = false,
        completion: Completion? = nil
    ) {
        self.name = name
        self.short = short
        self.summary = summary
        self.kind = kind
        self.valueName = valueName ?? kind.defaultValueName
        self.defaultValue = defaultValue
        self.isRepeatable = repeatable
        self.completion = completion ?? kind.defaultCompletion
    }

    /// A boolean flag.
    public static func flag(_ name: String, short: Character? = nil, _ summary: String) -> Option {
        var option = Option(name, short: short, summary)
        option.kind = nil
        option.valueName = ""
        option.completion = .none
        return option
    }

    public var isFlag: Bool { kind == nil }

    /// `-o, --output FORMAT` for help listings.
    public var usage: String {
        let long = "--\(name)" + (isFlag ? "" : " \(valueName)")
        return short.map { "-\($0), \(long)" } ?? long
    }

    // MARK: Shared options

    /// The output format every command accepts.
    public static let output = Option(
        "output", short: "o", "Output format", kind: .choice(OutputFormat.allCases.map(\.rawValue)),
        valueName: "FORMAT", default: OutputFormat.human.rawValue)
    /// Every command's `--help`.
    public static let help = Option.flag("help", short: "h", "Show help for this command")
    /// Options that every command accepts, appended by the registry.
    public static let common: [Option] = [.output, .help]

    /// The node to act on instead of the context's.
    public static let node = Option(
        "node", "Node to act on (default: the context's node)", valueName: "NODE", completion: .provider(CompletionProviders.node))
    /// The lane to act on instead of the context's.
    public static let lane = Option(
        "lane", "Lane to act on (default: the context's lane)", valueName: "LANE", completion: .provider(CompletionProviders.lane))
}

// MARK: - Value kinds and completion

/// What kind of text an argument or option accepts; the parser checks it.
public enum ValueKind: Sendable, Equatable {
    case string
    case int
    /// `30s`, `40m`, `1h30m`, `500ms`.
    case duration
    case file
    case directory
    /// One of a fixed set of words.
    case choice([String])

    var defaultValueName: String {
        switch self {
        case .string: "VALUE"
        case .int: "N"
        case .duration: "DURATION"
        case .file: "FILE"
        case .directory: "DIR"
        case .choice: "CHOICE"
        }
    }

    var defaultCompletion: Completion {
        switch self {
        case .choice(let choices): .values(choices)
        case .file: .files
        case .directory: .directories
        default: .none
        }
    }
}

/// Where completion candidates for an argument come from.
public enum Completion: Sendable, Equatable {
    case none
    case values([String])
    case files
    case directories
    /// A named provider registered by a plugin or the shell (`node`, `lane`, `task`, …).
    case provider(String)
    /// Words of a command path (for `help`): each word completes among the children of the
    /// words before it.
    case commandPath
}

/// Keys of the session context that can fill in a left-out argument.
public enum ContextKey: String, Sendable, CaseIterable {
    case node, lane, task
}

/// A worked example shown by `help` (and, where runnable offline, run by the tests).
public struct Example: Sendable {
    public var command: String
    public var summary: String
    public init(_ command: String, _ summary: String) {
        self.command = command
        self.summary = summary
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
