import Bridges
import Commands
import ScriptLanguage
import Foundation
import Testing

/// An HTTP transport at the edge that answers every request with the same body.
private struct FixedTransport: HTTPTransport {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        HTTPResponse(status: 200, headers: [HTTPHeader("Content-Type", "application/json")], body: Data(#"{"items": []}"#.utf8))
    }
}

/// A bridge that must not be used (replays answer from the recording instead).
private struct FailingBridge: RemoteBridge {
    let name = "failing"
    func run(_ command: RemoteCommand) async throws -> RemoteResult {
        throw ArsError(.remote, code: .bridgeFailed, "the replay reached a real bridge")
    }
}

@Suite("Record and replay of bridge commands")
struct RecordReplayTests {
    @Test("HTTP and exec exchanges are recorded in order, redacted, and replay with the same results")
    func recordThenReplay() async throws {
        let folder = try TemporaryDirectory("record")
        try folder.executable("kubectl", fakeKubectl)
        let log = RecordingLog()
        let http = RecordingTransport(wrapping: FixedTransport(), into: log)
        let bridge = RecordingBridge(
            wrapping: LocalBridge(node: localNode("G14"), environment: bridgeEnvironment(bin: folder.path, home: folder.path)), node: "G14",
            into: log)
        #expect(bridge.name == "local")

        let commands: [RemoteCommand] = [
            .kubectl(["get", "pods", "-n", "agentrun-v01", "-l", "app=报告 x"]),
            // The secret shows only in the output (as a Secret's value would), not in the command.
            .script("echo token=s3cr3t-value-$((40 + 2)); echo warn >&2; exit 2", in: folder.path),
            .script(#"printf '\377\376\000a'"#, in: folder.path),
            RemoteCommand(target: .cluster, arguments: ["apply", "-f", "-"], stdin: Data("kind: ConfigMap\n".utf8)),
        ]
        _ = try await http.send(HTTPRequest(url: "http://127.0.0.1:1/api/v1/tasks?limit=50"))
        var live: [RemoteResult] = []
        for command in commands { live.append(try await bridge.run(command)) }
        #expect(live[1].exitStatus == 2)
        #expect(live[2].stdout == Data([0xFF, 0xFE, 0x00, 0x61]))

        let text = log.recording(redact: { $0.replacingOccurrences(of: "s3cr3t-value-42", with: "[REDACTED]") })
        #expect(!text.contains("s3cr3t-value-42"))
        let file = folder.path + "/run.recording.json"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let document = try JSON.decode(text)
        let exchanges = try #require(document["exchanges"]?.arrayValue)
        #expect(exchanges.map { $0["kind"]?.stringValue ?? "" } == ["http", "exec", "exec", "exec", "exec"])
        #expect(exchanges[1]["node"] == "G14")
        #expect(exchanges[1].lookup("command.target") == "cluster")
        #expect(exchanges[2].lookup("command.target") == "directory")
        #expect(exchanges[2].lookup("command.directory")?.stringValue == folder.path)
        #expect(exchanges[2].lookup("result.exitStatus") == 2)
        #expect(exchanges[3].lookup("result.stdout.base64")?.stringValue == Data([0xFF, 0xFE, 0x00, 0x61]).base64EncodedString())
        #expect(exchanges[4].lookup("command.stdin") == "kind: ConfigMap\n")

        // Replay: the same results, in any order, without running anything.
        let replay = try ReplayLog(file: file)
        let replayBridge = ReplayBridge(node: "G14", replaying: replay)
        for index in [3, 0, 2] {
            let again = try await replayBridge.run(commands[index])
            #expect(again.stdout == live[index].stdout)
            #expect(again.stderr == live[index].stderr)
            #expect(again.exitStatus == live[index].exitStatus)
        }
        let redacted = try await replayBridge.run(commands[1])
        #expect(redacted.stdoutText == "token=[REDACTED]\n")
        #expect(redacted.stderrText == "warn\n")
        #expect(redacted.exitStatus == 2)
        let response = try await ReplayTransport(replaying: replay).send(
            HTTPRequest(url: "https://elsewhere.invalid/api/v1/tasks?limit=50"))
        #expect(response.status == 200)
        #expect(replay.unusedCount == 0)

        // Each exchange answers once; other nodes, targets, arguments or stdin are not recorded.
        let used = await arsError { _ = try await replayBridge.run(commands[0]) }
        #expect(used?.code == .notRecorded)
        #expect(used?.kind == .remote)
        #expect(used?.message.contains("trans G14:k3s kubectl get pods") == true)
        #expect(used?.hint?.contains("0 of 5 recorded exchanges are unused") == true)
    }

    @Test("a command the recording does not hold is not-recorded")
    func notRecorded() async throws {
        let folder = try TemporaryDirectory("not-recorded")
        try folder.executable("kubectl", fakeKubectl)
        let log = RecordingLog()
        let bridge = RecordingBridge(
            wrapping: LocalBridge(node: localNode("G14"), environment: bridgeEnvironment(bin: folder.path, home: folder.path)), node: "G14",
            into: log)
        _ = try await bridge.run(.kubectl(["get", "pods"]))
        _ = try await bridge.run(RemoteCommand(target: .cluster, arguments: ["apply", "-f", "-"], stdin: Data("a".utf8)))
        let file = try folder.file("r.json", log.recording(redact: { $0 }))
        let replay = try ReplayLog(file: file)
        for (node, command) in [
            ("G14", RemoteCommand.kubectl(["get", "pods", "-A"])),
            ("D601", .kubectl(["get", "pods"])),
            ("G14", .script("get pods", in: "/")),
            ("G14", RemoteCommand(target: .cluster, arguments: ["apply", "-f", "-"], stdin: Data("b".utf8))),
        ] {
            let error = await arsError { _ = try await ReplayBridge(node: node, replaying: replay).run(command) }
            #expect(error?.code == .notRecorded, "\(node) \(command)")
        }
        #expect(replay.unusedCount == 2)
    }

    @Test("a recording from before node bridges (exchanges without kind) still replays HTTP")
    func oldRecording() async throws {
        let folder = try TemporaryDirectory("old-recording")
        let file = try folder.file(
            "old.json",
            """
            {"apiVersion": "ars/v1", "kind": "Recording", "exchanges": [
              {"request": {"method": "GET", "path": "/api/v1/tasks?limit=50", "body": null},
               "response": {"status": 200, "contentType": "application/json", "body": "{\\"items\\": []}"}}
            ]}
            """)
        let replay = try ReplayLog(file: file)
        let response = try await ReplayTransport(replaying: replay).send(HTTPRequest(url: "http://x/api/v1/tasks?limit=50"))
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"items": []}"#)
        #expect(
            await arsError {
                _ = try await ReplayBridge(node: "G14", replaying: try ReplayLog(file: file)).run(.kubectl(["get", "pods"]))
            }?.code == .notRecorded)
    }

