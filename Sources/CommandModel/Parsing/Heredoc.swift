/// A command line that ends in a heredoc marker — `create task --prompt-stdin <<'EOF'` — and
/// how its body ends. Scripts, piped stdin, `ars -c` and the REPL all read heredocs with this.
public struct Heredoc: Sendable, Equatable {
    /// The command line without the marker.
    public var line: String
    /// The word that ends the body on a line of its own.
    public var word: String
    /// `<<-WORD`: leading tabs and spaces are stripped from the body and the closing line.
    public var stripsIndentation: Bool
    /// False for a quoted word (`<<'EOF'`): the body is taken literally (no `${…}`).
    public var interpolates: Bool
    /// Character offset of the marker in the line (for error locations).
    public var markerOffset: Int

    /// The heredoc a line opens, if it ends with `<<WORD`, `<<'WORD'`, `<<"WORD"` or `<<-WORD`.
    public static func opened(by line: String) -> Heredoc? {
        // Most lines hold no `<<`: skip the regular expression for them.
        guard mayOpen(line) else { return nil }
        guard let match = line.firstMatch(of: marker) else { return nil }
        let marker = String(line[match.range]).trimmingSpaces()
        return Heredoc(
            line: String(line[..<match.range.lowerBound]), word: marker.filter { $0.isLetter || $0.isNumber || $0 == "_" },
            stripsIndentation: marker.hasPrefix("<<-"), interpolates: !(marker.contains("'") || marker.contains("\"")),
            markerOffset: line.distance(from: line.startIndex, to: match.range.lowerBound) + 1)
    }

    nonisolated(unsafe) private static let marker = #/\s<<(-?)(['"]?)([A-Za-z_][A-Za-z0-9_]*)(['"]?)\s*$/#

    /// Whether the line holds `<<` at all.
    private static func mayOpen(_ line: String) -> Bool {
        var previous: UInt8 = 0
        for byte in line.utf8 {
            if byte == UInt8(ascii: "<") && previous == UInt8(ascii: "<") { return true }
            previous = byte
        }
        return false
    }

    /// Whether `physical` is the line that closes the body.
    public func closes(_ physical: String) -> Bool {
        bodyLine(physical).trimmingTrailingWhitespace() == word
    }

    /// A physical line as it goes into the body.
    public func bodyLine(_ physical: String) -> String {
        stripsIndentation ? String(physical.drop { $0 == "\t" || $0 == " " }) : physical
    }

    /// The error for a body that never closes.
    public func unclosed(at location: SourceLocation) -> ArsError {
        ArsError.invalidInput(
            .scriptSyntax, "heredoc '\(word)' is not closed", hint: "end it with a line holding only \(word)", location: location)
    }

    /// Takes the body from `lines` starting at `index` (advanced past the closing line); nil when
    /// the lines end first.
    public func body(from lines: [String], index: inout Int) -> String? {
        var body: [String] = []
        while index < lines.count {
            let physical = lines[index]
            index += 1
            if closes(physical) { return body.joined(separator: "\n") }
            body.append(bodyLine(physical))
        }
        return nil
    }
}
