import Commands
import ScriptLanguage
import Foundation
import Testing

/// The script runner reports what happened, whole: a failed check keeps its output, `try`
/// binds the value with the error, the log shows commands as they ran, JUnit counts once.
@Suite("Script reporting")
struct ScriptReportingTests {
    func runScript(_ text: String, arguments: String = "") async throws -> (status: Int32, out: String, err: String, folder: String) {
        let (session, out, err) = try makeSession()
        let folder = session.currentDirectory
        try text.write(toFile: folder + "/s.ars", atomically: true, encoding: .utf8)
        try
            "defaults: {node: G14, lane: v01}\nnodes: {G14: {bridge: {kind: trans}, lanes: {v01: {restBaseUrl: 'https://x.invalid', namespace: n, bogus: 1}}}}\n"
            .write(toFile: folder + "/bad.yaml", atomically: true, encoding: .utf8)
        let (status, stdout, stderr) = await run("run s.ars --evidence out --junit junit.xml " + arguments, in: session, out: out, err: err)
        return (status, stdout, stderr, folder)
    }

    @Test("let r = try COMMAND binds a failed check's value with its error; the evidence keeps the failed output")
    func tryKeepsTheValue() async throws {
        let (status, _, _, folder) = try await runScript(
            """
            let r = try config validate bad.yaml
            assert r.ok == false
            assert r.error.exitCode == 2
            assert r.value.valid == false
            assert len(r.value.problems) == 1
            """)
        #expect(status == 0)
        let evidence = try JSON.decode(String(contentsOfFile: folder + "/out/evidence.json", encoding: .utf8))
        let statement = try #require(evidence["statements"]?.arrayValue?.first)
        #expect(statement.lookup("failedOutput.valid") == .bool(false), "\(statement)")
        let markdown = try String(contentsOfFile: folder + "/out/evidence.md", encoding: .utf8)
        #expect(markdown.contains("### 未通过的检查"))
        #expect(markdown.contains("config-unknown-key"))
    }

    @Test("a bound command whose check fails shows its checks before the script stops")
    func failedCheckShowsItsOutput() async throws {
        let (status, out, _, _) = try await runScript("let r = config validate bad.yaml\n")
        #expect(status == 1, "a failed check stops the script with 1")
        #expect(out.contains("unknown key 'bogus'"), "\(out)")
    }

    @Test("a failed require is one JUnit test case, not two")
    func junitCountsRequireOnce() async throws {
        let (status, _, _, folder) = try await runScript("assert 1 == 1\nrequire 1 == 2, \"must hold\"\n")
        #expect(status == 1)
        let junit = try String(contentsOfFile: folder + "/junit.xml", encoding: .utf8)
        #expect(junit.contains(#"tests="2" failures="1""#), "\(junit)")
        #expect(junit.components(separatedBy: "<testcase").count == 3)
    }

    @Test("wait lines are logged as they ran, with ${…} expanded")
    func waitLinesAreInterpolated() async throws {
        let (status, _, _, folder) = try await runScript("let who = \"派发\"\nwait echo ${who} until it == \"派发\" --timeout 1s\n")
        #expect(status == 0)
        let evidence = try JSON.decode(String(contentsOfFile: folder + "/out/evidence.json", encoding: .utf8))
        let line = evidence["statements"]?.arrayValue?.last?["line"]?.stringValue
        #expect(line == #"wait echo 派发 until it == "派发" --timeout 1s"#, "\(line ?? "nil")")
    }

    @Test("the evidence names the lane the commands acted on: after 'use lane' that lane, and every lane when there were several")
    func evidenceRecordsTheResolvedLane() async throws {
        let (moved, _, _, folder) = try await runScript("use lane v01b\n")
        #expect(moved == 0)
        let evidence = try JSON.decode(String(contentsOfFile: folder + "/out/evidence.json", encoding: .utf8))
        #expect(evidence.lookup("lane.lane") == "v01b", "not the catalogue's default v01")
        #expect(evidence["lanes"] == nil)
        let (both, _, _, second) = try await runScript("use lane v01b\nuse lane v01\n")
        #expect(both == 0)
        let twice = try JSON.decode(String(contentsOfFile: second + "/out/evidence.json", encoding: .utf8))
        #expect(twice["lanes"] == ["G14/v01b", "G14/v01"])
    }

    @Test("check runs each literal command's resolve step: a bad value or an empty heredoc is found before any run")
    func checkResolvesCommands() async throws {
        let (session, out, err) = try makeSession(plugins: [BuiltinsPlugin(), ScriptPlugin()])
        let folder = session.currentDirectory
        try """
        use task t-1
        history --limit -3
        echo ${nothing}
        let r = try history --limit -4
        config validate missing.yaml
        """.write(toFile: folder + "/c.ars", atomically: true, encoding: .utf8)
        let (status, stdout, _) = await run("check c.ars -o json", in: session, out: out, err: err)
        #expect(status == 2)
        let report = try JSON.decode(stdout)
        let problems = report["problems"]?.arrayValue ?? []
        #expect(problems.map { $0["code"]?.stringValue ?? "" } == ["bad-value", "unknown-variable"], "\(problems)")
        #expect(problems.first?["location"]?.stringValue?.hasSuffix("c.ars:2:1") == true, "\(problems)")
    }

    @Test("reporters hear the run as it goes: shown output, statements, assertions and evidence, in order")
    func reportersHearEveryEvent() async throws {
        final class Collector: ScriptReporter {
            var events: [String] = []
            func report(_ event: ScriptEvent) {
                switch event {
                case .output(let output, _): events.append("output \(output.value.stringValue ?? "")")
                case .statement(let record): events.append("\(record.kind.rawValue) \(record.line)")
                case .assertion(let record): events.append("assert \(record.expression) \(record.holds)")
                case .evidence(let item): events.append("evidence \(item.title)")
                }
            }
        }
        let (session, _, _) = try makeSession()
        let script = try ScriptParser(registry: session.registry).parse(
            text: "echo one\nlet x = echo two\nassert x == \"two\"\nevidence \"x\" x\n", file: "s.ars")
        let runner = ScriptRunner(session: session.scriptSession())
        let collector = Collector()
        runner.reporters = [collector]
        let result = await runner.run(script, vars: [:])
        #expect(result.status == 0)
        #expect(
            collector.events == ["command echo one", "output one", "let echo two", "assert x == \"two\" true", "evidence x"],
            "\(collector.events)")
        #expect(result.statements.count == 2 && result.assertions.count == 1 && result.evidence.count == 1)
    }

    @Test("a script saved with CRLF line ends runs line by line, with the same lines as with LF")
    func crlfScript() async throws {
        let (session, _, _) = try makeSession()
        let text = "echo one\nlet x = echo two\n# a comment\nassert x == \"two\"\n"
        let unix = try ScriptParser(registry: session.registry).parse(text: text, file: "s.ars")
        let windows = try ScriptParser(registry: session.registry).parse(text: text.replacing("\n", with: "\r\n"), file: "s.ars")
        #expect(windows.statements.map(\.source) == unix.statements.map(\.source))
        #expect(windows.statements.map(\.location.line) == [1, 2, 4])
        let result = await ScriptRunner(session: session.scriptSession()).run(windows, vars: [:])
        #expect(result.status == 0 && result.assertions.count == 1 && result.assertions[0].holds)
    }
}
