import Foundation
import Testing

/// A dispatched task goes through runner-job creation, bundle materialization, model and tool
/// phases, heartbeats and a final answer, to a terminal state.
@Suite("Lifecycle")
struct LifecycleTests {
    @Test("created → dispatched → running → succeeded, with timestamps per transition")
    func fullLifecycle() async throws {
        try await withSandbox { sandbox in
            let created = try await sandbox.createTask("Summarise the egress check", labels: ["issue": "105"])
            #expect(created["status"].string == "created")
            #expect(created["id"].string?.wholeMatch(of: /task_[0-9a-f]{32}/) != nil)
            for field in [
                "dispatchedAt", "startedAt", "finishedAt", "ack", "runId", "sessionId", "runnerJobId", "currentCommandId", "failureKind",
            ] {
                #expect(created[field].isNull, "\(field) is null before dispatch")
            }
            let id = try #require(created["id"].string)

            let dispatched = try await sandbox.post("/tasks/\(id)/dispatch")
            #expect(dispatched.status == 200)
            let task = dispatched.json["data"]
            #expect(task["status"].string == "dispatched")
            #expect(task["dispatchedAt"].string != nil)
            #expect(task["runId"].string?.wholeMatch(of: /run_[0-9a-f]{32}/) != nil)
            #expect(task["sessionId"].string?.wholeMatch(of: /sess_[0-9a-f]{32}/) != nil)
            #expect(task["currentCommandId"].string?.wholeMatch(of: /cmd_[0-9a-f]{32}/) != nil)

            let events = try await sandbox.follow(run: try #require(task["runId"].string))
            let done = try await sandbox.data("/tasks/\(id)")
            #expect(done["status"].string == "succeeded")
            #expect(done["runnerJobId"].string?.wholeMatch(of: /agentrun-v01-runner-[0-9a-f]{12}/) != nil)
            let stamps = ["createdAt", "dispatchedAt", "startedAt", "finishedAt"].compactMap { done[$0].string }
            #expect(stamps.count == 4)
            #expect(stamps == stamps.sorted(), "transition timestamps are in order: \(stamps)")
            #expect(stamps.allSatisfy { $0.hasSuffix("Z") && $0.count == 24 }, "RFC 3339 UTC with milliseconds: \(stamps)")

            let seqs = events.compactMap { $0["seq"].int }
            #expect(seqs == Array(1...seqs.count), "seq strictly increases from 1 without gaps")
            #expect(events.last?["type"].string == "terminal:succeeded")

            let run = try await sandbox.data("/runs/\(task["runId"].string ?? "")")
            #expect(run["status"].string == "succeeded")
            #expect(run["commandIds"] == .array([task["currentCommandId"]]))
            #expect(run["finishedAt"].string == done["finishedAt"].string)
        }
    }

    @Test("events use the documented vocabulary in lifecycle order")
    func eventVocabulary() async throws {
        try await withSandbox { sandbox in
            let (task, events) = try await sandbox.runToEnd("List the runner's skill dirs")
            let types = events.compactMap { $0["type"].string }
            let expected = [
                "run:created", "command:created", "runner-job:created", "run-claimed", "runner-image-work-ready-smoke",
                "resource-bundle-materialized", "runner-bundle-work-ready-smoke", "codex-rollout-storage-mounted",
                "initial-prompt-assembly", "active-turn-control-ready", "backend-turn-started", "turn/plan/updated",
                "assistant-message", "tool-call", "tool-result", "tool-call", "tool-result", "assistant-message",
                "turn-completed", "terminal:succeeded",
            ]
            #expect(types.filter { $0 != "heartbeat" && $0 != "turn/plan/updated" } == expected.filter { $0 != "turn/plan/updated" })
            #expect(types.filter { $0 == "heartbeat" }.count >= 3, "the runner heartbeats while the turn runs")

            let jobCreated = try #require(events.first { $0["type"].string == "runner-job:created" })
            #expect(jobCreated["data"]["transientEnv"]["names"] == .array([.string("HWLAB_API_KEY")]))
            #expect(jobCreated["data"]["valuesPrinted"] == .bool(false))

            let commandId = task["currentCommandId"]
            let messages = events.filter { $0["type"].string == "assistant-message" }
            #expect(messages.allSatisfy { $0["commandId"] == commandId })
            #expect(messages.map { $0["data"]["final"] } == [.bool(false), .bool(true)])
            let toolResults = events.filter { $0["type"].string == "tool-result" }
            #expect(toolResults.allSatisfy { $0["data"]["tool"].string == "commandExecution" && $0["data"]["output"].string != nil })

            let stamps = events.compactMap { $0["at"].string }
            #expect(stamps == stamps.sorted(), "simulated timestamps follow the sandbox clock")
            #expect(
                stamps.first?.hasPrefix("2026-05-01T") == true,
                "--now sets the sandbox clock (the day: at test speed a loaded machine can move it hours)")
        }
    }

