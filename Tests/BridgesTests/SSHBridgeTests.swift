import Bridges
import Commands
import Foundation
import Testing

/// The ssh bridge against a real sshd on loopback (see `SSHServer`).
@Suite("ssh bridge")
struct SSHBridgeTests {
    @Test("the ssh command line: batch mode, strict host keys, port, identity, known hosts, destination, then one quoted line")
    func commandLine() {
        let node = NodeSettings(
            name: "G14",
            bridge: BridgeSettings(
                kind: .ssh, host: "g14.example", user: "root", port: 2222, identityFile: "~/.ssh/id_ed25519",
                knownHostsFile: "/etc/ars/known hosts"))
        let bridge = SSHBridge(node: node, environment: ["HOME": "/home/op"])
        #expect(bridge.name == "ssh root@g14.example:2222")
        #expect(
            bridge.arguments(for: .kubectl(["get", "pods", "-l", "app=a b"])) == [
                "ssh", "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR",
                "-p", "2222",
                "-i", "/home/op/.ssh/id_ed25519", "-o", "IdentitiesOnly=yes", "-o", "UserKnownHostsFile=\"/etc/ars/known hosts\"",
                "root@g14.example", "--", "kubectl get pods -l 'app=a b'",
            ])
        #expect(
            bridge.remoteLine(for: .script("git status --short", in: "/root/agentrun v01"))
                == "cd -- '/root/agentrun v01' || exit 1; exec /bin/sh -c 'git status --short'")
        let withKubeconfig = SSHBridge(
            node: NodeSettings(name: "n", bridge: BridgeSettings(kind: .ssh, host: "h", kubeconfig: "/etc/rancher/k3s/k3s.yaml")),
            environment: [:])
        #expect(withKubeconfig.remoteLine(for: .kubectl(["get", "ns"])) == "kubectl --kubeconfig /etc/rancher/k3s/k3s.yaml get ns")
        #expect(withKubeconfig.name == "ssh h:22")
    }

    @Test("stdout, stderr and the remote exit status come back apart")
    func separationAndStatus() async throws {
        let server = try await SSHServer.running()
        let bridge = SSHBridge(node: server.node(), environment: server.environment)
        let result = try await bridge.run(.script("echo out; echo 错误 >&2; exit 3", in: "/"))
        #expect(result.stdoutText == "out\n")
        // The remote login shell may print its own lines first (a root .bashrc, sourced by bash
        // under sshd); the command's own stderr comes last and whole.
        #expect(result.stderrText.hasSuffix("错误\n"), "\(result.stderrText)")
        #expect(!result.stdoutText.contains("错误"))
        #expect(result.exitStatus == 3)
    }

    @Test("a remote exit 255 without ssh's own error text is the command's result")
    func remote255() async throws {
        let server = try await SSHServer.running()
        let bridge = SSHBridge(node: server.node(), environment: server.environment)
        let result = try await bridge.run(.script("echo 'kubectl says no' >&2; exit 255", in: "/"))
        #expect(result.exitStatus == 255)
        #expect(result.stderrText == "kubectl says no\n")
    }

    @Test("a missing folder is a non-zero result with the remote shell's cd message")
    func missingFolder() async throws {
        let server = try await SSHServer.running()
        let bridge = SSHBridge(node: server.node(), environment: server.environment)
        let result = try await bridge.run(.script("echo should-not-run", in: "/nonexistent/agentrun-v01"))
        #expect(result.exitStatus == 1)
        #expect(result.stdoutText == "")
        #expect(result.stderrText.contains("/nonexistent/agentrun-v01"))
    }

    @Test("kubectl words and stdin reach the node unchanged")
    func kubectlAndStdin() async throws {
        let server = try await SSHServer.running()
        let bridge = SSHBridge(node: server.node(), environment: server.environment)
        let words = ["create", "-f", "-", "--dry-run=client", "it's $(not) `run`", "报告\n第二行"]
        let result = try await bridge.run(.kubectl(words))
        #expect(nulSeparatedWords(result.stdout) == words.map { Data($0.utf8) })

        let manifest = Data("kind: Task\nname: 报告\n".utf8)
        let echoed = try await bridge.run(RemoteCommand(target: .directory("/"), arguments: ["cat"], stdin: manifest))
        #expect(echoed.stdout == manifest)
    }

    @Test("several megabytes of output arrive whole")
    func largeOutput() async throws {
        let server = try await SSHServer.running()
        let bridge = SSHBridge(node: server.node(), environment: server.environment)
        let result = try await bridge.run(.script("head -c 6000000 /dev/zero | tr '\\0' x & head -c 2000000 /dev/zero >&2; wait", in: "/"))
        #expect(result.exitStatus == 0)
        #expect(result.stdout.count == 6_000_000)
        #expect(result.stderr.count == 2_000_000)
    }

    @Test("a wrong port is bridge-failed naming the node and host, with a hint at the catalogue keys")
    func wrongPort() async throws {
        let server = try await SSHServer.running()
        let port = try freePort()
        let bridge = SSHBridge(node: server.node("G14", port: port), environment: server.environment)
        let error = await arsError { _ = try await bridge.run(.kubectl(["get", "pods"])) }
        #expect(error?.kind == .remote)
        #expect(error?.code == .bridgeFailed)
        #expect(error?.message.contains("node G14") == true)
        #expect(error?.message.contains("127.0.0.1") == true)
        #expect(error?.message.contains("Connection refused") == true)
        #expect(error?.hint?.contains("nodes.G14.bridge") == true)
        #expect(error?.hint?.contains("knownHostsFile") == true)
    }

    @Test("an unknown host key fails; it is never accepted blindly")
    func unknownHostKey() async throws {
        let server = try await SSHServer.running()
        let empty = try TemporaryDirectory("known-hosts")
        let knownHosts = try empty.file("known_hosts", "")
        let bridge = SSHBridge(node: server.node("G14", knownHosts: knownHosts), environment: server.environment)
        let error = await arsError { _ = try await bridge.run(.script("true", in: "/")) }
        #expect(error?.code == .bridgeFailed)
        #expect(error?.message.contains("Host key verification failed") == true)
    }

    @Test("a missing ssh client is bridge-unavailable")
    func missingClient() async throws {
        let node = NodeSettings(name: "G14", bridge: BridgeSettings(kind: .ssh, host: "g14"))
        let error = await arsError { _ = try await SSHBridge(node: node, environment: ["PATH": "/nonexistent"]).run(.kubectl([])) }
        #expect(error?.code == .bridgeUnavailable)
        #expect(error?.message.contains("ssh is not on PATH") == true)
        #expect(error?.hint?.contains("openssh-client") == true)
    }

    @Test("a timeout and cancellation stop ssh promptly")
    func timeoutAndCancel() async throws {
        let server = try await SSHServer.running()
        let bridge = SSHBridge(node: server.node(), environment: server.environment, terminationGrace: 0.5)
        let start = ContinuousClock.now
        let error = await arsError { _ = try await bridge.run(.script("sleep 60", in: "/", timeout: 1)) }
        #expect(error?.code == .bridgeTimeout)
        #expect(elapsed(since: start) < 30)  // the remote sleep would take 60 s

        let task = Task { try await bridge.run(.script("sleep 60", in: "/")) }
        try await Task.sleep(for: .milliseconds(300))
        let cancelled = ContinuousClock.now
        task.cancel()
        let outcome = await task.result
        #expect(elapsed(since: cancelled) < 30)
        guard case .failure(let failure) = outcome else { Issue.record("ssh finished instead of being cancelled"); return }
        #expect(failure is CancellationError)
    }
}
