/// One word of a command line, after quote removal.
public struct Token: Sendable, Equatable {
    /// The word with quotes and escapes removed.
    public var text: String
    /// 0-based character offset of the word's first character in the line.
    public var start: Int
    /// 0-based character offset just past the word.
    public var end: Int
    /// Whether any part of the word was quoted (a quoted `--x` is not a flag).
    public var quoted: Bool

    public init(_ text: String, start: Int, end: Int, quoted: Bool = false) {
        self.text = text
        self.start = start
        self.end = end
        self.quoted = quoted
    }
}

/// Splits a command line into words with shell-like quoting: `'single'` (literal), `"double"`
/// (backslash escapes `"` `\` `$` and a backtick), backslash outside quotes, and `#` comments
/// at the start of a word.
public enum Tokenizer {
    /// The result of splitting a line that may end mid-word, for completion.
    public struct Partial: Sendable, Equatable {
        /// Complete words before the one being typed.
        public var words: [Token]
        /// The word being typed (unquoted so far); empty after trailing whitespace.
        public var current: String
        /// 0-based character offset where the current word starts.
        public var currentStart: Int
    }

    /// Tokenizes a complete line; an unterminated quote or a dangling backslash is an error
    /// located at the offending character.
    public static func tokenize(_ line: String) throws(ArsError) -> [Token] {
        let scan = scan(line)
        if let open = scan.openQuote {
            let name = open.character == "'" ? "single" : "double"
            throw ArsError.usage(
                .unterminatedQuote, "unterminated \(name) quote",
                hint: "close it with \(open.character), or escape it as \\\(open.character) if it is part of the text",
                location: SourceLocation(column: open.offset + 1, lineText: line))
        }
        if scan.danglingBackslash {
            throw ArsError.usage(
                .danglingBackslash, "the line ends with a backslash",
                hint: "remove it, or continue the command on the next line in a script",
                location: SourceLocation(column: line.count, lineText: line))
        }
        return scan.tokens
    }

    /// Tokenizes a line that is still being typed; never fails.
    public static func tokenizePartial(_ line: String) -> Partial {
        let scan = scan(line)
        var words = scan.tokens
        if scan.endsInWord, let last = words.popLast() {
            return Partial(words: words, current: last.text, currentStart: last.start)
        }
        return Partial(words: words, current: "", currentStart: line.count)
    }

    // MARK: - Scanner

    private struct Scan {
        var tokens: [Token] = []
        var openQuote: (character: Character, offset: Int)?
        var danglingBackslash = false
        /// The line ends inside a word (no trailing whitespace), including an open quote.
        var endsInWord = false
    }

    /// The index just past the `}` that closes the `${` at `start` (nested braces and quoted
    /// strings inside are skipped), or the end of the line when it never closes.
    private static func interpolationEnd(_ chars: [Character], from start: Int) -> Int {
        var depth = 0
        var j = start + 1
        var quote: Character?
        while j < chars.count {
            let c = chars[j]
            if let open = quote {
                if c == "\\", j + 1 < chars.count {
                    j += 2
                    continue
                }
                if c == open { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "{" {
                depth += 1
            } else if c == "}" {
                depth -= 1
                if depth == 0 { return j + 1 }
            }
            j += 1
        }
        return chars.count
    }

    private static func scan(_ line: String) -> Scan {
        var result = Scan()
        let chars = Array(line)
        var i = 0
        var current = ""
        var start: Int?
        var quoted = false

        func finishWord(at end: Int) {
            if let wordStart = start {
                result.tokens.append(Token(current, start: wordStart, end: end, quoted: quoted))
            }
            current = ""
            start = nil
            quoted = false
        }

        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                finishWord(at: i)
                i += 1
                continue
            }
            if c == "#" && start == nil {
                break  // comment to end of line
            }
            if start == nil { start = i }
            switch c {
            case "'":
                quoted = true
                guard let close = chars[(i + 1)...].firstIndex(of: "'") else {
                    result.openQuote = ("'", i)
                    current += String(chars[(i + 1)...])
                    i = chars.count
                    continue
                }
                current += String(chars[(i + 1)..<close])
                i = close + 1
            case "\"":
                quoted = true
                var j = i + 1
                var closed = false
                while j < chars.count {
                    if chars[j] == "\\", j + 1 < chars.count, "\"\\$`".contains(chars[j + 1]) {
                        current.append(chars[j + 1])
                        j += 2
                        continue
                    }
                    if chars[j] == "\"" { closed = true; break }
                    current.append(chars[j])
                    j += 1
                }
                if !closed { result.openQuote = ("\"", i) }
                i = closed ? j + 1 : chars.count
            case "\\":
                if i + 1 < chars.count {
                    current.append(chars[i + 1])
                    quoted = true
                    i += 2
                } else {
                    result.danglingBackslash = true
                    i += 1
                }
            case "$" where i + 1 < chars.count && chars[i + 1] == "{":
                // `${…}` is one piece of the word, kept verbatim — spaces, quotes and brackets
                // inside belong to the expression (`${len([1, 2])}`, `${labels["a/b"]}`).
                let close = interpolationEnd(chars, from: i)
                current += String(chars[i..<min(close, chars.count)])
                i = close
            default:
                current.append(c)
                i += 1
            }
        }
        result.endsInWord = start != nil
        finishWord(at: chars.count)
        return result
    }
}