    @Test("the final answer quotes the prompt; a Chinese prompt round-trips and is answered in Chinese")
    func finalResponse() async throws {
        try await withSandbox { sandbox in
            let chinese = "通过受控 proxy 访问 codeload.github.com 并报告 HTTP 状态（第二行：\"引号\" 与 C:\\Users\\ops）"
            let (task, events) = try await sandbox.runToEnd(chinese)
            let stored = try await sandbox.data("/tasks/\(task["id"].string ?? "")")
            #expect(stored["prompt"].string == chinese)
            let result = try await sandbox.data("/tasks/\(task["id"].string ?? "")/result")
            let answer = try #require(result["finalResponse"].string)
            #expect(answer.contains("「\(chinese)」"))
            #expect(answer.hasPrefix("已完成"))
            #expect(result["status"].string == "succeeded")
            #expect(result["kind"].string == "turn")
            #expect(result["commandId"] == task["currentCommandId"])
            #expect(result["liveness"]["phase"].string == "terminal")
            let lastAssistant = events.last { $0["type"].string == "assistant-message" }
            #expect(lastAssistant?["data"]["text"].string == answer, "finalResponse is the latest terminal assistant output")

            let (english, _) = try await sandbox.runToEnd("Report the HTTP status of codeload.github.com")
            let englishResult = try await sandbox.data("/tasks/\(english["id"].string ?? "")/result")
            #expect(englishResult["finalResponse"].string?.hasPrefix("Done: \"Report the HTTP status of codeload.github.com\".") == true)
        }
    }

    @Test("liveness moves waiting-runner → waiting-model → waiting-tool → idle-after-tool → … → terminal")
    func livenessPhases() async throws {
        // Sandbox time nearly stands still (1 ms per real second) and moves only when the test
        // advances it, so every phase is observed exactly, with its exact start.
        try await withSandbox(speed: frozen) { sandbox in
            let task = try await sandbox.startTask("Walk through the phases\n@sandbox turns-ms=20000")
            let sessionId = try #require(task["sessionId"].string)
            let dispatchedAt = try #require(task["dispatchedAt"].string)
            let start = try #require(ISO8601DateFormatter.withMilliseconds.date(from: dispatchedAt))
            // (sandbox ms after dispatch to move to, expected phase, the step it began at)
            let plan: [(Int64, String, Double)] = [
                (0, "waiting-runner", 0), (5_400, "waiting-model", 5.2), (9_200, "waiting-tool", 9.0),
                (11_200, "idle-after-tool", 11.0), (12_200, "waiting-model", 12.0), (13_200, "waiting-tool", 13.0),
                (16_200, "idle-after-tool", 16.0), (17_200, "waiting-model", 17.0), (20_100, "terminal", 20.0),
            ]
            var moved: Int64 = 0
            for (target, phase, began) in plan {
                if target > moved { try await sandbox.advanceClock(target - moved) }
                moved = target
                let liveness = try await sandbox.data("/sessions/\(sessionId)")["liveness"]
                #expect(liveness["phase"].string == phase, "at +\(target) ms")
                let since = try #require(ISO8601DateFormatter.withMilliseconds.date(from: liveness["since"].string ?? ""))
                #expect(abs(since.timeIntervalSince(start) - began) < 0.05, "\(phase) began at +\(began) s, not \(liveness["since"])")
            }
            let session = try await sandbox.data("/sessions/\(sessionId)")
            #expect(session["threadId"].string?.hasPrefix("thr-") == true)
            #expect(session["liveness"]["lastHeartbeatAt"].string != nil)
            #expect(session["liveness"]["lastEventAt"].string != nil)
        }
    }

