import Commands
import Testing

/// The pieces behind issue 16: the id grammar, the URL path builder, terminal escaping and the
/// order redact → escape → truncate.
@Suite("Trust guards")
struct TrustTests {
    @Test(
        "the id grammar accepts every id a real server issues",
        arguments: [
            "run_f92de79e53af4984bfb5c135de63dacc", "cmd_0a1b2c3d4e5f", "agentrun-v01-runner-0123456789ab", "t-1", "rj-7", "v1.2",
        ])
    func acceptsRealIDs(id: String) throws {
        #expect(Identifier.isValid(id))
        #expect(try URLPath.build(["tasks", id, "result"]) == "/tasks/\(id)/result")
    }

    @Test(
        "the id grammar refuses what could change a request",
        arguments: [
            "", "/", "a/b", "..", "a..b", "../x", "t-1?x=1", "t-1#f", "%2e", "t 1", "t\t1", "t\u{1B}1", "t\u{202E}1", "-t", ".hidden",
            "t-1\n",
        ])
    func refusesHostileIDs(id: String) {
        #expect(!Identifier.isValid(id))
        #expect(throws: ArsError.self) { try URLPath.build(["tasks", id]) }
        do {
            try Identifier.check(id, "task id")
        } catch {
            #expect(error.kind == .usage)
            #expect(error.code == .badId)
            #expect(error.message.contains("nothing was sent"))
        }
    }

    @Test("a path written as one string is checked segment by segment")
    func checkedPath() throws {
        #expect(try URLPath.checked("/tasks/t-1/result") == "/tasks/t-1/result")
        #expect(throws: ArsError.self) { try URLPath.checked("/tasks/../admin/faults") }
        #expect(throws: ArsError.self) { try URLPath.checked("/tasks/t-1?x=1") }
        #expect(throws: ArsError.self) { try URLPath.checked("tasks") }
    }

    @Test("query names and values are percent-encoded outside the unreserved set")
    func query() {
        #expect(
            URLPath.query([("status", "running"), ("label", "a=b&c #?/%"), ("skip", nil)])
                == "status=running&label=a%3Db%26c%20%23%3F%2F%25")
        #expect(URLPath.encode("派") == "%E6%B4%BE")
    }

    @Test("bidi controls and C0/C1 are shown as escapes; newline and tab stay")
    func escapes() {
        #expect(TerminalSafe.sanitize("a\u{202E}b\u{2069}c\u{200E}\u{061C}") == #"a\u{202E}b\u{2069}c\u{200E}\u{61C}"#)
        #expect(TerminalSafe.sanitize("x\u{1B}[2J\u{9B}y\u{07}") == #"x\x1b[2J\x9by\x07"#)
        #expect(TerminalSafe.sanitize("line\n\tnext") == "line\n\tnext")
    }

    @Test("truncation keeps an escape whole or leaves it out, never half", arguments: 2...14)
    func truncationNeverSplitsAnEscape(width: Int) {
        let cut = TerminalSafe.fit("ab\u{1B}cd\u{202E}ef", to: width)
        #expect(TextWidth.of(cut) <= width)
        // Whatever is kept of an escape is the whole escape.
        for escape in [#"\x1b"#, #"\u{202E}"#] {
            for length in 1..<escape.count where !cut.contains(escape) {
                let prefix = String(escape.prefix(length))
                #expect(!cut.hasSuffix(prefix + "…"), "'\(cut)' ends in half of \(escape)")
            }
        }
    }

    @Test("a table cell is redacted before it is cut: no part of the secret survives the cut")
    func redactBeforeTruncate() {
        let secret = "hwk-5f3a9c1e0b7d4e2a8c6f0123"
        let table = Table(columns: [.init("id"), .init("prompt", maxWidth: 30)], rows: [["t-1", "please use key \(secret) now"]])
        let printer = Printer(format: .human, redact: { $0.replacingOccurrences(of: secret, with: "[REDACTED]") })
        let text = printer.renderTable(table)
        #expect(text.contains("please use key [REDACTED] now"))
        #expect(!text.contains("5f3a9c1e"))
        let narrow = Printer(format: .human, redact: printer.redact).renderTable(
            Table(columns: [.init("prompt", maxWidth: 20)], rows: [["please use key \(secret)"]]))
        #expect(narrow.contains("please use key [RED…"))
        #expect(!narrow.contains("hwk-"))
    }

    @Test("errors are redacted and escaped on stderr, the caret still under the column")
    func errorsAreSafe() {
        let error = ArsError.usage(
            .badId, "task id 't\u{1B}[31m1' is not valid; key sk-0123456789",
            hint: "\u{202E}hint", location: SourceLocation(line: 1, column: 10, lineText: "get task/\u{1B}x"))
        let text = ErrorReport.render(error, redact: { $0.replacingOccurrences(of: "sk-0123456789", with: "[REDACTED]") })
        #expect(text.contains(#"'t\x1b[31m1'"#))
        #expect(text.contains("[REDACTED]"))
        #expect(text.contains(#"hint: \u{202E}hint"#))
        #expect(text.contains("  get task/\\x1bx\n           ^\n"))
        #expect(!text.contains("\u{1B}") && !text.contains("\u{202E}"))
    }

    @Test("credential-looking environment names are recognised word by word")
    func credentialNames() {
        for name in ["HWLAB_API_KEY", "GITHUB_TOKEN", "DB_PASSWORD", "AWS_SECRET_ACCESS_KEY", "APIKEY", "ARS_E2E_API_KEY"] {
            #expect(Session.looksLikeCredential(name: name), "\(name)")
        }
        for name in ["MONKEYS", "PATH", "HOME", "SSH_AUTH_SOCK", "KEYBOARD_LAYOUT", "LANG"] {
            #expect(!Session.looksLikeCredential(name: name), "\(name)")
        }
    }

    @Test("a plan id is 12 lower-case hex digits")
    func planIDs() {
        #expect(WriteGate.isPlanID(WriteGate.planID(observed: ["a"], decided: ["b"])))
        for bad in ["", "abc", "0123456789AB", "0123456789abc", "../x;rm-rf!!", "0123456789ag"] {
            #expect(!WriteGate.isPlanID(bad))
        }
    }

    @Test("a next: line is printed only when pasting it runs exactly the command it shows")
    func pasteSafeNextLines() {
        for safe in [
            "describe task/t-1", "worktree create fix-1 --dry-run", "cd '/srv/a b' && git status --short --branch",
            "trans 'G14:/root/x' script -- 'git status; ls'", "echo 派发",
        ] {
            #expect(PasteSafe.isSafe(safe), "\(safe)")
        }
        for unsafe in [
            "describe task/x;touch /tmp/p", "get $(id)", "a | b", "a & b", "a &&& b", "a `b`", "echo 'open", "a && ", "x > f", "a\nb",
            "a\u{202E}b",
        ] {
            #expect(!PasteSafe.isSafe(unsafe), "\(unsafe)")
        }
        let printer = Printer(format: .human)
        let text = printer.render(CommandOutput(.null, human: [.next(["describe task/t-1", "describe task/x;touch${IFS}/tmp/p"])])).stdout
        #expect(text == "next: describe task/t-1\n")
    }
}