    @Test("ars run --record keeps node commands and --replay serves them without the node")
    func runRecordReplay() async throws {
        let folder = try TemporaryDirectory("run-record")
        try FileManager.default.createDirectory(atPath: folder.path + "/config", withIntermediateDirectories: true)
        let catalogue = try folder.file(
            "config/agentrun.yaml",
            """
            defaults:
              node: lab
              lane: v01
            nodes:
              lab:
                bridge:
                  kind: local
                lanes:
                  v01:
                    restBaseUrl: http://127.0.0.1:9
                    namespace: agentrun-v01

            """)
        _ = try folder.file(
            "check.ars",
            """
            let r = node-run "printf '%s' 节点; echo oops >&2; exit 3"
            assert r.stdout == "节点"
            assert r.status == 3

            """)
        let environment = bridgeEnvironment(bin: folder.path, home: folder.path)
        func session(_ bridge: @escaping @Sendable (NodeSettings) -> any RemoteBridge) throws -> (Session, BufferSink, BufferSink) {
            let out = BufferSink(), err = BufferSink()
            let session = Session(
                registry: try CommandRegistry(plugins: [BuiltinsPlugin(), ScriptPlugin(), NodeRunPlugin()]), mode: .oneShot,
                io: IOStreams(stdin: StringSource(""), stdout: out, stderr: err), environment: environment,
                currentDirectory: folder.path, configOverride: catalogue)
            session.makeHTTPTransport = { FixedTransport() }
            session.makeBridge = bridge
            return (session, out, err)
        }

        let (recording, _, recordErrors) = try session { Bridges.make(for: $0, environment: environment) }
        let recorded = await Dispatcher(session: recording).execute(line: "run check.ars --record check.recording.json")
        #expect(recorded == 0, "stderr: \(recordErrors.text)")
        let text = try String(contentsOfFile: folder.path + "/check.recording.json", encoding: .utf8)
        #expect(text.contains(#""kind": "exec""#))
        #expect(text.contains(#""node": "lab""#))

        let (replaying, out, replayErrors) = try session { _ in FailingBridge() }
        let replayed = await Dispatcher(session: replaying).execute(line: "run check.ars --replay check.recording.json")
        #expect(replayed == 0, "stderr: \(replayErrors.text)")
        #expect(out.text.contains("all 2 assertions held"))
    }
}

/// A test plugin with one command that runs a script on the current lane's node.
private struct NodeRunPlugin: CommandPlugin {
    let name = "node-run-test"
    var commands: [any Command] { [NodeRunCommand()] }
}

private struct NodeRunCommand: Command {
    let signature = CommandSignature(
        "node-run", summary: "Run a script on the lane's node", positionals: [Positional("script", "The script")])

    func resolve(_ invocation: Invocation, in session: Session) throws -> String { invocation.argument("script") ?? "" }

    func run(_ script: String, in session: Session) async throws -> CommandOutput {
        let lane = try session.lane()
        let node = try #require(try session.config().catalog.node(lane.node))
        let result = try await session.bridge(for: node).run(.script(script, in: "/"))
        return CommandOutput(
            .object(["stdout": .string(result.stdoutText), "stderr": .string(result.stderrText), "status": .int(Int(result.exitStatus))]))
    }
}
