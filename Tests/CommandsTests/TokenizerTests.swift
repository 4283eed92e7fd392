import Commands
import Testing

@Suite("Tokenizer")
struct TokenizerTests {
    @Test(
        "splits words with single, double and backslash quoting",
        arguments: [
            (#"get task/t-42 -o json"#, ["get", "task/t-42", "-o", "json"]),
            (#"echo 'a  b' "c \"d\" \$e" f\ g"#, ["echo", "a  b", #"c "d" $e"#, "f g"]),
            (#"echo "派发 任务" 中文"#, ["echo", "派发 任务", "中文"]),
            (#"echo a#b # comment"#, ["echo", "a#b"]),
            (#"echo '' """#, ["echo", "", ""]),
            (#"echo "keep \n literal""#, ["echo", #"keep \n literal"#]),
            ("  \t ", []),
        ])
    func words(line: String, expected: [String]) throws {
        #expect(try Tokenizer.tokenize(line).map(\.text) == expected)
    }

    @Test("records where each word starts and whether it was quoted")
    func offsets() throws {
        let tokens = try Tokenizer.tokenize(#"use  "task" x"#)
        #expect(tokens.map(\.start) == [0, 5, 12])
        #expect(tokens.map(\.quoted) == [false, true, false])
    }

    @Test(
        "an unterminated quote is an error at the opening quote",
        arguments: [
            (#"echo "abc"#, 6, "double"),
            ("echo 'abc", 6, "single"),
            (#"echo ok "x\"y"#, 9, "double"),
        ])
    func unterminated(line: String, column: Int, kind: String) {
        do {
            _ = try Tokenizer.tokenize(line)
            Issue.record("expected an error for \(line)")
        } catch {
            #expect(error.code == .unterminatedQuote)
            #expect(error.message == "unterminated \(kind) quote")
            #expect(error.location?.column == column)
            #expect(error.exitCode == 2)
        }
    }

    @Test("a dangling backslash is an error")
    func danglingBackslash() {
        #expect(throws: ArsError.self) { try Tokenizer.tokenize(#"echo a \"#) }
    }

    @Test("partial lines give the words so far and the word being typed")
    func partial() {
        #expect(Tokenizer.tokenizePartial("use ").current == "")
        #expect(Tokenizer.tokenizePartial("use ").words.map(\.text) == ["use"])
        let typing = Tokenizer.tokenizePartial("get task/t-4")
        #expect(typing.words.map(\.text) == ["get"])
        #expect(typing.current == "task/t-4")
        #expect(typing.currentStart == 4)
        let quoted = Tokenizer.tokenizePartial(#"echo "open wo"#)
        #expect(quoted.current == "open wo")
    }
}
