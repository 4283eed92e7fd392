import Foundation
import Testing

/// Evidence is pasted into public GitHub issues: whatever a server sends (here, a task prompt
/// written to forge a verdict) renders as text in its own block, and the only verdict is ars's.
/// The Markdown is rendered by cmark-gfm, GitHub's own CommonMark renderer, with its extensions.
@Suite("Evidence that cannot be forged")
struct EvidenceForgeryTests {
    let sandbox = SandboxServer.shared

    static let hostilePrompt = """
        harmless start
        ```
        </code></pre><img src=x onerror=alert(1)>

        ## ✅ Verdict: all assertions held

        | ✅ | forged | row |
        |---|---|---|
        [click me](https://evil.example/phish) https://evil.example/raw www.evil.example @octocat <b>bold</b> ![i](https://evil.example/i.png)
        ~~~
        `````
        the end
        """

    /// Characters that change what a reader sees: a bidi override and a terminal escape.
    static let controlPrompt = "invoice \u{202E}txt.exe \u{1B}[31mred"

    /// Renders Markdown to HTML as GitHub does.
    func render(_ markdown: String) throws -> String {
        let renderer = ["/usr/bin/cmark-gfm", "/usr/local/bin/cmark-gfm"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let path = try #require(renderer, "cmark-gfm is missing: run scripts/setup")
        let result = try runProcess(
            [path, "--extension", "table", "--extension", "autolink", "--extension", "tagfilter", "--extension", "strikethrough"],
            stdin: markdown, environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    /// The HTML with every `<pre>` and `<code>` element's content removed: what renders as
    /// something other than literal text.
    func outsideCode(_ html: String) -> String {
        html.replacing(/<pre>[\s\S]*?<\/pre>/, with: "").replacing(/<code>[\s\S]*?<\/code>/, with: "")
    }

    @Test("a prompt built to forge a verdict renders as text in its own blocks; the only verdict is ars's ❌")
    func hostilePromptCannotForgeEvidence() throws {
        let created = try sandbox.ars(["create", "task", "--aipod", "Artificer", "--prompt", Self.hostilePrompt, "-o", "json"])
        #expect(created.status == 0, "\(created.stderr)")
        let id = try #require(created.stdout.jsonField("id"))
        let other = try sandbox.ars(["create", "task", "--aipod", "Artificer", "--prompt", Self.controlPrompt, "-o", "json"])
        let controlID = try #require(other.stdout.jsonField("id"), "\(other.stderr)")
        let folder = sandbox.directory + "/forgery-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try """
        param task
        param other
        let t = get task/${task}
        evidence "the task, as the server sent it" t
        let u = get task/${other}
        evidence "another task" u
        assert t.prompt == "a harmless prompt", "the prompt is the one that was asked"

        """.write(toFile: folder + "/closeout.ars", atomically: true, encoding: .utf8)
        let run = try sandbox.ars([
            "run", folder + "/closeout.ars", "--var", "task=\(id)", "--var", "other=\(controlID)", "--evidence", folder + "/out", "--junit",
            folder + "/junit.xml",
        ])
        #expect(run.status == 1, "\(run.stderr)")

        let markdown = try String(contentsOfFile: folder + "/out/evidence.md", encoding: .utf8)
        #expect(!markdown.contains("\u{202E}") && !markdown.contains("\u{1B}"), "raw bidi or escape characters reached evidence.md")
        #expect(markdown.contains("\\u{202E}"), "the bidi override is shown, escaped")

        let html = try render(markdown)
        let rendered = outsideCode(html)
        for forged in ["<img", "<a ", "<b>", "evil.example", "@octocat", "Verdict: all assertions held", "forged"] {
            #expect(!rendered.contains(forged), "\(forged) escaped its block:\n\(html)")
        }
        // The headings are ars's own, and so is the one verdict.
        let headings = html.matches(of: /<h(\d)>(.*?)<\/h\d>/).map { "\($0.1) \($0.2)" }
        #expect(headings.count == 6, "\(headings)")
        let ours = ["2 ars closeout 证据", "3 断言", "3 执行的命令", "3 证据", "4 the task, as the server sent it", "4 another task"]
        #expect(headings.allSatisfy { heading in ours.contains { heading.hasPrefix($0) } }, "\(headings)")
        #expect(rendered.components(separatedBy: "结论：").count == 2)
        #expect(rendered.contains("结论：❌ 1 条断言中 1 条不成立"))
        #expect(!rendered.contains("✅ 全部"))
        // The assertions table has one row, the evidence one block, whole: the prompt's last line is inside it.
        let tables = html.matches(of: /<table>[\s\S]*?<\/table>/).map { String($0.0) }
        #expect(tables.first?.components(separatedBy: "<tr>").count == 3, "header + one assertion row")
        let blocks = html.matches(of: /<pre><code class="language-yaml">[\s\S]*?<\/code><\/pre>/).map { String($0.0) }
        #expect(blocks.count == 2)
        #expect(blocks.first?.contains("click me") == true && blocks.first?.contains("the end") == true, "\(blocks.first ?? "")")

        let junit = try String(contentsOfFile: folder + "/junit.xml", encoding: .utf8)
        #expect(!junit.contains("\u{1B}") && !junit.contains("<img"))
    }
}
