import Commands
/// Places text that came from a server, a script or its user into Markdown (GitHub's dialect:
/// CommonMark plus tables and autolinks) so that it renders as exactly that text and nothing
/// more: no element escapes its block, no heading, image, link, HTML or `@mention` appears that
/// ars did not write itself.
enum MarkdownText {
    /// Inline code: the fence is one backtick longer than the longest run of backticks inside,
    /// padded with a space when the text starts or ends with a backtick. In a table cell `|`
    /// is escaped (GFM splits cells on it even inside code) and line breaks become spaces.
    static func code(_ text: String, inTable: Bool = true) -> String {
        var body = visible(text).replacing("\n", with: " ")
        if inTable { body = body.replacing("|", with: "\\|") }
        if body.isEmpty { return "` `" }
        let fence = String(repeating: "`", count: longestRun(of: "`", in: body) + 1)
        let pad = body.hasPrefix("`") || body.hasSuffix("`") || (body.hasPrefix(" ") && body.hasSuffix(" ")) ? " " : ""
        return fence + pad + body + pad + fence
    }

    /// Prose: every ASCII punctuation character is backslash-escaped (CommonMark allows it for
    /// all of them, and it renders as the character), which also breaks autolinks (`http\:`,
    /// `www\.`) and mentions (`\@`); line breaks become spaces, so the text stays one paragraph.
    static func prose(_ text: String) -> String {
        var out = ""
        for scalar in visible(text).unicodeScalars {
            switch scalar {
            case "\n": out += " "
            case _ where scalar.isASCII && isPunctuation(scalar): out += "\\" + String(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A fenced code block of `info` holding `text` whole: its fence is longer than any run of
    /// backticks inside, so no line of the text can close it.
    static func fencedBlock(_ text: String, info: String) -> String {
        let body = visible(text)
        let fence = String(repeating: "`", count: max(3, longestRun(of: "`", in: body) + 1))
        return fence + info + "\n" + body + (body.hasSuffix("\n") ? "" : "\n") + fence + "\n"
    }

    /// Control characters (all but line feed and tab), and the bidirectional controls that
    /// reorder what a reader sees, as visible escapes (`\x1b`, `\u{202E}`).
    static func visible(_ text: String) -> String { TerminalSafe.sanitize(text) }

    private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars.contains(scalar)
    }

    private static func longestRun(of character: Character, in text: String) -> Int {
        var longest = 0
        var current = 0
        for each in text {
            current = each == character ? current + 1 : 0
            longest = max(longest, current)
        }
        return longest
    }
}
