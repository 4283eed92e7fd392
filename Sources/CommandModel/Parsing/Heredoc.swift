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
        guard let match = line.range(of: #"\s<<(-?)(['"]?)([A-Za-z_][A-Za-z0-9_]*)(['"]?)\s*$"#, options: .regularExpression) else {
            return nil
        }
        let marker = String(line[match]).trimmingCharacters(in: .whitespaces)
        return Heredoc(
            line: String(line[..<match.lowerBound]), word: marker.filter { $0.isLetter || $0.isNumber || $0 == "_" },
            stripsIndentation: marker.hasPrefix("<<-"), interpolates: !(marker.contains("'") || marker.contains("\"")),
            markerOffset: line.distance(from: line.startIndex, to: match.lowerBound) + 1)
    }

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

extension StringProtocol {
    /// The text without ASCII white space (space, tab, CR, LF) at either end — on UTF-8 bytes, for
    /// the paths every command line and request takes (Foundation's trimming bridges to NSString).
    public func trimmingASCIIWhitespace() -> String {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        let text = Substring(self)
        let bytes = text.utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isBlank(bytes[start]) { start = bytes.index(after: start) }
        while end > start, isBlank(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return String(text[start..<end])
    }
}

extension String {
    /// The string without trailing spaces and tabs.
    public func trimmingTrailingWhitespace() -> String {
        // On UTF-8 bytes: every script line goes through here.
        var end = utf8.endIndex
        while end > utf8.startIndex {
            let before = utf8.index(before: end)
            guard utf8[before] == 0x20 || utf8[before] == 0x09 else { break }
            end = before
        }
        return end == utf8.endIndex ? self : String(self[..<end])
    }
}
