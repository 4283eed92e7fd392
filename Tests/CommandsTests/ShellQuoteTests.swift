import Commands
import Testing

@Suite("ShellQuote")
struct ShellQuoteTests {
    @Test("plain words stay bare; others are single-quoted with ' as '\\''")
    func quoting() {
        #expect(
            ShellQuote.join(["get", "pods", "-n", "agentrun-v01", "app=a,b", "user@host:/x"])
                == "get pods -n agentrun-v01 app=a,b user@host:/x")
        #expect(ShellQuote.quote("") == "''")
        #expect(ShellQuote.quote("a b") == "'a b'")
        #expect(ShellQuote.quote("it's") == #"'it'\''s'"#)
        #expect(ShellQuote.quote("$(id)`x`") == "'$(id)`x`'")
    }

    @Test("a quote followed by a combining mark is still escaped (scalars, not Characters)")
    func combiningMarkAfterQuote() {
        // "'\u{308}" is one Character, but the shell reads a quote byte followed by U+0308.
        #expect(ShellQuote.quote("a'\u{308}b").unicodeScalars.elementsEqual("'a'\\''\u{308}b'".unicodeScalars))
    }
}
