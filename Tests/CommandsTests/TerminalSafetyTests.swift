import Commands
import Foundation
import Testing

/// What reaches a terminal is redacted first, then escaped, then cut — on stdout and stderr.
@Suite("Terminal safety and redaction order")
struct TerminalSafetyTests {
    static let key = "hwk-5f3a9c1e7d2b4a6f8e0c"

    @Test("C0/C1 controls, ESC sequences and bidi controls are shown escaped; newlines and tabs stay")
    func sanitize() {
        #expect(TerminalSafe.sanitize("a\u{1B}[31mred\u{7}\r") == "a\\x1b[31mred\\x07\\x0d")
        #expect(TerminalSafe.sanitize("invoice\u{202E}fdp.exe") == "invoice\\u{202E}fdp.exe")
        for scalar: UInt32 in [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F, 0x061C, 0x85, 0x9B] {
            let text = String(Character(Unicode.Scalar(scalar)!))
            #expect(
                !TerminalSafe.sanitize(text).unicodeScalars.contains(Unicode.Scalar(scalar)!), "U+\(String(scalar, radix: 16)) passed raw")
        }
        #expect(TerminalSafe.sanitize("两行\n\tindent") == "两行\n\tindent")
    }

    @Test("a cut never splits an escape and counts it at its shown width")
    func fitKeepsEscapesWhole() {
        let cut = TerminalSafe.fit("ab\u{1B}cdefgh", to: 5)
        #expect(cut == "ab…", "\\x1b (4 columns) does not fit before the ellipsis: \(cut)")
        #expect(TerminalSafe.fit("ab\u{1B}cdefgh", to: 8) == "ab\\x1bc…")
        #expect(TerminalSafe.fit("短文本", to: 10) == "短文本")
    }

    @Test("a table cell is redacted before it is cut: no prefix of a secret shows")
    func redactBeforeTruncate() {
        let printer = Printer(format: .human, redact: { $0.replacingOccurrences(of: Self.key, with: "[REDACTED]") })
        let table = Table(columns: [.init("prompt", maxWidth: 30)], rows: [["please use key \(Self.key) now"]])
        let text = printer.renderTable(table)
        #expect(!text.contains("hwk-5f3a"), "\(text)")
        #expect(text.contains("please use key [REDACTED]"))
    }

    @Test("errors escape what they quote: the user's input, a server's message, the hint")
    func errorsAreEscaped() {
        let error = ArsError.usage(
            .badValue, "unknown resource kind 'ta\u{1B}]0;owned\u{7}sk'", hint: "server said \u{202E}gnirts",
            location: SourceLocation(column: 5, lineText: "get ta\u{1B}]0;owned\u{7}sk/t-1"))
        let text = ErrorReport.render(error)
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E }, "\(text)")
        #expect(text.contains("ta\\x1b]0;owned\\x07sk"))
        #expect(text.contains("\\u{202E}gnirts"))
    }

    @Test("a secret in the environment is never printed, even by echo, before any command read it")
    func environmentSecretsAreKnownFromTheStart() async throws {
        let (session, out, err) = try makeSession(environment: ["HWLAB_API_KEY": Self.key, "KEYBOARD": "us"])
        let (status, stdout, _) = await run("echo the key is \(Self.key)", in: session, out: out, err: err)
        #expect(status == 0)
        #expect(stdout == "the key is [REDACTED]\n")
        #expect(session.redact("keyboard us") == "keyboard us", "short or ordinary values are left alone")
    }
}
