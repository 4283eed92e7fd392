import Foundation
import Testing

/// The REPL in a real terminal: tmux runs `ars`, types keys and reads the screen.
@Suite("REPL through tmux", .serialized)
struct REPLTests {
    /// Starts ars in its sandbox directory inside tmux.
    func startREPL(_ sandbox: Sandbox) throws -> TmuxSession {
        let environment = sandbox.environment.filter { $0.key != "LANG" }
        return try TmuxSession(command: ["/bin/sh", "-c", "cd '\(sandbox.directory)' && exec '\(arsBinary)'"], environment: environment)
    }

    @Test("Tab completes, Ctrl-C clears without exiting, Up recalls, Chinese round-trips, Ctrl-D exits")
    func interactiveSession() throws {
        let sandbox = try Sandbox()
        let tmux = try startREPL(sandbox)
        defer { tmux.kill() }
        try tmux.waitFor("ars G14/v01 ›")

        // Tab completes a partial command; Enter runs it.
        // (capture trims trailing blanks, so the space Tab adds is proven by typing after it).
        try tmux.type("conte")
        try tmux.send(keys: "Tab")
        try tmux.waitFor("ars G14/v01 › context")
        try tmux.type("-o json")
        try tmux.waitFor("ars G14/v01 › context -o json")
        try tmux.send(keys: "Enter")
        try tmux.waitFor(#""namespace": "agentrun-v01""#)

        // Tab completes subcommands and enum values too.
        try tmux.type("context -o ya")
        try tmux.send(keys: "Tab")
        try tmux.waitFor("context -o yaml")
        try tmux.send(keys: "Enter")
        try tmux.waitFor("restBaseUrl: https://agentrun-v01.g14.unidesk.invalid\nconfig:")

        // Ctrl-C clears the line; the shell stays alive and runs the next line.
        try tmux.type("use lane half-typed")
        try tmux.send(keys: "C-c")
        try tmux.type("echo still-alive")
        try tmux.send(keys: "Enter")
        let afterInterrupt = try tmux.waitFor("\nstill-alive\n")
        #expect(!afterInterrupt.contains("unknown lane"), "the interrupted line must not run")

        // Chinese text is echoed intact.
        try tmux.type("echo 派发任务 测试")
        try tmux.send(keys: "Enter")
        try tmux.waitFor("\n派发任务 测试\n")

        // Up recalls the previous line onto the fresh prompt.
        try tmux.send(keys: "Up")
        try tmux.waitFor("派发任务 测试\nars G14/v01 › echo 派发任务 测试")
        try tmux.send(keys: "C-u")

        // The prompt follows the context.
        try tmux.type("use task t-42")
        try tmux.send(keys: "Enter")
        try tmux.waitFor("ars G14/v01 task/t-42 ›")

        // Ctrl-D exits cleanly.
        try tmux.send(keys: "C-d")
        #expect(try tmux.waitForExit())
        #expect(try tmux.exitStatus() == 0)

        // History is private to the user.
        let history = try FileManager.default.attributesOfItem(atPath: sandbox.directory + "/state/ars/history")
        #expect((history[.posixPermissions] as? Int) == 0o600)
    }

    @Test("a typed API key is redacted before the line is stored: the history file on disk never holds it")
    func historyNeverStoresASecret() throws {
        let sandbox = try Sandbox()
        let key = "hwk-5f3a9c1e0b7d4e2a8c6f"
        let environment = sandbox.environment.filter { $0.key != "LANG" }.merging(["HWLAB_API_KEY": key]) { $1 }
        let tmux = try TmuxSession(
            command: ["/bin/sh", "-c", "cd '\(sandbox.directory)' && exec '\(arsBinary)'"], environment: environment)
        defer { tmux.kill() }
        try tmux.waitFor("ars G14/v01 ›")
        try tmux.type("echo the key is \(key)")
        try tmux.send(keys: "Enter")
        try tmux.waitFor("\nthe key is [REDACTED]\n")
        try tmux.send(keys: "C-d")
        #expect(try tmux.waitForExit())
        let history = try String(contentsOfFile: sandbox.directory + "/state/ars/history", encoding: .utf8)
        // libedit's file encodes spaces (`echo\\040the…`); the line is kept with the marker.
        #expect(history.contains("REDACTED"), "the line itself is kept: \(history)")
        for start in 0...(key.count - 8) {
            let slice = String(key.dropFirst(start).prefix(8))
            #expect(!history.contains(slice), "history holds '\(slice)' of the key")
        }
    }

    @Test("a second REPL run starts from the saved context and recalls the first run's history")
    func persistence() throws {
        let sandbox = try Sandbox()
        do {
            let first = try startREPL(sandbox)
            defer { first.kill() }
            try first.waitFor("ars G14/v01 ›")
            try first.type("use lane v02 --node D601")
            try first.send(keys: "Enter")
            try first.waitFor("ars D601/v02 ›")
            try first.send(keys: "C-d")
            #expect(try first.waitForExit())
        }
        let second = try startREPL(sandbox)
        defer { second.kill() }
        try second.waitFor("ars D601/v02 ›")
        try second.send(keys: "Up")
        try second.waitFor("ars D601/v02 › use lane v02 --node D601")
    }

    @Test("an error is reported and the REPL goes on")
    func errorsDoNotExit() throws {
        let sandbox = try Sandbox()
        let tmux = try startREPL(sandbox)
        defer { tmux.kill() }
        try tmux.waitFor("ars G14/v01 ›")
        try tmux.type("contxt")
        try tmux.send(keys: "Enter")
        try tmux.waitFor("hint: did you mean 'context'?")
        try tmux.type("exit 5")
        try tmux.send(keys: "Enter")
        #expect(try tmux.waitForExit())
        #expect(try tmux.exitStatus() == 5)
    }
}

@Suite("REPL on the sandbox lane")
struct SandboxREPLTests {
    /// `ars --sandbox` in tmux, at the prompt.
    func startSandboxREPL(speed: Int) throws -> TmuxSession {
        let sandbox = try Sandbox(config: false)
        let environment = sandbox.environment.filter { $0.key != "LANG" }.merging(["ARS_SANDBOX_SPEED": String(speed)]) { $1 }
        let tmux = try TmuxSession(
            command: ["/bin/sh", "-c", "cd '\(sandbox.directory)' && exec '\(arsBinary)' --sandbox"], environment: environment)
        try tmux.waitFor("ars local/sandbox ›")
        return tmux
    }