    @Test("runner job: pod, namespace, proxy env, NO_PROXY, Secret-referenced transient env, bundles; no secret value anywhere")
    func runnerJobFacts() async throws {
        try await withSandbox { sandbox in
            let runner = """
                {"aipod": "Artificer", "prompt": "check egress", "runner": {
                  "transientEnv": ["UNIDESK_MAIN_SERVER_IP"],
                  "bundles": [
                    {"kind": "gitbundle", "repoUrl": "https://github.com/pikasTech/HWLAB.git", "ref": "v0.2",
                     "tools": ["tools/hwlab"], "promptRefs": ["prompts/caserun.md"], "skillDirs": [".agents/skills/caserun"]},
                    {"repoUrl": "https://git.example.org/ops/tools", "commit": "0123456789abcdef0123456789abcdef01234567"}]}}
                """
            let created = try await sandbox.post("/tasks", runner)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["data"]["id"].string)
            let dispatched = try await sandbox.post("/tasks/\(id)/dispatch").json["data"]
            _ = try await sandbox.follow(run: dispatched["runId"].string ?? "")
            let task = try await sandbox.data("/tasks/\(id)")
            let job = try await sandbox.data("/runnerjobs/\(task["runnerJobId"].string ?? "")")

            #expect(job["namespace"].string == "agentrun-v01")
            let jobName = try #require(job["jobName"].string)
            #expect(jobName.hasPrefix("agentrun-runner-"))
            #expect(job["podName"].string?.hasPrefix(jobName + "-") == true)
            #expect(job["status"].string == "succeeded")
            #expect(job["taskId"].string == id)
            #expect(job["commandId"] == task["currentCommandId"])
            #expect(Set(job["proxyEnv"].array.compactMap(\.string)) == ["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"])
            let noProxy = try #require(job["noProxy"].string).split(separator: ",").map(String.init)
            #expect(noProxy.contains("hyueapi.com") && noProxy.contains(".hyueapi.com"))
            #expect(job["valuesPrinted"] == .bool(false))
            let env = job["transientEnv"].array
            #expect(env.compactMap { $0["name"].string } == ["HWLAB_API_KEY", "UNIDESK_MAIN_SERVER_IP"])
            for entry in env {
                #expect(entry["secretRef"]["name"].string == jobName + "-env")
                #expect(entry["secretRef"]["key"] == entry["name"])
                #expect(entry.keys == ["name", "secretRef"], "names and Secret metadata only, never a value")
            }

            let bundles = job["bundles"].array
            #expect(bundles.count == 2)
            let hwlab = bundles[0]
            #expect(hwlab["kind"].string == "gitbundle")
            #expect(hwlab["repoUrl"].string == "https://github.com/pikasTech/HWLAB.git")
            #expect(hwlab["mirrorUsed"] == .bool(true))
            let mirror = try #require(hwlab["mirrorBaseUrl"].string)
            #expect(hwlab["fetchRepoUrl"].string == mirror + "/github.com/pikasTech/HWLAB.git")
            #expect(hwlab["requestedRef"].string == "v0.2")
            #expect(hwlab["requestedCommit"].isNull)
            let commit = try #require(hwlab["commitId"].string)
            #expect(commit.count == 40 && commit.allSatisfy(\.isHexDigit))
            #expect(hwlab["tools"] == .array([.string("tools/hwlab")]))
            #expect(hwlab["promptRefs"] == .array([.string("prompts/caserun.md")]))
            #expect(hwlab["skillDirs"] == .array([.string(".agents/skills/caserun")]))
            let pinned = bundles[1]
            #expect(pinned["mirrorUsed"] == .bool(false))
            #expect(pinned["fetchRepoUrl"] == pinned["repoUrl"])
            #expect(pinned["requestedCommit"].string == "0123456789abcdef0123456789abcdef01234567")
            #expect(pinned["commitId"] == pinned["requestedCommit"])

            // The same repository and ref materialize to the same commit every time.
            let (second, _) = try await sandbox.runToEnd("another task on the default bundle")
            let (third, _) = try await sandbox.runToEnd("and one more")
            let commitA = try await sandbox.data("/runnerjobs/\(second["runnerJobId"].string ?? "")")["bundles"][0]["commitId"]
            let commitB = try await sandbox.data("/runnerjobs/\(third["runnerJobId"].string ?? "")")["bundles"][0]["commitId"]
            #expect(commitA == commitB && commitA.string != nil)

            // The API key never appears in any answer.
            for path in [
                "/tasks/\(id)", "/runnerjobs/\(job["id"].string ?? "")", "/runs/\(task["runId"].string ?? "")/events?limit=200",
                "/sessions/\(task["sessionId"].string ?? "")/logs?limit=200",
            ] {
                #expect(!(try await sandbox.get(path).text.contains(SandboxInstance.apiKey)))
            }
        }
    }

    @Test("deterministic: the same requests on two fresh sandboxes give identical streams and facts")
    func deterministic() async throws {
        func play() async throws -> [JSON] {
            try await withSandbox(speed: frozen) { sandbox in
                let task = try await sandbox.startTask("同一个问题\n@sandbox tool-output-kb=2")
                try await sandbox.advanceClock(defaultTurn + 1)
                let events = try await sandbox.follow(run: task["runId"].string ?? "")
                let done = try await sandbox.data("/tasks/\(task["id"].string ?? "")")
                let job = try await sandbox.data("/runnerjobs/\(done["runnerJobId"].string ?? "")")
                let session = try await sandbox.data("/sessions/\(done["sessionId"].string ?? "")")
                return events + [done, job, session]
            }
        }
        let first = try await play()
        let second = try await play()
        #expect(first.count > 20)
        #expect(first == second)
    }

    @Test("session logs carry the runner's lines in order")
    func sessionLogs() async throws {
        try await withSandbox { sandbox in
            let (task, _) = try await sandbox.runToEnd("log something")
            let page = try await sandbox.data("/sessions/\(task["sessionId"].string ?? "")/logs?limit=200")
            let lines = page["items"].array
            #expect(lines.compactMap { $0["seq"].int } == Array(1...lines.count))
            #expect(lines.allSatisfy { $0["sessionId"] == task["sessionId"] && $0["stream"].string == "stdout" })
            #expect(lines.contains { $0["line"].string?.contains("(values not printed)") == true })
            #expect(page["terminal"] == .bool(true))
        }
    }
}

/// Whether `needle` appears in `haystack` in order (not necessarily adjacent).
func isSubsequence(_ needle: [String], of haystack: [String]) -> Bool {
    var remaining = needle[...]
    for item in haystack where item == remaining.first {
        remaining = remaining.dropFirst()
    }
    return remaining.isEmpty
}
