import Commands
// MARK: - Source text

/// The text of an expression with the location of its first character; turns character offsets
/// into locations, so every token and error points at its exact line and column.
struct ExpressionSource: Sendable {
    let characters: [Character]
    let origin: SourceLocation
    /// Offsets at which each line of the text starts; the first line starts at 0.
    private let lineStarts: [Int]

    init(_ text: String, at origin: SourceLocation) {
        characters = Array(text)
        self.origin = origin
        var starts = [0]
        for (offset, character) in characters.enumerated() where character.isNewline { starts.append(offset + 1) }
        lineStarts = starts
    }

    /// The location of the character at `offset` (or just past the end).
    func location(at offset: Int) -> SourceLocation {
        let lineIndex = (lineStarts.lastIndex { $0 <= offset }) ?? 0
        guard lineIndex > 0 else {
            var location = origin
            location.column = origin.column + offset
            return location
        }
        let start = lineStarts[lineIndex]
        let end = lineIndex + 1 < lineStarts.count ? lineStarts[lineIndex + 1] - 1 : characters.count
        return SourceLocation(
            file: origin.file, line: origin.line + lineIndex, column: offset - start + 1,
            lineText: String(characters[start..<end]))
    }

    /// An expression error located at `offset`.
    func error(_ message: String, at offset: Int, code: ErrorCode = .scriptExpression, hint: String? = nil) -> ArsError {
        .invalidInput(code, message, hint: hint, location: location(at: offset))
    }
}

// MARK: - Tokens

/// One lexical token of an expression; `offset` is where it starts in the source text.
struct ExpressionToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A name or keyword: `task`, `and`, `exists`, `true`.
        case word(String)
        case integer(Int)
        case decimal(Double)
        /// A double-quoted string, split into literal text and `${…}` ranges.
        case string([ExpressionStringSegment])
        /// A single-quoted raw string.
        case rawString(String)
        /// Punctuation or an operator: `(` `)` `[` `]` `,` `.` `-` `==` `!=` `<` `<=` `>` `>=`.
        case symbol(String)
        case end
    }

    var kind: Kind
    var offset: Int
}

/// A piece of a double-quoted string: literal text, or the character range of a `${…}` body.
enum ExpressionStringSegment: Sendable, Equatable {
    case text(String)
    case interpolation(Range<Int>)
}

// MARK: - Lexer

/// Splits a range of source text into tokens.
struct ExpressionLexer {
    private let source: ExpressionSource
    private var chars: [Character] { source.characters }
    private var index: Int
    private let end: Int

    init(_ source: ExpressionSource, range: Range<Int>) {
        self.source = source
        index = range.lowerBound
        end = range.upperBound
    }

    /// All tokens of the range, ending with `.end`.
    mutating func tokens() throws(ArsError) -> [ExpressionToken] {
        var tokens: [ExpressionToken] = []
        while true {
            while index < end, chars[index].isWhitespace { index += 1 }
            guard index < end else { break }
            tokens.append(try next())
        }
        tokens.append(ExpressionToken(kind: .end, offset: end))
        return tokens
    }

    private mutating func next() throws(ArsError) -> ExpressionToken {
        let start = index
        let character = chars[index]
        if character.isLetter || character == "_" {
            while index < end, chars[index].isLetter || chars[index].isNumber || chars[index] == "_" { index += 1 }
            return ExpressionToken(kind: .word(String(chars[start..<index])), offset: start)
        }
        if character.isASCII, character.isNumber { return try number() }
        if character == "\"" { return ExpressionToken(kind: .string(try quotedString()), offset: start) }
        if character == "'" { return ExpressionToken(kind: .rawString(try rawString()), offset: start) }
        return ExpressionToken(kind: .symbol(try symbol()), offset: start)
    }

