import Bridges
import Commands
import Foundation
import Testing

@Suite("Bridges from the catalogue")
struct FactoryTests {
    @Test("the factory picks the adapter the catalogue names")
    func factory() {
        #expect(Bridges.make(for: localNode(), environment: [:]) is LocalBridge)
        let ssh = Bridges.make(
            for: NodeSettings(name: "D601", bridge: BridgeSettings(kind: .ssh, host: "d601", user: "root")), environment: [:])
        #expect(ssh is SSHBridge)
        #expect(ssh.name == "ssh root@d601:22")
        let trans = Bridges.make(for: NodeSettings(name: "G14", bridge: BridgeSettings(kind: .trans)), environment: [:])
        #expect(trans is TransBridge)
        #expect(trans.name == "trans G14")
    }

    @Test("catalogue keys: command defaults by kind; knownHostsFile and timeout are read")
    func catalogueKeys() throws {
        let folder = try TemporaryDirectory("catalogue")
        let file = try folder.file(
            "agentrun.yaml",
            """
            defaults:
              node: G14
              lane: v01
            nodes:
              G14:
                bridge:
                  kind: trans
                lanes:
                  v01: {restBaseUrl: "https://a.invalid", namespace: a}
              D601:
                bridge:
                  kind: ssh
                  host: d601.invalid
                  knownHostsFile: ~/.config/ars/known_hosts
                  timeout: 300
                lanes:
                  v02: {restBaseUrl: "https://b.invalid", namespace: b}
              lab:
                bridge:
                  kind: local
                  kubeconfig: ~/.kube/lab
                lanes:
                  v01: {restBaseUrl: "https://c.invalid", namespace: c}

            """)
        let catalog = try ConfigLoader.load(path: file, source: "--config").catalog
        #expect(catalog.node("G14")?.bridge.command == "trans")
        #expect(catalog.node("D601")?.bridge.command == "ssh")
        #expect(catalog.node("D601")?.bridge.knownHostsFile == "~/.config/ars/known_hosts")
        #expect(catalog.node("D601")?.bridge.timeout == 300)
        #expect(catalog.node("lab")?.bridge.command == "kubectl")
        let ssh = SSHBridge(node: try #require(catalog.node("D601")), environment: ["HOME": "/home/op"])
        #expect(ssh.arguments(for: .kubectl([])).contains("UserKnownHostsFile=/home/op/.config/ars/known_hosts"))
    }

    @Test("a timeout that is not positive is a catalogue problem")
    func badTimeout() {
        let problems = ConfigValidator(
            file: "x.yaml",
            text: """
                defaults: {node: G14, lane: v01}
                nodes:
                  G14:
                    bridge: {kind: trans, timeout: 0}
                    lanes:
                      v01: {restBaseUrl: "https://a.invalid", namespace: a}

                """
        ).validate()
        #expect(problems.map(\.code) == [.configRange])
        #expect(problems.first?.message.contains("nodes.G14.bridge.timeout") == true)
    }
}
