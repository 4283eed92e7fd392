/// Fault-injection directives: `@sandbox …` lines in the message of a turn or send command (the
/// task's prompt for its first turn). They steer the simulated runner for that command only.
struct Directives: Sendable, Equatable {
    /// Default sandbox duration of one simulated turn.
    static let defaultTurnMilliseconds: Int64 = 8_000

    /// `fail=<kind>`: the turn fails with this failure kind.
    var failure: FailureKind?
    /// `stale-result`: the task result endpoint answers with an earlier output.
    var staleResult = false
    /// `heartbeat-stall`: the runner stops heartbeating after the first tool result.
    var heartbeatStall = false
    /// `tool-output-kb=N`: the second tool result carries exactly N KiB.
    var toolOutputKiB: Int?
    /// `turns-ms=N`: the turn takes N ms of sandbox time.
    var turnMilliseconds = Directives.defaultTurnMilliseconds
    /// The message without its directive lines: what the simulated assistant answers.
    var text = ""

    /// Reads the directives of `message`; throws a description of the first bad one.
    init(parsing message: String) throws(DirectiveError) {
        var kept: [Substring] = []
        for line in message.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let trimmed = line.trimming(" \t\r")
            guard trimmed.hasPrefix("@sandbox") else {
                kept.append(line)
                continue
            }
            let words = trimmed.dropFirst("@sandbox".count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard !words.isEmpty else { throw DirectiveError("an @sandbox line names no directive") }
            for word in words { try apply(String(word)) }
        }
        text = kept.joined(separator: "\n").trimming(" \t\r\n")
    }

    /// Directives of a message already validated at creation (stored messages always parse).
    init(stored message: String) {
        self = (try? Directives(parsing: message)) ?? Directives()
    }

    private init() {}

    private mutating func apply(_ word: String) throws(DirectiveError) {
        let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
        let name = parts[0]
        let value = parts.count > 1 ? parts[1] : nil
        switch (name, value) {
        case ("fail", let kind?):
            guard let parsed = FailureKind(rawValue: kind) else {
                let known = FailureKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw DirectiveError("@sandbox fail=\(kind): unknown failure kind (known: \(known))")
            }
            failure = parsed
        case ("stale-result", nil):
            staleResult = true
        case ("heartbeat-stall", nil):
            heartbeatStall = true
        case ("tool-output-kb", let number?):
            guard let kib = Int(number), (0...4096).contains(kib) else {
                throw DirectiveError("@sandbox tool-output-kb=\(number): expected a whole number of KiB from 0 to 4096")
            }
            toolOutputKiB = kib
        case ("turns-ms", let number?):
            guard let milliseconds = Int64(number), (100...86_400_000).contains(milliseconds) else {
                throw DirectiveError("@sandbox turns-ms=\(number): expected sandbox milliseconds from 100 to 86400000")
            }
            turnMilliseconds = milliseconds
        default:
            throw DirectiveError(
                "@sandbox \(word): unknown directive (known: fail=<kind>, stale-result, heartbeat-stall, tool-output-kb=N, turns-ms=N)")
        }
    }
}

/// A malformed `@sandbox` directive.
struct DirectiveError: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}

extension StringProtocol {
    /// The text without leading and trailing characters from `set`.
    func trimming(_ set: String) -> String {
        let scalars = Set(set.unicodeScalars)
        var slice = Substring(self).unicodeScalars[...]
        while let first = slice.first, scalars.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, scalars.contains(last) { slice = slice.dropLast() }
        return String(String.UnicodeScalarView(slice))
    }
}
