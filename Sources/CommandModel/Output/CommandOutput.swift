/// What a command returns: a structured value plus how people should see it.
///
/// `-o json` and `-o yaml` print `value`; the human printer prints `human`, or a generic
/// rendering of `value` when `human` is empty. Scripts bind `value`.
public struct CommandOutput: Sendable {
    public var value: Value
    /// How people see it (built on first read when the command deferred it).
    public var human: [HumanBlock] {
        get {
            switch humanSource {
            case .blocks(let blocks): blocks
            case .deferred(let make): make()
            }
        }
        set { humanSource = .blocks(newValue) }
    }
    /// The exit status this result stands for: 0, or 1 when a check the command made failed.
    public var status: Int32
    /// Set by commands that end the REPL or a script (`exit`): the status to exit with.
    public var exitRequest: Int32?

    private enum HumanSource: Sendable {
        case blocks([HumanBlock])
        case deferred(@Sendable () -> [HumanBlock])
    }
    private var humanSource: HumanSource

    public init(_ value: Value, human: [HumanBlock] = [], status: Int32 = 0, exitRequest: Int32? = nil) {
        self.value = value
        self.humanSource = .blocks(human)
        self.status = status
        self.exitRequest = exitRequest
    }

    /// A result whose human view is built only if a person will see it: a script binding the value,
    /// `-o json` and `-o yaml` never pay for the table. The view must hold no `.warning` (those
    /// go to the session as they happen), since machine formats do not build it.
    public init(_ value: Value, deferredHuman: @escaping @Sendable () -> [HumanBlock], status: Int32 = 0) {
        self.value = value
        self.humanSource = .deferred(deferredHuman)
        self.status = status
        self.exitRequest = nil
    }

    /// The human blocks when they were given; none when deferred (a deferred view has no
    /// warnings), so machine formats can look for warnings without building the view.
    public var builtHuman: [HumanBlock] {
        guard case .blocks(let blocks) = humanSource else { return [] }
        return blocks
    }

    /// Nothing to show.
    public static let none = CommandOutput(.null)
}

/// A piece of human output. Text that came from outside is sanitised by the printer.
public enum HumanBlock: Sendable, Equatable {
    /// One summary line, shown first and emphasised on a terminal.
    case summary(String)
    /// Free text, printed as is (one or more lines).
    case text(String)
    /// Aligned `name: value` pairs.
    case fields([(String, String)])
    /// A table with headers.
    case table(Table)
    /// A titled section of further blocks.
    case section(String, [HumanBlock])
    /// Drill-down commands, printed as `next: …` lines.
    case next([String])
    /// A warning (goes to stderr).
    case warning(String)

    public static func == (lhs: HumanBlock, rhs: HumanBlock) -> Bool {
        switch (lhs, rhs) {
        case (.summary(let a), .summary(let b)), (.text(let a), .text(let b)), (.warning(let a), .warning(let b)): a == b
        case (.fields(let a), .fields(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        case (.table(let a), .table(let b)): a == b
        case (.section(let t1, let b1), .section(let t2, let b2)): t1 == t2 && b1 == b2
        case (.next(let a), .next(let b)): a == b
        default: false
        }
    }
}

/// A table for human output; widths account for double-width characters.
public struct Table: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var header: String
        public var alignRight: Bool
        /// Cells longer than this many display columns are cut with `…` (nil: never).
        public var maxWidth: Int?
        public init(_ header: String, alignRight: Bool = false, maxWidth: Int? = nil) {
            self.header = header
            self.alignRight = alignRight
            self.maxWidth = maxWidth
        }
    }

    public var columns: [Column]
    public var rows: [[String]]

    public init(columns: [Column], rows: [[String]]) {
        self.columns = columns
        self.rows = rows
    }
}