    private mutating func number() throws(ArsError) -> ExpressionToken {
        let start = index
        func digits() { while index < end, chars[index].isASCII, chars[index].isNumber { index += 1 } }
        digits()
        var isDecimal = false
        if index + 1 < end, chars[index] == ".", chars[index + 1].isASCII, chars[index + 1].isNumber {
            isDecimal = true
            index += 1
            digits()
        }
        if index < end, chars[index] == "e" || chars[index] == "E" {
            var probe = index + 1
            if probe < end, chars[probe] == "+" || chars[probe] == "-" { probe += 1 }
            if probe < end, chars[probe].isASCII, chars[probe].isNumber {
                isDecimal = true
                index = probe
                digits()
            }
        }
        let text = String(chars[start..<index])
        if isDecimal, let value = Double(text), value.isFinite { return ExpressionToken(kind: .decimal(value), offset: start) }
        if !isDecimal, let value = Int(text) { return ExpressionToken(kind: .integer(value), offset: start) }
        throw source.error("number '\(text)' is too large", at: start)
    }

    private mutating func symbol() throws(ArsError) -> String {
        let start = index
        let character = chars[index]
        let following: Character? = index + 1 < end ? chars[index + 1] : nil
        index += 1
        switch (character, following) {
        case ("=", "="), ("!", "="), ("<", "="), (">", "="):
            index += 1
            return String([character, "="])
        case ("(", _), (")", _), ("[", _), ("]", _), (",", _), (".", _), ("-", _), ("<", _), (">", _):
            return String(character)
        case ("=", _):
            throw source.error("unexpected '='", at: start, hint: "compare with '=='")
        case ("!", _):
            throw source.error("unexpected '!'", at: start, hint: "negate with 'not'")
        case ("&", "&"):
            throw source.error("unexpected '&&'", at: start, hint: "write 'and'")
        case ("|", "|"):
            throw source.error("unexpected '||'", at: start, hint: "write 'or'")
        default:
            throw source.error("unexpected character '\(character)'", at: start)
        }
    }

    // MARK: - Strings

    /// A single-quoted string: everything up to the next `'`, taken literally.
    private mutating func rawString() throws(ArsError) -> String {
        let open = index
        index += 1
        let start = index
        while index < end, chars[index] != "'" { index += 1 }
        guard index < end else { throw source.error("unterminated string", at: open, hint: "close it with '") }
        defer { index += 1 }
        return String(chars[start..<index])
    }

    /// A double-quoted string with escapes `\" \\ \n \t \r \$ \u{…}` and `${…}` interpolation.
    private mutating func quotedString() throws(ArsError) -> [ExpressionStringSegment] {
        let open = index
        index += 1
        var segments: [ExpressionStringSegment] = []
        var text = ""
        while index < end, chars[index] != "\"" {
            if chars[index] == "\\" {
                text.append(try escape())
            } else if chars[index] == "$", index + 2 < end, chars[index + 1] == "$", chars[index + 2] == "{" {
                text += "${"
                index += 3
            } else if chars[index] == "$", index + 1 < end, chars[index + 1] == "{" {
                guard let close = InterpolationScanner.closingBrace(in: chars, from: index + 2, end: end) else {
                    throw source.error("unterminated '${' in string", at: index, hint: "close it with '}'")
                }
                if !text.isEmpty { segments.append(.text(text)) }
                text = ""
                segments.append(.interpolation(index + 2..<close))
                index = close + 1
            } else {
                text.append(chars[index])
                index += 1
            }
        }
        guard index < end else { throw source.error("unterminated string", at: open, hint: "close it with \"") }
        index += 1
        if !text.isEmpty || segments.isEmpty { segments.append(.text(text)) }
        return segments
    }

    private mutating func escape() throws(ArsError) -> Character {
        let start = index
        guard index + 1 < end else { throw source.error("unterminated string", at: start) }
        let code = chars[index + 1]
        index += 2
        switch code {
        case "\"", "\\", "$", "'": return code
        case "n": return "\n"
        case "t": return "\t"
        case "r": return "\r"
        case "u":
            guard index < end, chars[index] == "{",
                let close = chars[index..<end].firstIndex(of: "}"),
                let number = UInt32(String(chars[(index + 1)..<close]), radix: 16),
                let scalar = Unicode.Scalar(number)
            else { throw source.error("bad unicode escape", at: start, hint: "write it as \\u{4E2D}") }
            index = close + 1
            return Character(scalar)
        default:
            throw source.error("unknown escape '\\\(code)'", at: start, hint: "known escapes: \\\" \\\\ \\n \\t \\r \\$ \\u{…}")
        }
    }
}
