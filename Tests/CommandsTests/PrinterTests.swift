import Commands
import Testing

@Suite("Printers")
struct PrinterTests {
    let output = CommandOutput(
        [
            "items": [
                ["id": "t-1", "title": "派发任务测试", "status": "running"], ["id": "t-20", "title": "egress check", "status": "succeeded"],
            ]
        ],
        human: [
            .summary("2 tasks on G14/v01"),
            .table(
                Table(
                    columns: [.init("id"), .init("title"), .init("status"), .init("age", alignRight: true)],
                    rows: [
                        ["t-1", "派发任务测试", "running", "5m"], ["t-20", "egress check", "succeeded", "17h54m"],
                        ["t-300", "混合 mixed 文本", "failed", "40s"],
                    ])),
            .fields([("liveness", "waiting-tool"), ("最终回复", "完成")]),
            .section("runner job", [.fields([("pod", "agentrun-runner-5qv8d-z8k96")])]),
            .next(["describe task/t-1", "events run/r-1 --follow"]),
            .warning("2 tasks hidden"),
        ])

    @Test("human tables align by display width, so CJK columns line up")
    func humanGolden() throws {
        let rendered = Printer(format: .human).render(output)
        let (expected, actual) = try golden("human-table.txt", rendered.stdout)
        #expect(actual == expected)
        #expect(rendered.stderr == "warning: 2 tasks hidden\n")
        // Every row's STATUS cell starts at the same display column.
        let statuses = ["STATUS", "running", "succeeded", "failed"]
        let offsets = rendered.stdout.split(separator: "\n").compactMap { line -> Int? in
            guard let status = statuses.first(where: { line.contains($0) }), let range = line.range(of: status) else { return nil }
            return TextWidth.of(String(line[..<range.lowerBound]))
        }
        #expect(offsets.count == 4)
        #expect(Set(offsets).count == 1, "status columns start at \(offsets)")
    }

    @Test("json and yaml print the value, not the human view")
    func structured() throws {
        let json = Printer(format: .json).render(output).stdout
        #expect(try JSON.decode(json) == output.value)
        let yaml = Printer(format: .yaml).render(output).stdout
        #expect(try YAML.decode(yaml) == output.value)
        let (expected, actual) = try golden("value.yaml", yaml)
        #expect(actual == expected)
    }

    @Test("colour only when asked (a terminal without NO_COLOR)")
    func colour() {
        #expect(Printer(format: .human, colour: true).render(output).stdout.contains("\u{1B}[1m"))
        #expect(!Printer(format: .human, colour: false).render(output).stdout.contains("\u{1B}"))
    }

    @Test("control sequences from outside never reach the terminal")
    func sanitised() {
        let hostile = CommandOutput(
            .null, human: [.text("ok\u{1B}]0;pwned\u{07}\u{1B}[2J done"), .table(Table(columns: [.init("x")], rows: [["\u{9B}31m"]]))])
        let text = Printer(format: .human, colour: false).render(hostile).stdout
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x9B })
        #expect(text.contains(#"ok\x1b]0;pwned\x07\x1b[2J done"#))
    }

    @Test("display width", arguments: [("abc", 3), ("任务", 4), ("混合 mix", 8), ("é", 1), ("🚀", 2), ("ｆｕｌｌ", 8)])
    func width(text: String, columns: Int) {
        #expect(TextWidth.of(text) == columns)
    }

    @Test("truncation keeps within the width and marks the cut")
    func truncation() {
        #expect(TextWidth.truncate("派发任务测试", to: 7) == "派发任…")
        #expect(TextWidth.of(TextWidth.truncate("派发任务测试", to: 7)) <= 7)
        #expect(TextWidth.truncate("short", to: 10) == "short")
    }

    @Test("values without a human view render plainly")
    func genericValues() {
        let printer = Printer(format: .human)
        #expect(printer.renderValue(.string("hi")) == "hi\n")
        #expect(printer.renderValue(.null) == "")
        #expect(printer.renderValue(["a": 1]) == "a: 1\n")
    }
}
