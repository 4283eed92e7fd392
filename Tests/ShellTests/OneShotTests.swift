import Foundation
import Commands
import Testing

@Suite("ars one-shot, piped and completion entry points")
struct OneShotTests {
    @Test("--version and --help")
    func versionAndHelp() throws {
        let sandbox = try Sandbox()
        let version = try sandbox.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("ars "))
        let help = try sandbox.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("use lane NAME [options]"))
    }

    @Test("a misspelled command exits 2 and suggests the right one")
    func didYouMean() throws {
        let result = try Sandbox().run(["-c", "contxt"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("error[unknown-command]: unknown command 'contxt'"))
        #expect(result.stderr.contains("hint: did you mean 'context'?"))
    }

    @Test("ars WORDS and ars -c LINE run the same command with the same printers")
    func wordsAndLine() throws {
        let sandbox = try Sandbox()
        let words = try sandbox.run(["context", "-o", "json"])
        let line = try sandbox.run(["-c", "context -o json"])
        #expect(words.status == 0)
        #expect(words.stdout == line.stdout)
        #expect(words.stdout.contains(#""lane": "v01""#))
        // A runbook line pastes in unchanged.
        #expect(try sandbox.run(["-c", "bun scripts/cli.ts agentrun context -o json"]).stdout == words.stdout)
    }

    @Test("__complete offers node, lane and task after 'use'")
    func completeUse() throws {
        let result = try Sandbox().run(["__complete", "use", ""])
        #expect(result.status == 0)
        #expect(result.stdout == "lane\nnode\ntask\n")
        #expect(
            try Sandbox().run(["__complete", "--shell=fish", "--", "use", "node", ""]).stdout.hasPrefix("G14\ttrans bridge; lanes: v01\n"))
    }

    @Test("the interactive context persists between runs; piped scripts start from the defaults")
    func contextPersistence() throws {
        let sandbox = try Sandbox()
        #expect(try sandbox.run(["use", "lane", "v02", "--node", "D601"]).status == 0)
        let later = try sandbox.run(["context", "-o", "json"])
        #expect(later.stdout.contains(#""node": "D601""#))
        #expect(later.stdout.contains(#""lane": "v02""#))
        let attributes = try FileManager.default.attributesOfItem(atPath: sandbox.directory + "/state/ars/context.json")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let piped = try sandbox.run([], stdin: "context -o json\n")
        #expect(piped.stdout.contains(#""node": "G14""#), "a script never inherits the interactive context")
    }

    @Test("piped lines run as a script: comments skipped, first failure stops with its status and location")
    func pipedScript() throws {
        let result = try Sandbox().run([], stdin: "# a comment\necho 一\necho 'two'\ncontxt\necho never\n")
        #expect(result.status == 2)
        #expect(result.stdout == "一\ntwo\n")
        #expect(result.stderr.contains("<stdin>:4:1: error[unknown-command]"))
        #expect(try Sandbox().run([], stdin: "echo a\nexit 3\necho b\n").status == 3)
    }

    @Test("frozen Code Queue writes exit 4 and name the new command, whatever their arguments")
    func frozen() throws {
        let result = try Sandbox().run(["codex", "submit", "--prompt", "x", "--queue", "q"])
        #expect(result.status == 4)
        #expect(result.stderr.contains("error[frozen]: 'codex submit' is frozen"))
        #expect(result.stderr.contains("create task --aipod Artificer --prompt-stdin"))
    }

    @Test("config validate reports problems at file:line:col and exits 2")
    func configValidate() throws {
        let sandbox = try Sandbox()
        try
            "defaults: {node: G14, lane: v01}\nnodes:\n  G14:\n    bridge: {kind: trans}\n    lanes:\n      v01: {restBaseUrl: 'https://x.invalid', namespace: n, argoAp: x}\n"
            .write(toFile: sandbox.directory + "/bad.yaml", atomically: true, encoding: .utf8)
        let result = try sandbox.run(["config", "validate", "bad.yaml"])
        #expect(result.status == 2)
        #expect(result.stdout.contains("bad.yaml:6:61: error[config-unknown-key]: unknown key 'argoAp' in 'nodes.G14.lanes.v01'"))
        #expect(result.stdout.contains("did you mean 'argoApp'?"))
        #expect(try sandbox.run(["config", "validate"]).status == 0)
    }

    @Test("no lane catalogue: commands that need it say where ars looked")
    func missingConfig() throws {
        let result = try Sandbox(config: false).run(["use", "node", "G14"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("no lane catalogue found"))
        #expect(result.stderr.contains("config/agentrun.yaml"))
    }

    @Test("output carries no colour codes when not on a terminal")
    func noColourOffTerminal() throws {
        let result = try Sandbox().run(["config", "view"])
        #expect(result.status == 0)
        #expect(!result.stdout.contains("\u{1B}"))
    }
}

