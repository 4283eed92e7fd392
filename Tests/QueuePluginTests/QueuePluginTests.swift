import Commands
import Foundation
import Testing

@testable import QueuePlugin

@Suite("Queue plugin: references, manifests and views")
struct QueuePluginTests {
    @Test(
        "KIND/ID, KIND ID, bare ids and plurals",
        arguments: [
            ("task/t-42", nil, ResourceKind.task, "t-42"),
            ("task", "t-42", .task, "t-42"),
            ("t-42", nil, .task, "t-42"),
            ("rj-7", nil, .runnerjob, "rj-7"),
            ("runner-job/rj-7", nil, .runnerjob, "rj-7"),
            ("tasks", nil, .task, nil),
            ("Sessions", nil, .session, nil),
            ("run_f92de79e53af4984bfb5c135de63dacc", nil, .run, "run_f92de79e53af4984bfb5c135de63dacc"),
            ("task_0b5e1c2d3e4f40718293a4b5c6d7e8f9", nil, .task, "task_0b5e1c2d3e4f40718293a4b5c6d7e8f9"),
            ("sess_1d2c3b4a5f6e47d8a9b0c1d2e3f4a5b6", nil, .session, "sess_1d2c3b4a5f6e47d8a9b0c1d2e3f4a5b6"),
            ("cmd_9a8b7c6d5e4f43a2b1c0d9e8f7a6b5c4", nil, .command, "cmd_9a8b7c6d5e4f43a2b1c0d9e8f7a6b5c4"),
            ("agentrun-v01-runner-3f9a0c1d2e4b", nil, .runnerjob, "agentrun-v01-runner-3f9a0c1d2e4b"),
            ("run/run_f92de79e53af4984bfb5c135de63dacc", nil, .run, "run_f92de79e53af4984bfb5c135de63dacc"),
        ] as [(String, String?, ResourceKind, String?)])
    func references(first: String, second: String?, kind: ResourceKind, id: String?) throws {
        let reference = try ResourceReference.parse(first, second)
        #expect(reference.kind == kind)
        #expect(reference.id == id)
    }

    @Test("event rows: a cut row keeps its drill-down visible and says its true size; tool calls show the command")
    func eventSummaries() throws {
        let id = "run_f92de79e53af4984bfb5c135de63dacc"
        let run = try ResourceReference.parse("run/\(id)", nil)
        let output: Value = [
            "seq": 42, "type": "tool-result", "data": ["tool": "commandExecution", "output": .string(String(repeating: "x", count: 3000))],
        ]
        let long = StreamCommand.summary(output, reference: run)
        #expect(TextWidth.of(long) <= 100, "\(long)")
        #expect(long.hasSuffix("… (3 KB; events run/\(id) --after-seq 41 -o json)"), "\(long)")
        // 30 CJK characters are 60 characters but 120 columns: cut for width, with the pointer.
        let prose: Value = ["seq": 7, "type": "assistant-message", "data": ["text": .string(String(repeating: "中文", count: 30))]]
        let wide = StreamCommand.summary(prose, reference: run)
        #expect(TextWidth.of(wide) <= 100, "\(wide)")
        #expect(wide.hasSuffix("… (180 B; events run/\(id) --after-seq 6 -o json)"), "\(wide)")
        let call: Value = ["seq": 3, "type": "tool-call", "data": ["tool": "commandExecution", "command": "git status --short"]]
        #expect(StreamCommand.summary(call, reference: run) == "commandExecution git status --short")
        #expect(StreamCommand.byteSize(100) == "100 B")
        #expect(StreamCommand.byteSize(1024) == "1 KB")
        #expect(StreamCommand.byteSize(1536) == "1.5 KB")
    }

