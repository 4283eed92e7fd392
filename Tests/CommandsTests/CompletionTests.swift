import Commands
import ScriptLanguage
import Foundation
import Testing

@Suite("Completion")
struct CompletionTests {
    func complete(_ line: String, plugins: [any CommandPlugin] = [BuiltinsPlugin(), ScriptPlugin(), FixturePlugin()]) throws -> [String] {
        let (session, _, _) = try makeSession(plugins: plugins)
        return CompletionEngine(session: session).complete(line: line).map(\.value)
    }

    @Test(
        "commands, subcommands, flags, enum values, nodes and lanes",
        arguments: [
            ("", ["check", "completion", "config", "context", "control-plane", "echo", "exit", "help", "history", "result", "run", "use"]),
            ("con", ["config", "context", "control-plane"]),
            ("use ", ["lane", "node", "task"]),
            ("use n", ["node"]),
            ("use node ", ["G14", "D601"]),
            ("use lane ", ["v01", "v01b"]),
            ("use lane v0", ["v01", "v01b"]),
            ("control-plane cleanup-runs --d", ["--dry-run"]),
            ("control-plane cleanup-runs --format ", ["compact", "full"]),
            ("control-plane cleanup-runs --format=f", ["--format=full"]),
            ("context -o ", ["human", "json", "yaml"]),
            ("context --output j", ["json"]),
            ("control-plane status --node ", ["G14", "D601"]),
            ("completion ", ["bash", "zsh", "fish"]),
            ("help use ", ["lane", "node", "task"]),
            ("help control-plane s", ["status"]),
            ("agentrun use ", ["lane", "node", "task"]),
            ("bun scripts/cli.ts agentrun con", ["config", "context", "control-plane"]),
            ("nosuch ", []),
        ])
    func candidates(line: String, expected: [String]) throws {
        #expect(try complete(line) == expected)
    }

    @Test("options already given are not offered again, repeatable ones are")
    func usedOptions() throws {
        let offered = try complete("control-plane cleanup-runs --dry-run --label a --")
        #expect(!offered.contains("--dry-run"))
        #expect(offered.contains("--label"))
        #expect(offered.contains("--confirm"))
    }

    @Test("the context's task and recently seen ids are offered for task arguments")
    func taskIds() throws {
        let (session, _, _) = try makeSession()
        session.context.task = "t-42"
        session.remember(["t-7", "t-8"], kind: "task")
        #expect(CompletionEngine(session: session).complete(line: "use task t-").map(\.value) == ["t-42", "t-7", "t-8"])
    }

    @Test("file arguments complete paths relative to the working directory")
    func files() throws {
        let (session, _, _) = try makeSession()
        FileManager.default.createFile(atPath: session.currentDirectory + "/closeout.ars", contents: Data())
        try FileManager.default.createDirectory(atPath: session.currentDirectory + "/config", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: session.currentDirectory + "/config/agentrun.yaml", contents: Data())
        let engine = CompletionEngine(session: session)
        #expect(engine.complete(line: "config validate c").map(\.value) == ["closeout.ars", "config/"])
        #expect(engine.complete(line: "config validate config/").map(\.value) == ["config/agentrun.yaml"])
    }

    @Test("shell formats: zsh and fish carry descriptions, bash drops what it split off at '='")
    func formats() {
        let candidates = [CompletionCandidate("--format=full", "Layout"), CompletionCandidate("a:b")]
        #expect(ShellScripts.format(candidates, shell: "zsh", current: "--format=f") == "--format=full:Layout\na\\:b\n")
        #expect(ShellScripts.format(candidates, shell: "fish", current: "--format=f") == "--format=full\tLayout\na:b\n")
        #expect(ShellScripts.format(candidates, shell: "bash", current: "--format=f") == "full\na:b\n")
    }

    @Test("--lane after --node N offers N's lanes; without it, the context's or default node's")
    func laneFollowsNode() throws {
        let (session, _, _) = try makeSession()
        let engine = CompletionEngine(session: session)
        #expect(engine.complete(line: "use lane ").map(\.value) == ["v01", "v01b"])
        #expect(engine.complete(line: "use lane --node D601 ").map(\.value) == ["v02"])
        #expect(engine.complete(line: "use lane --node=D601 v").map(\.value) == ["v02"])
    }
}