    @Test("Ctrl-C cancels a running command (a long follow) and the shell goes on")
    func interruptFollow() throws {
        let tmux = try startSandboxREPL(speed: 50)
        defer { tmux.kill() }
        try tmux.type("create task --aipod Artificer --prompt '@sandbox turns-ms=86400000' --dispatch")
        try tmux.send(keys: "Enter")
        let created = try tmux.waitFor("created and dispatched")
        let task = try #require(created.firstMatch(of: /task\/(task_[0-9a-f]{32})/)?.1)
        try tmux.type("get task/\(task) -o json")
        try tmux.send(keys: "Enter")
        let shown = try tmux.waitFor(#""runId": "run_"#)
        let run = try #require(shown.firstMatch(of: /"runId": "(run_[0-9a-f]{32})"/)?.1)
        try tmux.type("events run/\(run) --follow")
        try tmux.send(keys: "Enter")
        try tmux.waitFor("run:created")
        try tmux.send(keys: "C-c")
        try tmux.waitFor("error[interrupted]: interrupted")
        try tmux.type("echo alive")
        try tmux.send(keys: "Enter")
        try tmux.waitFor("\nalive\n")
        try tmux.send(keys: "C-d")
        #expect(try tmux.waitForExit())
        #expect(try tmux.exitStatus() == 0)
    }

    @Test("the control plane in the REPL: Tab completes, status shows the picture with progress, a write without --confirm is refused")
    func controlPlane() throws {
        let tmux = try startSandboxREPL(speed: 1000)
        defer { tmux.kill() }
        try tmux.type("control-plane st")
        try tmux.send(keys: "Tab")
        try tmux.waitFor("ars local/sandbox › control-plane status")
        try tmux.send(keys: "Enter")
        // Progress reads as logfmt on a terminal; the summary and the alignment table follow.
        try tmux.waitFor("agentrun.control-plane.status.progress stage=runtime phase=done")
        try tmux.waitFor("argo revision = gitops latest   ✓")
        try tmux.waitFor("= gitops latest · manager 1/1 ready")
        try tmux.type("control-plane cleanup-runs")
        try tmux.send(keys: "Enter")
        try tmux.waitFor("needs --confirm; nothing was done")
        try tmux.send(keys: "C-d")
        #expect(try tmux.waitForExit())
    }

    @Test("a heredoc in the REPL reads its body on further prompts and becomes the command's stdin; Ctrl-C there drops the command")
    func heredoc() throws {
        let tmux = try startSandboxREPL(speed: 1000)
        defer { tmux.kill() }
        try tmux.type("create task --aipod Artificer --prompt-stdin -o json <<'EOF'")
        try tmux.send(keys: "Enter")
        try tmux.waitFor("EOF› ")
        try tmux.type("检查 runner egress ${not-interpolated}")
        try tmux.send(keys: "Enter")
        try tmux.type("EOF")
        try tmux.send(keys: "Enter")
        try tmux.waitFor(#""prompt": "检查 runner egress ${not-interpolated}""#)
        try tmux.type("echo dropped <<END")
        try tmux.send(keys: "Enter")
        try tmux.waitFor("END› ")
        try tmux.send(keys: "C-c")
        try tmux.type("echo alive")
        try tmux.send(keys: "Enter")
        let screen = try tmux.waitFor("\nalive\n")
        #expect(!screen.contains("\ndropped"))
        try tmux.send(keys: "C-d")
        #expect(try tmux.waitForExit())
    }
}
