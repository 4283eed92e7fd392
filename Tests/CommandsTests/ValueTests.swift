import Commands
import Testing

@Suite("Value, JSON and YAML")
struct ValueTests {
    @Test("JSON keeps key order and round-trips every kind of value")
    func jsonRoundTrip() throws {
        let text = #"{"zeta":1,"alpha":[true,false,null],"mid":{"b":2.5,"a":"派发 \"q\"\n\t\u0007"},"neg":-3,"big":1e300}"#
        let value = try JSON.decode(text)
        #expect(value.objectValue?.keys == ["zeta", "alpha", "mid", "neg", "big"])
        #expect(value.lookup("mid.a") == .string("派发 \"q\"\n\t\u{07}"))
        #expect(value.lookup("mid.b") == .double(2.5))
        #expect(value.lookup("neg") == .int(-3))
        #expect(try JSON.decode(JSON.encode(value)) == value)
        #expect(try JSON.decode(JSON.encode(value, pretty: false)) == value)
        #expect(JSON.encode(.string("\u{1B}[31m"), pretty: false) == #""\u001b[31m""#)
    }

    @Test(
        "JSON syntax errors carry line and column",
        arguments: [
            ("{\n  \"a\": 1,\n  \"b\" 2\n}", 3, 7),
            ("[1, 2", 1, 6),
            ("{\"a\": tru}", 1, 7),
            ("\"unterminated", 1, 14),
        ])
    func jsonErrors(text: String, line: Int, column: Int) {
        #expect(throws: JSON.SyntaxError.self) { try JSON.decode(text) }
        do { _ = try JSON.decode(text) } catch {
            #expect(error.line == line)
            #expect(error.column == column)
        }
    }

    @Test("JSON decodes surrogate pairs and rejects lone surrogates")
    func jsonSurrogates() throws {
        #expect(try JSON.decode(#""\ud83d\ude80""#) == .string("🚀"))
        #expect(throws: JSON.SyntaxError.self) { try JSON.decode(#""\ud83d""#) }
    }

    @Test("YAML decodes scalars by their YAML type and keeps quoted text as strings")
    func yamlScalars() throws {
        let value = try YAML.decode(
            """
            count: 3
            ratio: 0.5
            on: true
            quoted: "3"
            empty: null
            name: 任务
            list: [a, 1]
            """)
        #expect(value.lookup("count") == .int(3))
        #expect(value.lookup("ratio") == .double(0.5))
        #expect(value.lookup("on") == .bool(true))
        #expect(value.lookup("quoted") == .string("3"))
        #expect(value.lookup("empty") == .null)
        #expect(value.lookup("name") == .string("任务"))
        #expect(value.lookup("list[1]") == .int(1))
    }

    @Test("YAML encoding round-trips, quoting strings that would read as other types")
    func yamlRoundTrip() throws {
        let value: Value = [
            "id": "t-42", "count": 3, "ratio": 1.5, "flag": false, "none": nil,
            "tricky": ["3", "true", "null", "yes", "- dash", "a: b", "#hash", "", " padded", "1e3", "0x1F"],
            "prompt": "第一行\n第二行\n  indented",
            "nested": ["list": [["a": 1, "b": ["c": "d"]], [1, 2]], "emptyList": [], "emptyObject": [:]],
            "control": "bell\u{07}",
        ]
        let yaml = YAML.encode(value)
        #expect(try YAML.decode(yaml) == value, "encoded as:\n\(yaml)")
        #expect(yaml.contains("prompt: |-\n  第一行\n"))
    }

    @Test("YAML errors carry the line and column of the problem")
    func yamlErrors() {
        do {
            _ = try YAML.decode("a: 1\nb: [1, 2\nc: 3\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.position.line == 3)
        }
        do {
            _ = try YAML.decode("a: 1\na: 2\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("duplicate key 'a'"))
            #expect(error.position == YAML.Position(line: 2, column: 1))
        }
    }

    @Test("a duplicate key after CR-only line breaks is an error, not a trap (found by scripts/fuzz)")
    func yamlDuplicateKeyAfterCarriageReturns() {
        // libyaml counts `\r` as a line break, so its line number lay past the `\n`-split lines.
        for text in ["\r\r\ra: 1\ra: 2", "#\r\r\r\rx: 1\rx: 2\r"] {
            do {
                _ = try YAML.decodeAll(text)
                Issue.record("expected an error for \(text.debugDescription)")
            } catch {
                #expect(error.message.contains("duplicate key"))
            }
        }
    }

    @Test("multi-document YAML decodes every document")
    func yamlMultiDocument() throws {
        let documents = try YAML.decodeAll("kind: task\nname: a\n---\nkind: task\nname: b\n")
        #expect(documents.map { $0.value.lookup("name") } == [.string("a"), .string("b")])
        #expect(documents[1].position(of: "name") == YAML.Position(line: 5, column: 1), "positions count from the start of the stream")
    }

    @Test("paths reach into objects and lists, with negative and quoted steps")
    func paths() throws {
        let value: Value = ["a": ["b": [["c": 1], ["c": 2]]], "labels": ["app.kubernetes.io/name": "proxy"]]
        #expect(value.lookup("a.b[0].c") == .int(1))
        #expect(value.lookup("a.b[-1].c") == .int(2))
        #expect(value.lookup(#"labels["app.kubernetes.io/name"]"#) == .string("proxy"))
        #expect(value.lookup("a.b[2]") == nil)
        #expect(value.lookup("a.x.y") == nil)
        #expect(value.lookup("a.b.c") == nil)
        #expect(throws: PathError.self) { try ValuePath(parsing: "a..b") }
        #expect(throws: PathError.self) { try ValuePath(parsing: "a[x]") }
        #expect(try ValuePath(parsing: "a.b[0].c").description == "a.b[0].c")
    }

    @Test("object keys keep insertion order; reassigning keeps the position, nil removes")
    func objectOrder() {
        var object = Object()
        object["b"] = 1
        object["a"] = 2
        object["b"] = 3
        #expect(object.keys == ["b", "a"])
        object["b"] = nil
        #expect(object.keys == ["a"])
        #expect(JSON.encode(.object(object), pretty: false) == #"{"a":2}"#)
    }
}

@Suite("Found by fuzzing")
struct FuzzRegressionTests {
    @Test("a base-60-looking scalar is text, not an overflowing number")
    func base60() throws {
        #expect(try YAML.decode("8:8:822222222222:8:8:8:8:8:88") == .string("8:8:822222222222:8:8:8:8:8:88"))
        #expect(try YAML.decode("t: 1:30") == ["t": "1:30"])
    }

    @Test("strings encode exactly, escapes next to combining marks and line breaks included, and decode back")
    func stringRoundTrips() throws {
        for text in ["\"\u{301}x", "\\\u{301}", "a\r\nb", "\t\u{301}", "\u{7F}\u{301}é", "日本\"語\n", "", "plain"] {
            let encoded = JSON.encode(.string(text), pretty: false)
            #expect(try JSON.decode(encoded) == .string(text), "\(encoded)")
        }
        #expect(JSON.encode(.string("\"\u{301}"), pretty: false) == "\"\\\"\u{301}\"")
    }
}