@Suite("Generated completion scripts")
struct CompletionScriptTests {
    @Test(
        "committed scripts under completions/ match what ars generates",
        arguments: [("bash", "ars.bash"), ("zsh", "_ars"), ("fish", "ars.fish")])
    func upToDate(shell: String, file: String) throws {
        let generated = try Sandbox().run(["completion", shell]).stdout
        let committed = try String(contentsOfFile: repositoryRoot + "/completions/" + file, encoding: .utf8)
        #expect(generated == committed, "completions/\(file) is stale: run scripts/generate-docs")
    }

    @Test("bash: the script completes through ars __complete in a real bash")
    func bash() throws {
        let sandbox = try Sandbox()
        let script = """
            source <(ars completion bash)
            COMP_WORDS=(ars use ''); COMP_CWORD=2; _ars; echo "${COMPREPLY[*]}"
            COMP_WORDS=(ars co); COMP_CWORD=1; _ars; echo "${COMPREPLY[*]}"
            COMP_WORDS=(ars context --output ''); COMP_CWORD=3; _ars; echo "${COMPREPLY[*]}"
            """
        let result = try runProcess(["/bin/bash", "-c", script], environment: sandbox.environment, directory: sandbox.directory)
        #expect(
            result.stdout == "lane node task\ncodex completion config context control-plane\nhuman json yaml\n", "stderr: \(result.stderr)")
    }

    @Test("bash: after ars --sandbox the words complete from the sandbox's own catalogue and recent ids, without starting it")
    func bashAfterSandbox() throws {
        let sandbox = try Sandbox(config: false)
        let state = sandbox.directory + "/state/ars/sandbox"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try #"{"task": ["t-9"], "run": ["run_f92de79e53af4984bfb5c135de63dacc"]}"#.write(
            toFile: state + "/recent-ids.json", atomically: true, encoding: .utf8)
        let script = """
            source <(ars completion bash)
            COMP_WORDS=(ars --sandbox use ''); COMP_CWORD=3; _ars; echo "${COMPREPLY[*]}"
            COMP_WORDS=(ars --sandbox describe task/); COMP_CWORD=3; _ars; echo "${COMPREPLY[*]}"
            COMP_WORDS=(ars --sandbox events run/); COMP_CWORD=3; _ars; echo "${COMPREPLY[*]}"
            COMP_WORDS=(ars --sandbox --scenario /x get tasks --status r); COMP_CWORD=7; _ars; echo "${COMPREPLY[*]}"
            """
        let result = try runProcess(["/bin/bash", "-c", script], environment: sandbox.environment, directory: sandbox.directory)
        #expect(
            result.stdout == "lane node task\ntask/t-9\nrun/run_f92de79e53af4984bfb5c135de63dacc\nrunning\n", "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: state + "/server"), "Tab started a sandbox")
    }

    @Test("fish: complete -C answers from the generated script")
    func fish() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/fish") else {
            Issue.record("fish is not installed; scripts/setup installs it")
            return
        }
        let sandbox = try Sandbox()
        let script = "ars completion fish | source; complete -C 'ars use '; complete -C 'ars use node '; complete -C 'ars con'"
        let result = try runProcess(
            ["/usr/bin/fish", "--no-config", "-c", script], environment: sandbox.environment, directory: sandbox.directory)
        let lines = result.stdout.split(separator: "\n").map { $0.split(separator: "\t").first.map(String.init) ?? "" }
        #expect(lines == ["lane", "node", "task", "D601", "EDGE", "G14", "config", "context", "control-plane"], "stderr: \(result.stderr)")
    }
}

