import Bridges
import Commands
import Testing

/// What `--full`, errors and drill-downs show for a node command: what a person would type for
/// the same effect through that bridge.
@Suite("command lines for people")
struct CommandLineTests {
    @Test("each bridge shows its own way of typing the command")
    func perBridge() {
        let kubectl = RemoteCommand.kubectl(["get", "pods", "-n", "agentrun v01"])
        let script = RemoteCommand.script("git status --short", in: "/root/agentrun-v01")
        let local = LocalBridge(
            node: NodeSettings(name: "local", bridge: BridgeSettings(kind: .local, kubeconfig: "/tmp/k")), environment: [:])
        #expect(local.commandLine(for: kubectl, node: "local") == "kubectl get pods -n 'agentrun v01'")
        #expect(local.commandLine(for: script, node: "local") == "cd /root/agentrun-v01 && git status --short")
        let ssh = SSHBridge(
            node: NodeSettings(name: "G14", bridge: BridgeSettings(kind: .ssh, host: "g14", user: "root")), environment: [:])
        #expect(ssh.commandLine(for: kubectl, node: "G14") == #"ssh root@g14 'kubectl get pods -n '\''agentrun v01'\'''"#)
        let trans = TransBridge(node: NodeSettings(name: "G14", bridge: BridgeSettings(kind: .trans)), environment: [:])
        #expect(trans.commandLine(for: kubectl, node: "G14") == "trans G14:k3s kubectl get pods -n 'agentrun v01'")
        #expect(trans.commandLine(for: script, node: "G14") == "trans G14:/root/agentrun-v01 script -- 'git status --short'")
    }
}