    @Test("bad references say what to write")
    func badReferences() {
        #expect(throws: ArsError.self) { try ResourceReference.parse("tsak/t-1", nil) }
        do { _ = try ResourceReference.parse("tsak/t-1", nil) } catch { #expect(error.hint?.hasPrefix("did you mean 'task'") == true) }
        do { _ = try ResourceReference.parse("task/", nil) } catch { #expect(error.code == .missingId) }
        do { _ = try ResourceReference.parse("run/r-1", nil, allowed: [.task, .command]) } catch {
            #expect(error.message == "this command takes task or command, not run")
        }
    }

    @Test("manifests: single, multi-document and List forms")
    func manifests() throws {
        let text = """
            kind: Task
            name: a
            aipod: Artificer
            prompt: 一
            ---
            kind: List
            items:
              - {name: b, aipod: Artificer, prompt: 二, labels: {issue: "105"}}
              - {kind: Task, name: c, aipod: Artificer, prompt: 三}
            """
        let manifests = try ApplyCommand.manifests(text, name: "tasks.yaml")
        #expect(manifests.map { $0["name"]?.stringValue } == ["a", "b", "c"])
        #expect(manifests.allSatisfy { $0["kind"] == "Task" })
        #expect(try ApplyCommand.manifests(#"{"kind": "Task", "name": "j", "aipod": "A", "prompt": "p"}"#, name: "t.json").count == 1)
    }

    @Test(
        "manifest errors point at file:line:col",
        arguments: [
            ("kind: Task\nname: a\naipod: A\npromt: x\n", "t.yaml:4:1", "unknown field 'promt'"),
            ("kind: Job\nname: a\naipod: A\nprompt: x\n", "t.yaml:1:7", "kind must be Task"),
            ("kind: Task\nname: a\naipod: A\n", "t.yaml:1:1", "the manifest has no 'prompt'"),
            ("kind: Task\nname: a\naipod: 3\nprompt: x\n", "t.yaml:3:8", "'aipod' must be a non-empty string"),
            ("kind: Task\nname: a\naipod: A\nprompt: x\nlabels: {issue: 105}\n", "t.yaml:5:17", "label 'issue' must be a string"),
            ("kind: Task\nname: [a\n", "t.yaml:3:1", ""),
            ("items:\n  - {name: a, aipod: A, prompt: x}\n  - {name: a, aipod: A, prompt: y}\n", "", "two manifests are named 'a'"),
        ])
    func manifestErrors(text: String, location: String, message: String) {
        do {
            _ = try ApplyCommand.manifests(text, name: "t.yaml")
            Issue.record("expected an error")
        } catch {
            if !location.isEmpty { #expect(error.location?.description == location) }
            if !message.isEmpty { #expect(error.message.contains(message)) }
            #expect(error.exitCode == 2)
        }
    }

    @Test("the lifecycle summary reads like an operator's note")
    func lifecycle() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2025-11-18T10:03:00Z"))
        let views = Views(now: now)
        let task: Value = [
            "status": "running", "createdAt": "2025-11-18T10:01:00.000Z", "dispatchedAt": "2025-11-18T10:02:00Z",
            "startedAt": "2025-11-18T10:02:05Z", "finishedAt": nil, "ack": nil,
        ]
        let liveness: Value = ["phase": "waiting-tool", "since": "2025-11-18T10:02:20Z"]
        #expect(
            views.lifecycle(task: task, liveness: liveness)
                == "created 10:01:00 → dispatched 10:02:00 → running 10:02:05, waiting-tool for 40s")
        let done: Value = [
            "status": "failed", "createdAt": "2025-11-18T10:01:00Z", "finishedAt": "2025-11-18T10:05:00Z",
            "failureKind": "provider-invalid-tool-call", "ack": ["by": "ops"],
        ]
        #expect(
            views.lifecycle(task: done)
                == "created 10:01:00 → failed 10:05:00 (failureKind provider-invalid-tool-call, owner provider); acked by ops")
    }

    @Test("the client schema wraps server objects with apiVersion and kind, keeping field order")
    func schema() {
        let wrapped = Views.schema("Task", ["id": "t-1", "status": "created"])
        #expect(wrapped.objectValue?.keys == ["apiVersion", "kind", "id", "status"])
        #expect(Views.list(.runnerjob, items: [["id": "rj-1"]], nextCursor: nil).lookup("kind") == "RunnerJobList")
    }

    @Test(
        "a task never declares the git mirror: a mirror field, a mirror URL as a bundle's repoUrl or a direct/mirror switch is refused with the rule"
    )
    func mirrorDeclarationsAreRefused() {
        let declared: [Value] = [
            ["aipod": "Artificer", "prompt": "p", "runner": ["gitMirror": ["baseUrl": "http://git-mirror.x:8080"]]],
            [
                "aipod": "Artificer", "prompt": "p",
                "runner": [
                    "bundles": [["repoUrl": "http://git-mirror.devops-infra.svc.cluster.local:8080/github.com/pikasTech/unidesk.git"]]
                ],
            ],
            [
                "aipod": "Artificer", "prompt": "p",
                "runner": ["bundles": [["repoUrl": "https://github.com/pikasTech/unidesk", "use_mirror": false]]],
            ],
            [
                "aipod": "Artificer", "prompt": "p",
                "runner": ["bundles": [["repoUrl": "https://cache.internal/github.com/pikasTech/unidesk.git"]]],
            ],
        ]
        for body in declared {
            let problems = TaskRules.problems(body.objectValue ?? Object())
            #expect(problems.count == 1 && problems[0].message.contains("never declares the git mirror"), "\(body): \(problems)")
        }
        let plain: Value = [
            "aipod": "Artificer", "prompt": "p",
            "runner": ["bundles": [["repoUrl": "https://github.com/pikasTech/unidesk", "ref": "main"]]],
        ]
        #expect(TaskRules.problems(plain.objectValue ?? Object()).isEmpty)
    }
}
