import Commands
import Foundation
import Testing

/// The YAML reader on libyaml's events (ars links no Foundation, so no Yams): plain scalars are
/// typed as YAML 1.1 types them, everything else is text, and a hostile text is an error with a
/// position, never a crash.
@Suite("YAML on libyaml")
struct YAMLScalarTests {
    @Test("plain scalars: null, bool, int in every base, float, else text; quoted and !!str stay text")
    func scalars() throws {
        let text = """
            a: ~
            b: yes
            c: Off
            d: 0x1F
            e: -0b101
            f: 0o17
            g: 010
            h: 1_000
            i: 1.5e3
            j: .inf
            k: -.inf
            l: "yes"
            m: '12'
            n: !!str 42
            o: 1:30
            p: 09
            q: t-42
            r:
            """
        let value = try YAML.decode(text)
        #expect(value["a"] == .null)
        #expect(value["b"] == .bool(true))
        #expect(value["c"] == .bool(false))
        #expect(value["d"] == .int(31))
        #expect(value["e"] == .int(-5))
        #expect(value["f"] == .int(15))
        #expect(value["g"] == .int(8))
        #expect(value["h"] == .int(1000))
        #expect(value["i"] == .double(1500))
        #expect(value["j"] == .double(.infinity))
        #expect(value["k"] == .double(-.infinity))
        #expect(value["l"] == .string("yes"))
        #expect(value["m"] == .string("12"))
        #expect(value["n"] == .string("42"))
        #expect(value["o"] == .string("1:30"), "base-60 is text")
        #expect(value["p"] == .double(9), "not octal, so a float (as YAML 1.1 readers did)")
        #expect(value["q"] == .string("t-42"))
        #expect(value["r"] == .null)
        #expect(try YAML.decode("99999999999999999999") == .double(1e20), "too big for an Int")
    }

    @Test("positions: keys and values, 1-based, columns in Unicode scalars")
    func positions() throws {
        let document = try YAML.decodeDocument("名前: 値\nlist:\n  - x: 1\n")
        #expect(document.keyPositions["名前"] == YAML.Position(line: 1, column: 1))
        #expect(document.valuePositions["名前"] == YAML.Position(line: 1, column: 5))
        #expect(document.position(of: "list[0].x") == YAML.Position(line: 3, column: 5))
    }

    @Test("errors carry libyaml's problem and a position; nothing traps")
    func errors() throws {
        func failure(_ text: String) -> YAML.SyntaxError? {
            do {
                _ = try YAML.decodeAll(text)
                return nil
            } catch { return error }
        }
        let control = failure("a: 1\nb: \u{01}\n")
        #expect(control?.message.contains("control characters are not allowed") == true, "\(String(describing: control))")
        #expect(control?.position.line == 2)
        let deep = failure(String(repeating: "[", count: 300) + String(repeating: "]", count: 300))
        #expect(deep?.message.contains("nesting deeper than 256 levels") == true, "\(String(describing: deep))")
        let deeper = failure(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
        #expect(deeper?.message.contains("nesting level") == true, "libyaml's own limit: \(String(describing: deeper))")
        let alias = failure("a: &x 1\nb: *x\n")
        #expect(alias?.message.contains("aliases are not supported") == true)
        #expect(alias?.position == YAML.Position(line: 2, column: 4))
        let complexKey = failure("? [a]\n: 1\n")
        #expect(complexKey?.message == "mapping keys must be plain scalars")
        #expect(throws: YAML.SyntaxError.self) { try YAML.decodeDocument("a: 1\n---\nb: 2\n") }
        #expect(try YAML.decode("") == .null)
        #expect(try YAML.decodeAll("").isEmpty)
    }
}

@Suite("String helpers without Foundation")
struct StringHelperTests {
    @Test("trimming: white space with and without line breaks, and given characters")
    func trimming() {
        #expect(" \t\u{3000}a b\n\u{85}".trimmingWhitespace() == "a b")
        #expect(" \ta b\n".trimmingSpaces() == "a b\n")
        #expect("\u{A0}x\u{A0}".trimmingSpaces() == "x")
        #expect("/deploy/v02/".trimming(anyOf: "/") == "deploy/v02")
        #expect("   ".trimmingWhitespace() == "")
    }

    @Test("percent-decoding as removingPercentEncoding did, nil on a broken escape")
    func percent() {
        #expect("a%20b%E6%B4%BE".percentDecoded() == "a b派")
        #expect("100%".percentDecoded() == nil)
        #expect("%zz".percentDecoded() == nil)
        #expect("%FF".percentDecoded() == nil, "not UTF-8")
    }

    @Test("paths: join, last component and parent like NSString's")
    func paths() {
        #expect(Paths.join("/a/", "b") == "/a/b")
        #expect(Paths.join("", "b") == "b")
        #expect(Paths.lastComponent("/a/b/") == "b")
        #expect(Paths.lastComponent("/") == "/")
        #expect(Paths.parent("/a/b") == "/a")
        #expect(Paths.parent("/a") == "/")
        #expect(Paths.parent("a") == "")
        #expect(Paths.home(["HOME": "/home/op"]) == "/home/op")
        #expect(!Paths.home([:]).isEmpty)
    }

    @Test("a system error reads as its strerror text, a file error as its underlying one")
    func errorReasons() {
        #expect(ArsError.reason(POSIXError(.ENOENT)) == "No such file or directory")
        do {
            try Data("x".utf8).write(to: URL(fileURLWithPath: "/nonexistent-ars-folder/x"))
            Issue.record("expected the write to fail")
        } catch {
            #expect(ArsError.reason(error) == "No such file or directory", "\(error)")
        }
    }

    @Test("fixed-point numbers, rounded half away from zero")
    func fixed() {
        #expect(1.26.fixed(1) == "1.3")
        #expect(0.0.fixed(3) == "0.000")
        #expect((-2.5).fixed(0) == "-3")
        #expect(1536.0.fixed(1) == "1536.0")
        #expect(0.0042.fixed(3) == "0.004")
        #expect(JSON.format(double: -0.0) == "-0.0")
        #expect(JSON.format(double: 3) == "3.0")
    }
}
