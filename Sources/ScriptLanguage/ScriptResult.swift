import Commands
import FoundationEssentials

/// Everything a script run produced. The runner returns it and never prints; the console,
/// evidence and JUnit reporters read it.
public struct ScriptResult: Sendable {
    public var script: Script
    public var startedAt: Date
    public var finishedAt: Date
    /// The parameters' final values.
    public var params: [(String, Value)]
    public var statements: [StatementRecord]
    public var assertions: [AssertionRecord]
    public var evidence: [EvidenceItem]
    /// What stopped the script early: a failed command, a failed `require`, a timed-out `wait`.
    public var failure: ArsError?
    /// Set when the script ran `exit N`.
    public var exitRequest: Int32?
    /// The lane the script acted on: the first lane a command's resolved options named (after
    /// `use lane`, that lane), else the catalogue's default when it could be read.
    public var lane: LaneSettings?
    /// Every lane the script's commands acted on, in order of first use.
    public var lanes: [LaneSettings] = []

    /// Notes the lane a command acted on.
    mutating func recordLane(_ acted: LaneSettings) {
        guard !lanes.contains(where: { $0.qualifiedName == acted.qualifiedName }) else { return }
        if lanes.isEmpty { lane = acted }
        lanes.append(acted)
    }

    /// 0 when everything held, 1 when an assertion failed, else the stopping error's code.
    public var status: Int32 {
        if let exitRequest { return exitRequest }
        if let failure { return failure.exitCode }
        return assertions.contains { !$0.holds } ? 1 : 0
    }
}

/// One executed statement.
public struct StatementRecord: Sendable {
    public enum Status: String, Sendable { case ok, failed }
    /// Which statement ran a command; the raw value is what evidence records.
    public enum Kind: String, Sendable {
        /// A bare command line (its output is shown).
        case command
        /// `let NAME = COMMAND` (its value is bound, not shown).
        case binding = "let"
        /// `wait COMMAND until …` (one record for all its attempts).
        case wait
        /// `try COMMAND` or `let NAME = try COMMAND`.
        case attempt = "try"
    }
    public var location: SourceLocation
    public var kind: Kind
    /// The command line as run (after interpolation), or the statement text.
    public var line: String
    public var status: Status
    public var duration: Double
    public var exitCode: Int32
    /// A few identifying fields of the command's value (id, status, kind, …).
    public var keyFields: Value
    /// For `wait`: how many times the command ran.
    public var attempts: Int?
    public var error: String?
    /// The whole value of a command whose check failed (exit 1), so the evidence says what failed.
    public var failedOutput: Value?
}

/// One `assert` or `require`.
public struct AssertionRecord: Sendable {
    public var location: SourceLocation
    public var expression: String
    public var message: String?
    public var holds: Bool
    public var actual: Value?
    public var expected: Value?
    public var comparison: String?
    /// True for `require` (a failure stopped the script).
    public var isRequire: Bool
}

/// One `evidence "title" EXPR`.
public struct EvidenceItem: Sendable {
    public var title: String
    public var value: Value
    public var location: SourceLocation
}
