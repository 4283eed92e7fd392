import Commands
/// A statement's text after joining `\` continuations, stripping comments and taking a heredoc,
/// with the mapping back to physical lines and columns for error locations.
struct LogicalLine {
    struct Segment {
        /// Where this physical line's text starts in the logical text.
        var logicalStart: Int
        var line: Int
        /// 0-based column in the physical line of the segment's first character.
        var columnOffset: Int
        var physicalText: String
    }

    /// The logical text; `keyword` follows it.
    var text: String { didSet { keyword = Self.keyword(of: text) } }
    var segments: [Segment]
    var file: String
    var heredoc: String?
    var heredocInterpolates = true

    static let keywords: Set<String> = [
        "param", "let", "assert", "require", "wait", "if", "else", "end", "for", "try", "source", "evidence",
    ]

    /// The statement keyword, or "" for a command (kept with `text`: the parser asks often).
    private(set) var keyword = ""

    init(text: String, segments: [Segment], file: String) {
        self.text = text
        self.segments = segments
        self.file = file
        self.keyword = Self.keyword(of: text)
    }

    private static func keyword(of text: String) -> String {
        // Keywords are ASCII words: the first word's bytes up to a space or tab decide, unless
        // something else (another kind of white space) comes first.
        let bytes = text.utf8
        let end = bytes.firstIndex { $0 == 0x20 || $0 == 0x09 || $0 >= 0x80 || ($0 >= 0x0A && $0 <= 0x0D) } ?? bytes.endIndex
        let first =
            end == bytes.endIndex || bytes[end] < 0x80 ? String(Substring(bytes[..<end])) : String(text.prefix { !$0.isWhitespace })
        return keywords.contains(first) ? first : ""
    }

    /// The text after a leading word, without the spaces that follow it, and its offset.
    func text(after word: String) -> (text: String, offset: Int) {
        let rest = text.dropFirst(word.count)
        let spaces = rest.prefix { $0 == " " || $0 == "\t" }.count
        return (String(rest.dropFirst(spaces)), text.distance(from: text.startIndex, to: rest.startIndex) + spaces)
    }

    /// The file:line:col of a character offset in the logical text.
    func location(atOffset offset: Int) -> SourceLocation {
        let segment = segments.last { $0.logicalStart <= offset } ?? segments[0]
        let column = segment.columnOffset + (offset - segment.logicalStart) + 1
        return SourceLocation(file: file, line: segment.line, column: column, lineText: segment.physicalText)
    }
}

/// Reads physical lines into logical lines.
struct LineReader {
    private let lines: [String]
    private let file: String
    private var index = 0
    /// An `else`/`end` that closed a block other than the one that expected it.
    var pendingTerminator: LogicalLine?

    init(text: String, file: String) {
        // On bytes: `\r\n` is one Character, so a Character split would leave a CRLF file whole.
        self.lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            String(Substring(line.last == UInt8(ascii: "\r") ? line.dropLast() : line))
        }
        self.file = file
    }

    /// The next statement's logical line; nil at the end.
    mutating func next() throws(ArsError) -> LogicalLine? {
        if let pending = pendingTerminator {
            pendingTerminator = nil
            return pending
        }
        while index < lines.count {
            let lineNumber = index + 1
            let physical = lines[index]
            index += 1
            let leading = physical.prefix { $0 == " " || $0 == "\t" }.count
            let content = String(physical.dropFirst(leading))
            if content.isEmpty || content.hasPrefix("#") { continue }

            var logical = LogicalLine(text: "", segments: [], file: file)
            var piece = stripComment(content)
            var pieceLine = lineNumber
            var pieceColumn = leading
            var pieceText = physical
            // Join continuation lines (a trailing unescaped backslash).
            while piece.hasSuffix("\\") && !piece.hasSuffix("\\\\") {
                logical.segments.append(
                    .init(logicalStart: logical.text.count, line: pieceLine, columnOffset: pieceColumn, physicalText: pieceText))
                logical.text += String(piece.dropLast()).trimmingTrailingWhitespace() + " "
                guard index < lines.count else {
                    throw ArsError.invalidInput(
                        .scriptSyntax, "the script ends after a line continuation",
                        location: SourceLocation(file: file, line: pieceLine, column: pieceColumn + piece.count, lineText: pieceText))
                }
                pieceText = lines[index]
                pieceLine = index + 1
                index += 1
                pieceColumn = pieceText.prefix { $0 == " " || $0 == "\t" }.count
                piece = stripComment(String(pieceText.dropFirst(pieceColumn)))
            }
            logical.segments.append(
                .init(logicalStart: logical.text.count, line: pieceLine, columnOffset: pieceColumn, physicalText: pieceText))
            logical.text += piece.trimmingTrailingWhitespace()
            try takeHeredoc(&logical)
            return logical
        }
        return nil
    }

    /// `… <<WORD` / `<<'WORD'` / `<<-WORD` at the end of a line: the following lines up to WORD
    /// become the command's stdin.
    private mutating func takeHeredoc(_ logical: inout LogicalLine) throws(ArsError) {
        guard let heredoc = Heredoc.opened(by: logical.text) else { return }
        let start = logical.location(atOffset: heredoc.markerOffset)
        logical.text = heredoc.line.trimmingTrailingWhitespace()
        guard let body = heredoc.body(from: lines, index: &index) else { throw heredoc.unclosed(at: start) }
        logical.heredoc = body
        logical.heredocInterpolates = heredoc.interpolates
    }

    /// Drops a `#` comment that starts a word outside quotes.
    private func stripComment(_ text: String) -> String {
        // Most lines hold no `#` at all.
        guard text.utf8.contains(UInt8(ascii: "#")) else { return text }
        var quote: Character?
        var previous: Character = " "
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            if let open = quote {
                if c == "\\" && open == "\"" {
                    index = text.index(after: index)
                    if index == text.endIndex { break }
                } else if c == open {
                    quote = nil
                }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "#" && (previous == " " || previous == "\t") {
                return String(text[..<index])
            }
            previous = c
            index = text.index(after: index)
        }
        return text
    }
}