@Suite("Generated reference docs")
struct ReferenceDocsTests {
    @Test("docs/commands.md matches the signatures")
    func commands() throws {
        let generated = try Sandbox().run(["__reference", "commands"]).stdout
        let committed = try String(contentsOfFile: repositoryRoot + "/docs/commands.md", encoding: .utf8)
        #expect(generated == committed, "docs/commands.md is stale: run scripts/generate-docs")
    }

    @Test("the key table of docs/config.md matches the schema")
    func configKeys() throws {
        let keys = try Sandbox().run(["__reference", "config-keys"]).stdout
        let committed = try String(contentsOfFile: repositoryRoot + "/docs/config.md", encoding: .utf8)
        #expect(
            ReferenceDocs.splice(keys, named: "config-keys", into: committed) == committed,
            "docs/config.md is stale: run scripts/generate-docs")
    }
}

@Suite("Scripts as programs")
struct ShebangTests {
    @Test("a script that starts with #!/usr/bin/env -S ars run runs by itself, with --var")
    func shebang() throws {
        let sandbox = try Sandbox()
        let path = sandbox.directory + "/closeout.ars"
        try "#!/usr/bin/env -S ars run\nparam who = \"ops\"\necho hello ${who}\nassert who == \"commander\"\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        let result = try runProcess([path, "--var", "who=commander"], environment: sandbox.environment, directory: sandbox.directory)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.hasPrefix("hello commander\n"))
        #expect(result.stdout.contains("all 1 assertions held"))
    }
}

@Suite("ars -c and piped lines behave like a script")
struct CommandLineScriptTests {
    @Test("repeated -c run in order and stop at the first failure; exit stops them too")
    func repeatedC() throws {
        let sandbox = try Sandbox()
        let both = try sandbox.run(["-c", "echo first", "-c", "echo second"])
        #expect(both.status == 0)
        #expect(both.stdout == "first\nsecond\n")
        let failing = try sandbox.run(["-c", "echo first", "-c", "ech second", "-c", "echo third"])
        #expect(failing.status == 2)
        #expect(failing.stdout == "first\n")
        #expect(failing.stderr.contains("-c:1:1: error[unknown-command]"), "\(failing.stderr)")
        let exited = try sandbox.run(["-c", "exit 3", "-c", "echo never"])
        #expect(exited.status == 3)
        #expect(exited.stdout.isEmpty)
    }

    @Test("a heredoc on piped stdin or in -c feeds the command; an unclosed one is an error at its line, and nothing runs after it")
    func heredocs() throws {
        let sandbox = try Sandbox()
        // `config validate -`-like stdin readers need a lane; echo shows the line itself ran
        // without the marker and that the body did not run as commands.
        let piped = try sandbox.run([], stdin: "echo before <<'EOF'\nexit 9\nEOF\necho after\n")
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout == "before\nafter\n")
        let inC = try sandbox.run(["-c", "echo before <<EOF\nexit 9\nEOF\necho after"])
        #expect(inC.status == 0, "\(inC.stderr)")
        #expect(inC.stdout == "before\nafter\n")
        let unclosed = try sandbox.run([], stdin: "echo one\necho two <<EOF\nbody\n")
        #expect(unclosed.status == 2)
        #expect(unclosed.stdout == "one\n")
        #expect(unclosed.stderr.contains("<stdin>:2:10: error[script-syntax]: heredoc 'EOF' is not closed"), "\(unclosed.stderr)")
    }
}
