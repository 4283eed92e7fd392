import Commands
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import Testing

/// The queue plugin against a real sandbox lane over HTTP on loopback, through the real binary.
@Suite("Queue primitives against the sandbox lane")
struct QueueEndToEndTests {
    let sandbox = SandboxServer.shared

    func createTask(_ prompt: String, dispatch: Bool = true, extra: [String] = []) throws -> String {
        let created = try sandbox.ars(
            ["create", "task", "--aipod", "Artificer", "--prompt", prompt, "-o", "json"] + (dispatch ? ["--dispatch"] : []) + extra)
        #expect(created.status == 0, "stderr: \(created.stderr)")
        return try #require(created.stdout.jsonField("id"))
    }

    @Test("create, dispatch and watch a task reach succeeded with a verified, non-stale result")
    func lifecycle() throws {
        let id = try createTask("报告 codeload.github.com 的 HTTP 状态")
        #expect(try sandbox.waitForTerminal(id) == "succeeded")

        let result = try sandbox.ars(["result", "task/\(id)", "--verify"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("verified: finalResponse matches the last assistant output"))
        #expect(result.stdout.contains("liveness.phase:"))

        let json = try sandbox.ars(["result", "task/\(id)", "--verify", "-o", "json"]).stdout
        #expect(json.contains(#""apiVersion": "ars/v1""#))
        #expect(json.contains(#""stale": false"#))

        let describe = try sandbox.ars(["describe", "task/\(id)"])
        #expect(describe.status == 0)
        for fact in [
            "Runner job", "valuesPrinted", "noProxy", "hyueapi.com", "transientEnv", "Bundles", "repoUrl", "commitId", "next: events run/",
        ] {
            #expect(describe.stdout.contains(fact), "describe lacks \(fact)")
        }
        let events = try sandbox.ars(["events", "run/\(try #require(describe.stdout.firstMatch(of: /run\/(run_[0-9a-f]{32})/)?.1))"])
        #expect(events.stdout.contains("resource-bundle-materialized"))
        #expect(events.stdout.contains("assistant-message"))
    }

    @Test("the default task comes from 'use task'; bare ids name their kind")
    func contextTask() throws {
        let id = try createTask("context default", dispatch: false)
        #expect(try sandbox.ars(["get", id, "-o", "json"]).stdout.jsonField("id") == id, "a bare id names its kind")
        // One HOME for the three runs, so the context set by 'use task' carries over.
        let home = sandbox.directory + "/ctx-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let environment = [
            "HOME": home, "XDG_STATE_HOME": home + "/state", "PATH": "/usr/bin:/bin", SandboxServer.keyVariable: sandbox.key,
        ]
        let ars = [builtProducts.appendingPathComponent("ars").path, "--config", sandbox.configPath]
        let missing = try runProcess(ars + ["dispatch"], environment: environment, directory: home)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("use task"), "without a context task the error says how to set one")
        #expect(try runProcess(ars + ["use", "task", "task/\(id)"], environment: environment, directory: home).status == 0)
        let dispatched = try runProcess(ars + ["dispatch", "-o", "json"], environment: environment, directory: home)
        #expect(dispatched.status == 0, "stderr: \(dispatched.stderr)")
        #expect(dispatched.stdout.jsonField("id") == id)
        #expect(dispatched.stdout.jsonField("status") == "dispatched")
    }

    @Test("--raw discloses transport, config, base URL and auth source, never the key")
    func raw() throws {
        let output = try sandbox.ars(["get", "tasks", "--raw", "-o", "json"])
        #expect(output.status == 0)
        #expect(output.stdout.contains(#""transport": "direct-http""#))
        #expect(output.stdout.contains(#""clientRole": "render-only""#))
        #expect(output.stdout.contains(sandbox.baseURL))
        #expect(output.stdout.contains("$\(SandboxServer.keyVariable)"))
        #expect(!output.stdout.contains(sandbox.key))
        #expect(!output.stderr.contains(sandbox.key))
    }

    @Test("a secret that comes back in a server response is redacted from every output")
    func redaction() throws {
        let id = try createTask("the key is \(sandbox.key) — never print it", dispatch: false)
        for format in ["human", "json", "yaml"] {
            let output = try sandbox.ars(["describe", "task/\(id)", "-o", format])
            #expect(output.status == 0)
            #expect(!output.stdout.contains(sandbox.key), "\(format) leaked the key")
            #expect(output.stdout.contains("[REDACTED]"), "\(format) shows the marker")
        }
    }

    @Test("control sequences in server strings never reach the terminal")
    func sanitised() throws {
        let id = try createTask("title\u{1B}]0;pwned\u{07}\u{1B}[2J after", dispatch: false)
        let human = try sandbox.ars(["describe", "task/\(id)"]).stdout
        #expect(!human.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        #expect(human.contains(#"title\x1b]0;pwned\x07\x1b[2J after"#))
        // JSON keeps the exact text, escaped.
        #expect(try sandbox.ars(["get", "task/\(id)", "-o", "json"]).stdout.contains(#"title\u001b]0;pwned\u0007\u001b[2J after"#))
    }

    @Test("HTTP errors say status, server code and message, and exit 3; a wrong key names its source only")
    func errors() throws {
        let missing = try sandbox.ars(["get", "task/t-does-not-exist"])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("HTTP 404 not-found"))

        let wrongKey = try sandbox.ars(["get", "tasks"], key: "wrong-key-123456")
        #expect(wrongKey.status == 3)
        #expect(wrongKey.stderr.contains("HTTP 401"))
        #expect(wrongKey.stderr.contains("$\(SandboxServer.keyVariable)"))
        #expect(!wrongKey.stderr.contains("wrong-key-123456"))

        let id = try createTask("dispatch twice", dispatch: true)
        let again = try sandbox.ars(["dispatch", "task/\(id)"])
        #expect(again.status == 3)
        #expect(again.stderr.contains("HTTP 409 conflict"))
    }

    @Test("an unreachable lane names the lane and its base URL")
    func connectionRefused() throws {
        let config = sandbox.directory + "/closed.yaml"
        try sandbox.catalogue(baseURL: "http://127.0.0.1:9").write(toFile: config, atomically: true, encoding: .utf8)
        let output = try sandbox.ars(["get", "tasks"], config: config)
        #expect(output.status == 3)
        #expect(output.stderr.contains("local/sandbox (http://127.0.0.1:9)"))
        #expect(output.stderr.contains("connection-refused"))
    }

    @Test("apply takes a YAML heredoc; a bad manifest is refused at file:line:col before anything is sent")
    func apply() throws {
        let name = "apply-\(UUID().uuidString.prefix(6))"
        let manifest = "kind: Task\nname: \(name)\naipod: Artificer\nprompt: 检查 runner egress\nlabels:\n  issue: \"105\"\n"
        let applied = try sandbox.ars(["apply", "-f", "-"], stdin: manifest)
        #expect(applied.status == 0, "stderr: \(applied.stderr)")
        #expect(applied.stdout.contains("created"))
        #expect(try sandbox.ars(["apply", "-f", "-"], stdin: manifest).stdout.contains("unchanged"))

        // Two manifests, the second bad: neither may be created.
        let bad = try sandbox.ars(
            ["apply", "-f", "-"],
            stdin:
                "kind: Task\nname: good-\(name)\naipod: Artificer\nprompt: ok\n---\nkind: Task\nname: bad-\(name)\naipod: Artificer\npromt: typo\n"
        )
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("<stdin>:9:1: error[bad-manifest]: unknown field 'promt'"))
        #expect(bad.stderr.contains("did you mean 'prompt'?"))
        let names = try sandbox.ars(["get", "tasks", "--all", "-o", "json"]).stdout
        #expect(!names.contains("good-\(name)"), "nothing was sent")
    }

    @Test("a stale result is caught by --verify with both values, exit 1")
    func staleResult() throws {
        let id = try createTask("@sandbox stale-result\n先回答一次，再回答第二次")
        #expect(try sandbox.waitForTerminal(id) == "succeeded")
        let result = try sandbox.ars(["result", "task/\(id)", "--verify"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("STALE"))
        #expect(result.stdout.contains("lastAssistantOutput"))
    }

    @Test("--verify with nothing to compare says so and exits 1: an undispatched task, a turn with no assistant output yet")
    func nothingToVerify() throws {
        let id = try createTask("not dispatched", dispatch: false)
        let undispatched = try sandbox.ars(["result", "task/\(id)", "--verify"])
        #expect(undispatched.status != 0, "\(undispatched.stdout)\(undispatched.stderr)")
        #expect(!undispatched.stdout.contains("verified: finalResponse matches"))
        // A turn that runs for a day has no assistant output yet.
        let running = try createTask("@sandbox turns-ms=86400000")
        let early = try sandbox.ars(["result", "task/\(running)", "--verify"])
        #expect(early.status == 1, "\(early.stdout)\(early.stderr)")
        #expect(early.stdout.contains("not verified: nothing to compare yet"), "\(early.stdout)")
        _ = try sandbox.ars(["cancel", "task/\(running)"])
    }

    @Test("in a script, events --follow follows to the end and binds the items; nothing streams to stdout")
    func followInAScript() throws {
        let id = try createTask("follow me in a script")
        let folder = sandbox.directory + "/follow-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try """
        param task
        let t = get task/${task}
        let e = events run/${t.runId} --follow -o json
        assert len(e.items) > 3
        assert e.nextAfterSeq > 0
        assert e.kind == "EventList"

        """.write(toFile: folder + "/follow.ars", atomically: true, encoding: .utf8)
        let run = try sandbox.ars(["run", folder + "/follow.ars", "--var", "task=\(id)"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(!run.stdout.contains(#""seq""#), "items streamed to stdout: \(run.stdout)")
    }

    @Test("a failure kind from the backend is shown as the result's failureKind")
    func failureKind() throws {
        let id = try createTask("@sandbox fail=thread-resume-failed\nresume the thread")
        #expect(try sandbox.waitForTerminal(id) == "failed")
        let result = try sandbox.ars(["result", "task/\(id)", "-o", "json"]).stdout
        #expect(result.contains(#""failureKind": "thread-resume-failed""#))
        // Who owns it, in the value and the human view alike.
        let owner = try JSON.decode(result)["owner"]
        #expect(owner?["owner"] == "AgentRun" && owner?["reasonZh"]?.stringValue?.contains("thread/resume") == true, "\(result)")
        let human = try sandbox.ars(["result", "task/\(id)"]).stdout
        #expect(human.contains("owner:") && human.contains("AgentRun — Codex thread/resume failed"), "\(human)")
        let provider = try createTask("@sandbox fail=provider-invalid-tool-call\ncall a tool")
        #expect(try sandbox.waitForTerminal(provider) == "failed")
        let described = try sandbox.ars(["describe", "task/\(provider)"]).stdout
        #expect(described.contains("(failureKind provider-invalid-tool-call, owner provider)"), "\(described)")
    }

    @Test("events --follow streams NDJSON to the terminal event with strictly increasing seq")
    func follow() throws {
        let id = try createTask("follow me")
        let task = try sandbox.ars(["get", "task/\(id)", "-o", "json"]).stdout
        var runId = task.jsonField("runId")
        let deadline = Date().addingTimeInterval(10)
        while runId == nil && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            runId = try sandbox.ars(["get", "task/\(id)", "-o", "json"]).stdout.jsonField("runId")
        }
        let output = try sandbox.ars(["events", "run/\(try #require(runId))", "--follow", "-o", "json"])
        #expect(output.status == 0, "stderr: \(output.stderr)")
        let lines = output.stdout.split(separator: "\n")
        let seqs = lines.compactMap { line in (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["seq"] as? Int }
        #expect(seqs.count == lines.count)
        #expect(seqs == Array(1...seqs.count), "no gap, no duplicate")
        #expect(lines.last?.contains("terminal:") == true)
    }

    @Test("lists paginate: --limit prints the next-page command, --all follows every page")
    func pagination() throws {
        let label = "page=\(UUID().uuidString.prefix(6))"
        for index in 0..<3 { _ = try createTask("page \(index)", dispatch: false, extra: ["--label", label]) }
        let first = try sandbox.ars(["get", "tasks", "--label", label, "--limit", "2"])
        #expect(first.stdout.contains("next: get tasks --label \(label) --limit 2 --cursor "))
        let all = try sandbox.ars(["get", "tasks", "--label", label, "--limit", "2", "--all", "-o", "json"]).stdout
        #expect(all.components(separatedBy: #""kind": "Task""#).count - 1 == 3)
    }

    @Test("ids seen by one command are offered by Tab in the next")
    func completionCache() throws {
        let id = try createTask("complete me", dispatch: false)
        // Same HOME for both runs so the recent-id cache carries over.
        let home = sandbox.directory + "/complete-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let binaries = builtProducts
        let environment = [
            "HOME": home, "XDG_STATE_HOME": home + "/state", "PATH": "/usr/bin:/bin", SandboxServer.keyVariable: sandbox.key,
        ]
        let ars = binaries.appendingPathComponent("ars").path
        _ = try runProcess([ars, "--config", sandbox.configPath, "get", "tasks"], stdin: "", environment: environment, directory: home)
        let candidates = try runProcess(
            [ars, "--config", sandbox.configPath, "__complete", "describe", "task/"], stdin: "", environment: environment, directory: home)
        #expect(candidates.stdout.contains("task/\(id)\n"))
    }

    @Test("after a dispatch, Tab offers the task's run, session, command and runner job without listing them")
    func relatedIDsAreOffered() throws {
        let home = sandbox.directory + "/related-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let environment = [
            "HOME": home, "XDG_STATE_HOME": home + "/state", "PATH": "/usr/bin:/bin", SandboxServer.keyVariable: sandbox.key,
        ]
        let ars = [builtProducts.appendingPathComponent("ars").path, "--config", sandbox.configPath]
        let created = try runProcess(
            ars + ["create", "task", "--aipod", "Artificer", "--prompt", "related ids", "--dispatch", "-o", "json"],
            environment: environment, directory: home)
        #expect(created.status == 0, "\(created.stderr)")
        let task = try JSON.decode(created.stdout)
        for (kind, field) in [("run", "runId"), ("session", "sessionId"), ("command", "currentCommandId"), ("runnerjob", "runnerJobId")] {
            guard let id = task[field]?.stringValue else { continue }  // set once the server assigned it
            let candidates = try runProcess(ars + ["__complete", "describe", "\(kind)/"], environment: environment, directory: home)
            #expect(candidates.stdout.hasPrefix("\(kind)/\(id)\n"), "\(kind): \(candidates.stdout)")
        }
        #expect(task["runId"]?.stringValue != nil, "a dispatched task names its run: \(task)")
    }
}

@Suite("ars --sandbox")
struct SandboxLaneTests {
    @Test("ars --sandbox -c 'get tasks' starts a local lane, runs the command and stops the lane")
    func oneShot() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("ars-sbx-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let binaries = builtProducts
        let environment = ["HOME": home, "XDG_STATE_HOME": home + "/state", "PATH": "/usr/bin:/bin", "ARS_SANDBOX_SPEED": "200"]
        let ars = binaries.appendingPathComponent("ars").path
        let listed = try runProcess([ars, "--sandbox", "-c", "get tasks"], stdin: "", environment: environment, directory: home)
        #expect(listed.status == 0, "stderr: \(listed.stderr)")
        #expect(listed.stdout.contains("No tasks found on local/sandbox"))
        let created = try runProcess(
            [ars, "--sandbox", "create", "task", "--aipod", "Artificer", "--prompt", "持久化", "-o", "json"], stdin: "",
            environment: environment, directory: home)
        #expect(created.status == 0, "stderr: \(created.stderr)")
        let id = try #require(created.stdout.jsonField("id"))
        // The lane's state survives the server's restart.
        let again = try runProcess(
            [ars, "--sandbox", "get", "task/\(id)", "-o", "json"], stdin: "", environment: environment, directory: home)
        #expect(again.stdout.jsonField("prompt") == "持久化")
        let context = try runProcess([ars, "--sandbox", "context", "-o", "json"], stdin: "", environment: environment, directory: home)
        #expect(context.stdout.contains(#""node": "local""#))
    }
}

@Suite("Closeout examples against the sandbox")
struct ExampleScriptTests {
    let sandbox = SandboxServer.shared
    static let examples = repositoryRoot + "/docs/examples"

    @Test(
        "each example in docs/examples passes and writes evidence without any secret",
        arguments: ["task-result-closeout", "runner-egress-closeout", "gitbundle-closeout"])
    func example(name: String) throws {
        let evidence = sandbox.directory + "/evidence-\(name)"
        let output = try sandbox.ars(["run", Self.examples + "/\(name).ars", "--evidence", evidence])
        #expect(output.status == 0, "stdout: \(output.stdout)\nstderr: \(output.stderr)")
        #expect(output.stdout.contains("assertions held"))
        let markdown = try String(contentsOfFile: evidence + "/evidence.md", encoding: .utf8)
        let json = try String(contentsOfFile: evidence + "/evidence.json", encoding: .utf8)
        #expect(markdown.contains("## ars closeout 证据"))
        #expect(markdown.contains("✅"))
        #expect(!markdown.contains("❌"))
        #expect(markdown.contains("valuesPrinted=false"))
        #expect(json.contains(#""status": "passed""#))
        for text in [markdown, json, output.stdout, output.stderr] { #expect(!text.contains(sandbox.key)) }
    }

    @Test("evidence in English, JUnit, and a failing assertion shown with actual and expected")
    func englishAndFailure() throws {
        let script = sandbox.directory + "/failing.ars"
        try """
        let t = create task --aipod Artificer --prompt "the key \(sandbox.key) must not leak" --dispatch
        wait get task/${t.id} until it.status == "succeeded" --timeout 1m --every 200ms
        assert t.aipod == "Someone else", "wrong aipod on purpose"
        evidence "task" t
        """.write(toFile: script, atomically: true, encoding: .utf8)
        let evidence = sandbox.directory + "/evidence-failing"
        let output = try sandbox.ars(["run", script, "--evidence", evidence, "--lang", "en", "--junit", evidence + "/junit.xml"])
        #expect(output.status == 1)
        #expect(output.stdout.contains("actual:   \"Artificer\""))
        let markdown = try String(contentsOfFile: evidence + "/evidence.md", encoding: .utf8)
        #expect(markdown.contains("## ars closeout evidence"))
        #expect(markdown.contains("❌"))
        #expect(markdown.contains("[REDACTED]"), "the key echoed back in the task's prompt is redacted")
        let junit = try String(contentsOfFile: evidence + "/junit.xml", encoding: .utf8)
        #expect(junit.contains("failures=\"1\""))
        for text in [
            markdown, junit, try String(contentsOfFile: evidence + "/evidence.json", encoding: .utf8), output.stdout, output.stderr,
        ] {
            #expect(!text.contains(sandbox.key))
        }
    }
}

@Suite("Record and replay")
struct RecordReplayTests {
    let sandbox = SandboxServer.shared

    @Test("a recorded closeout replays offline with the same assertion results, and the recording holds no secret")
    func recordThenReplay() throws {
        let example = repositoryRoot + "/docs/examples/gitbundle-closeout.ars"
        let recording = sandbox.directory + "/gitbundle.recording.json"
        let live = try sandbox.ars(["run", example, "--record", recording, "--evidence", sandbox.directory + "/live", "-o", "json"])
        #expect(live.status == 0, "stderr: \(live.stderr)")
        let recorded = try String(contentsOfFile: recording, encoding: .utf8)
        #expect(recorded.contains(#""kind": "Recording""#))
        #expect(!recorded.contains(sandbox.key))
        #expect(!recorded.lowercased().contains("authorization"))

        // The lane is now unreachable and there is no key: only the recording can answer.
        let offline = sandbox.directory + "/offline.yaml"
        try sandbox.catalogue(baseURL: "http://127.0.0.1:9").write(toFile: offline, atomically: true, encoding: .utf8)
        let replayed = try sandbox.ars(["run", example, "--replay", recording, "-o", "json"], key: "", config: offline)
        #expect(replayed.status == 0, "stderr: \(replayed.stderr)")
        func assertions(_ json: String) throws -> [String] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let list = try #require(object["assertions"] as? [[String: Any]])
            return list.map { "\($0["location"] ?? "") \($0["holds"] ?? "") \($0["actual"] ?? "")" }
        }
        #expect(try assertions(replayed.stdout) == assertions(live.stdout))
        #expect(try assertions(live.stdout).count > 5)
    }

    @Test("a request the recording does not hold is a clear error")
    func missingExchange() throws {
        let recording = sandbox.directory + "/empty.recording.json"
        try #"{"apiVersion": "ars/v1", "kind": "Recording", "exchanges": []}"#.write(toFile: recording, atomically: true, encoding: .utf8)
        let script = sandbox.directory + "/list.ars"
        try "get tasks\n".write(toFile: script, atomically: true, encoding: .utf8)
        let output = try sandbox.ars(["run", script, "--replay", recording], key: "")
        #expect(output.status == 3)
        #expect(output.stderr.contains("error[not-recorded]:"))
        #expect(output.stderr.contains("holds no response for GET /api/v1/tasks?limit=50"))
    }
}

@Suite("Queue writes against the sandbox")
struct QueueWriteTests {
    let sandbox = SandboxServer.shared

    /// A task whose turn lasts 30 minutes of sandbox time (seconds of real time at test speed).
    func longTask() throws -> (task: String, session: String) {
        let created = try sandbox.ars(
            ["create", "task", "--aipod", "Artificer", "--prompt-stdin", "--dispatch", "-o", "json"],
            stdin: "@sandbox turns-ms=1800000\n长任务：保持运行\n")
        #expect(created.status == 0, "stderr: \(created.stderr)")
        let id = try #require(created.stdout.jsonField("id"))
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            // Steering needs the turn itself running, not just the task.
            let result = try sandbox.ars(["result", "task/\(id)", "-o", "json"]).stdout
            if result.jsonField("status") == "running" {
                let task = try sandbox.ars(["get", "task/\(id)", "-o", "json"]).stdout
                return (id, task.jsonField("sessionId") ?? "")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("task \(id) never started running")
        return (id, "")
    }

    @Test("steer a running turn: a steer command with its delivery, kept apart from the target's state")
    func steer() throws {
        let (id, _) = try longTask()
        let steer = try sandbox.ars(["steer", "task/\(id)", "--message", "先只检查 egress"])
        #expect(steer.status == 0, "stderr: \(steer.stderr)")
        #expect(steer.stdout.contains("steer: command/"))
        #expect(steer.stdout.contains("steerDelivery (delivery only — not the target's state)"))
        let json = try sandbox.ars(["steer", "task/\(id)", "-m", "再检查一次", "-o", "json"]).stdout
        #expect(json.contains(#""commandKind": "steer""#))
        #expect(json.contains(#""targetCommandId""#))
        #expect(try sandbox.ars(["cancel", "task/\(id)"]).status == 0)
    }

    @Test("cancel a running task, then ack it once; a second ack is refused")
    func cancelAndAck() throws {
        let (id, _) = try longTask()
        let cancelled = try sandbox.ars(["cancel", "task/\(id)"])
        #expect(cancelled.status == 0, "stderr: \(cancelled.stderr)")
        #expect(try sandbox.waitForTerminal(id) == "cancelled")
        #expect(try sandbox.ars(["steer", "task/\(id)", "--message", "too late"]).status == 3)
        let ack = try sandbox.ars(["ack", "task/\(id)", "--by", "ops"])
        #expect(ack.status == 0)
        #expect(ack.stdout.contains("acked by ops"))
        #expect(try sandbox.ars(["ack", "task/\(id)"]).stderr.contains("HTTP 409"))
    }

    @Test("send opens a new turn on a finished session")
    func send() throws {
        let created = try sandbox.ars(["create", "task", "--aipod", "Artificer", "--prompt", "第一轮", "--dispatch", "-o", "json"]).stdout
        let id = try #require(created.jsonField("id"))
        #expect(try sandbox.waitForTerminal(id) == "succeeded")
        let session = try #require(try sandbox.ars(["get", "task/\(id)", "-o", "json"]).stdout.jsonField("sessionId"))
        let sent = try sandbox.ars(["send", "session/\(session)", "--message-stdin", "-o", "json"], stdin: "第二轮：补充证据")
        #expect(sent.status == 0, "stderr: \(sent.stderr)")
        #expect(sent.stdout.contains(#""commandKind": "send""#))
        #expect(try sandbox.waitForTerminal(id) == "succeeded")
        let result = try sandbox.ars(["result", "task/\(id)", "--verify", "-o", "json"]).stdout
        #expect(result.contains("第二轮"), "the result is the send command's, not the first turn's")
        #expect(result.contains(#""stale": false"#))
    }

    @Test("create reads --json-file and --runner-json-file and refuses a bad one at file:line:col before sending")
    func jsonFiles() throws {
        let directory = sandbox.directory + "/json-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try #"{"aipod": "Artificer", "prompt": "来自 json 文件", "labels": {"issue": "105"}}"#.write(
            toFile: directory + "/task.json", atomically: true, encoding: .utf8)
        try #"{"transientEnv": ["HWLAB_API_KEY"]}"#.write(toFile: directory + "/runner.json", atomically: true, encoding: .utf8)
        let created = try sandbox.ars([
            "create", "task", "--json-file", directory + "/task.json", "--runner-json-file", directory + "/runner.json", "-o", "json",
        ])
        #expect(created.status == 0, "stderr: \(created.stderr)")
        #expect(created.stdout.contains("来自 json 文件"))
        try "{\n  \"aipod\": \"Artificer\",\n  \"prompt\": oops\n}".write(
            toFile: directory + "/bad.json", atomically: true, encoding: .utf8)
        let bad = try sandbox.ars(["create", "task", "--json-file", directory + "/bad.json"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.json:3:13: error[json-syntax]"))
    }

    @Test("follow survives dropped connections with no gap and no duplicate")
    func followThroughDrops() async throws {
        // A sandbox of its own, so no other test's follow consumes the armed faults.
        let sandbox = try SandboxServer()
        defer { sandbox.stop() }
        // Arm the sandbox to cut the next two follow responses mid-body.
        var request = URLRequest(url: URL(string: sandbox.baseURL + "/api/v1/admin/faults")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(sandbox.key)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"kind": "drop-follow", "count": 2}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)

        let created = try sandbox.ars([
            "create", "task", "--aipod", "Artificer", "--prompt", "follow through drops", "--dispatch", "-o", "json",
        ]).stdout
        let id = try #require(created.jsonField("id"))
        let runId = try #require(created.jsonField("runId"))
        let output = try sandbox.ars(["events", "run/\(runId)", "--follow", "-o", "json"])
        #expect(output.status == 0, "stderr: \(output.stderr)")
        // Both armed drops were used up by the follow (and retried from the same afterSeq).
        request.httpBody = Data(#"{"kind": "slow", "delayMs": 1, "count": 1}"#.utf8)
        let (armed, _) = try await URLSession.shared.data(for: request)
        #expect(String(decoding: armed, as: UTF8.self).contains(#""dropFollow":0"#))
        let seqs = output.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["seq"] as? Int
        }
        #expect(seqs == Array(1...max(1, seqs.count)))
        #expect(try sandbox.waitForTerminal(id) == "succeeded")
    }
}

/// Ids become request paths: one that could change the request is refused before anything is
/// sent (exit 2, naming the rule), and every id a real server issues passes.
@Suite("Path injection")
struct PathInjectionTests {
    let sandbox = SandboxServer.shared

    @Test("traversal, query, fragment, percent, spaces and control characters in an id are usage errors; nothing is sent")
    func hostileIDs() throws {
        for words in [
            ["get", "task", "../../admin/faults"], ["get", "task/t-1?x=1"], ["get", "task/t 1"], ["describe", "task/t-1#frag"],
            ["get", "task/%2e%2e"], ["dispatch", "task/t-1/../../admin"], ["get", "tasks", "--task", "t-1&status=x"],
            ["get", "task/t-1\u{1B}[31m"],
        ] {
            let result = try sandbox.ars(words)
            #expect(result.status == 2, "\(words): \(result.stderr)")
            #expect(result.stderr.contains("error[bad-id]"), "\(words): \(result.stderr)")
            #expect(!result.stderr.contains("restBaseUrl"), "not a transport error")
            #expect(!result.stderr.unicodeScalars.contains { $0.value == 0x1B }, "the echoed id is escaped on stderr")
        }
    }

    @Test("real AgentRun id shapes pass the grammar and name their kind when bare")
    func realIDShapes() throws {
        for (id, kind) in [
            ("run_f92de79e53af4984bfb5c135de63dacc", "run"), ("cmd_0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f", "command"),
            ("agentrun-v01-runner-0a1b2c3d4e5f", "runnerjob"),
        ] {
            let result = try sandbox.ars(["get", id])
            // The sandbox does not hold these: the answer is the server's 404, not a client refusal.
            #expect(result.status == 3, "\(id): \(result.stderr)")
            #expect(result.stderr.contains("HTTP 404"), "\(id) was sent as a \(kind): \(result.stderr)")
        }
    }
}
