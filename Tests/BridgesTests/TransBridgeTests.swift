import Bridges
import Commands
import Foundation
import Testing

@Suite("trans bridge")
struct TransBridgeTests {
    let node = NodeSettings(name: "G14", bridge: BridgeSettings(kind: .trans))

    @Test("commands look exactly like the runbook's; only words that need it are quoted")
    func runbookSyntax() {
        let bridge = TransBridge(node: node, environment: [:])
        #expect(bridge.name == "trans G14")
        #expect(
            bridge.arguments(for: .kubectl(["get", "pods", "-n", "agentrun-v01", "-o", "json"]))
                == ["trans", "G14:k3s", "kubectl", "get", "pods", "-n", "agentrun-v01", "-o", "json"])
        #expect(
            bridge.arguments(for: .kubectl(["logs", "-l", "app=agent run", "--since=5m"]))
                == ["trans", "G14:k3s", "kubectl", "logs", "-l", "'app=agent run'", "--since=5m"])
        #expect(
            bridge.arguments(for: .script("git status --short\ngit log -1", in: "/root/agentrun-v01"))
                == ["trans", "G14:/root/agentrun-v01", "script", "--", "git status --short\ngit log -1"])
        let custom = TransBridge(
            node: NodeSettings(name: "D601", bridge: BridgeSettings(kind: .trans, command: "/opt/unidesk/bin/trans")), environment: [:])
        #expect(custom.arguments(for: .kubectl(["get", "ns"])).prefix(2) == ["/opt/unidesk/bin/trans", "D601:k3s"])
    }

    @Test("through a fake trans: status, streams, folder and stdin")
    func throughFakeTrans() async throws {
        let bin = try TemporaryDirectory("trans")
        try bin.executable("kubectl", fakeKubectl)
        try bin.executable("trans", fakeTransScript)
        var environment = bridgeEnvironment(bin: bin.path, home: bin.path)
        environment["FAKE_TRANS_LOG"] = bin.path + "/targets"
        let bridge = TransBridge(node: node, environment: environment)
        let result = try await bridge.run(.script("pwd; echo err >&2; exit 4", in: bin.path))
        #expect(result.stdoutText == bin.path + "\n")
        #expect(result.stderrText == "err\n")
        #expect(result.exitStatus == 4)
        #expect(try String(contentsOfFile: bin.path + "/targets", encoding: .utf8) == "G14:\(bin.path)\n")

        let fed = try await bridge.run(
            RemoteCommand(target: .directory(bin.path), arguments: ["cat"], stdin: Data("apiVersion: v1\n".utf8)))
        #expect(fed.stdoutText == "apiVersion: v1\n")

        _ = try await bridge.run(.kubectl(["get", "pods"]))
        #expect(try String(contentsOfFile: bin.path + "/targets", encoding: .utf8) == "G14:k3s\n")
    }

    @Test("a missing trans is bridge-unavailable, naming what to install or configure")
    func missingTrans() async throws {
        let error = await arsError {
            _ = try await TransBridge(node: node, environment: ["PATH": "/nonexistent"]).run(.kubectl(["get", "pods"]))
        }
        #expect(error?.code == .bridgeUnavailable)
        #expect(error?.kind == .remote)
        #expect(error?.message.contains("trans is not on PATH") == true)
        #expect(error?.hint?.contains("nodes.G14.bridge.command") == true)
        #expect(error?.hint?.contains("UniDesk") == true)
    }
}
