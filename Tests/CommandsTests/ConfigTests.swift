import Commands
import Foundation
import Testing

@Suite("Lane catalogue")
struct ConfigTests {
    func problems(_ text: String) -> [ArsError] { ConfigValidator(file: "agentrun.yaml", text: text).validate() }

    @Test("the shipped example catalogue is valid and defaults to the historic G14/v01 lane")
    func shippedExample() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../config/agentrun.yaml")
            .standardized.path
        let loaded = try ConfigLoader.load(path: path, source: "test")
        #expect(loaded.catalog.defaultNode == "G14")
        #expect(loaded.catalog.defaultLane == "v01")
        let lane = try #require(loaded.catalog.node("G14")?.lane("v01"))
        #expect(lane.namespace == "agentrun-v01")
        #expect(lane.ciNamespace == "agentrun-ci")
        #expect(lane.raw.lookup("source.worktree") == .string("/root/agentrun-v01"))
        #expect(lane.raw.lookup("argoApp") == .string("argocd/agentrun-g14-v01"))
        #expect(loaded.catalog.node("D601")?.lane("v02")?.yamlOnly == true)
    }

    @Test("unknown keys, bad types, bad choices and bad URLs are reported at line:column with a fix")
    func problemsAreLocated() {
        let found = problems(
            """
            defaults:
              node: G14
              lane: v01
            nodes:
              G14:
                bridge:
                  kind: tarns
                lanes:
                  v01:
                    restBaseUrl: not a url
                    namespce: agentrun-v01
                    egressProxy: {host: x, port: "18789"}
            """)
        let summary = found.map { "\($0.location!.line):\($0.location!.column) \($0.code)" }
        #expect(
            summary == [
                "7:13 config-choice", "9:7 config-missing-key", "10:22 config-url", "11:9 config-unknown-key", "12:38 config-type",
            ])
        #expect(found[0].hint?.contains("did you mean 'trans'?") == true)
        #expect(found[3].message == "unknown key 'namespce' in 'nodes.G14.lanes.v01'")
        #expect(found[3].hint == "did you mean 'namespace'?")
        #expect(found[4].message.contains("must be an integer, not a string"))
        #expect(ErrorReport.render(found[3]).hasPrefix("agentrun.yaml:11:9: error[config-unknown-key]"))
    }

    @Test("YAML syntax errors are located")
    func syntax() {
        let found = problems("defaults:\n  node: G14\n  lane: [v01\nnodes: {}\n")
        #expect(found.count == 1)
        #expect(found.first?.code == .yamlSyntax)
        #expect(found.first?.location?.line == 4)
    }

    @Test("defaults must name a node and one of its lanes; ssh bridges need a host")
    func references() {
        let base = "nodes:\n  G14:\n    bridge: {kind: ssh}\n    lanes:\n      v01: {restBaseUrl: 'https://a.invalid', namespace: n}\n"
        #expect(
            problems("defaults: {node: G41, lane: v01}\n" + base).map(\.message).contains("defaults.node 'G41' is not one of the nodes"))
        #expect(
            problems("defaults: {node: G14, lane: v1}\n" + base).contains {
                $0.message == "defaults.lane 'v1' is not a lane of node 'G14'" && $0.hint == "did you mean 'v01'?"
            })
        #expect(
            problems("defaults: {node: G14, lane: v01}\n" + base).map(\.message) == [
                "node 'G14' uses the ssh bridge but has no bridge.host"
            ])
    }

    @Test("search order: --config, $ARS_CONFIG, ./config/agentrun.yaml, $XDG_CONFIG_HOME/ars/agentrun.yaml")
    func searchOrder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ars-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/xdg/ars", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/cwd/config", withIntermediateDirectories: true)
        let env = ["XDG_CONFIG_HOME": directory + "/xdg", "HOME": directory]
        #expect(throws: ArsError.self) { try ConfigLoader.locate(explicit: nil, environment: env, currentDirectory: directory + "/cwd") }
        try "x".write(toFile: directory + "/xdg/ars/agentrun.yaml", atomically: true, encoding: .utf8)
        #expect(
            try ConfigLoader.locate(explicit: nil, environment: env, currentDirectory: directory + "/cwd").source
                == "$XDG_CONFIG_HOME/ars/agentrun.yaml")
        // The working folder's catalogue is passed over, with a notice, until its content is trusted.
        try "x".write(toFile: directory + "/cwd/config/agentrun.yaml", atomically: true, encoding: .utf8)
        let untrusted = try ConfigLoader.locate(explicit: nil, environment: env, currentDirectory: directory + "/cwd")
        #expect(untrusted.source == "$XDG_CONFIG_HOME/ars/agentrun.yaml")
        #expect(untrusted.notices.first?.contains("ars config trust") == true)
        try CatalogueTrust(environment: env).trust(path: directory + "/cwd/config/agentrun.yaml", text: "x")
        let trusted = try ConfigLoader.locate(explicit: nil, environment: env, currentDirectory: directory + "/cwd")
        #expect(trusted.source == "./config/agentrun.yaml" && !trusted.isUsersOwn && trusted.notices.isEmpty)
        // A changed file needs trust again.
        try "y".write(toFile: directory + "/cwd/config/agentrun.yaml", atomically: true, encoding: .utf8)
        #expect(
            try ConfigLoader.locate(explicit: nil, environment: env, currentDirectory: directory + "/cwd").source
                == "$XDG_CONFIG_HOME/ars/agentrun.yaml")
        try "x".write(toFile: directory + "/cwd/config/agentrun.yaml", atomically: true, encoding: .utf8)
        var withEnv = env
        withEnv["ARS_CONFIG"] = directory + "/xdg/ars/agentrun.yaml"
        #expect(try ConfigLoader.locate(explicit: nil, environment: withEnv, currentDirectory: directory + "/cwd").source == "$ARS_CONFIG")
        #expect(
            try ConfigLoader.locate(explicit: directory + "/cwd/config/agentrun.yaml", environment: withEnv, currentDirectory: "/").source
                == "--config")
        // An explicit path that does not exist is an error, not a fall-through.
        #expect(throws: ArsError.self) {
            try ConfigLoader.locate(explicit: directory + "/missing.yaml", environment: env, currentDirectory: directory + "/cwd")
        }
    }

    @Test(
        "whatever a catalogue says: no relative bridge program, no option-like ssh host, no foreign key variable, no clear-text or credential-bearing REST URL"
    )
    func hostileCatalogue() throws {
        let hostile = """
            defaults: {node: lab, lane: v01}
            auth:
              apiKeyEnv: GITHUB_TOKEN
            nodes:
              lab:
                bridge:
                  kind: local
                  command: ./tools/kubectl
                lanes:
                  v01:
                    restBaseUrl: http://collector.example.com/api
                    namespace: agentrun-v01
                  v02:
                    restBaseUrl: https://ops:hunter2pass@agentrun.example.com/?token=abc123xyz
                    namespace: agentrun-v02
              edge:
                bridge:
                  kind: ssh
                  host: -oProxyCommand=touch /tmp/pwned
                  user: -lroot
                lanes:
                  v01: {restBaseUrl: 'https://a.example.com', namespace: n}

            """
        let found = problems(hostile)
        let messages = found.map(\.message)
        #expect(found.allSatisfy { $0.code == .configUnsafe }, "\(found.map(\.code))")
        #expect(messages.contains { $0.contains("auth.apiKeyEnv 'GITHUB_TOKEN'") })
        #expect(messages.contains { $0.contains("'./tools/kubectl' is a relative path") })
        #expect(messages.contains { $0.contains("plain http to collector.example.com") })
        #expect(messages.contains { $0.contains("lanes.v02.restBaseUrl' carries credentials") })
        #expect(messages.contains { $0.contains("bridge.host '-oProxyCommand") })
        #expect(messages.contains { $0.contains("bridge.user '-lroot'") })
        #expect(found.count == 6)
        // Every problem is located; none echoes the URL's credentials, in its message or its line.
        for problem in found {
            #expect(problem.location?.line ?? 0 > 0)
            let rendered = ErrorReport.render(problem)
            #expect(!rendered.contains("hunter2pass") && !rendered.contains("abc123xyz"), "\(rendered)")
        }
        // The user can allow a key variable of their own choosing; loopback http is fine.
        let allowed = ConfigValidator(
            file: "a.yaml",
            text:
                "defaults: {node: lab, lane: v01}\nauth: {apiKeyEnv: MY_AGENTRUN_KEY}\nnodes:\n  lab:\n    bridge: {kind: local, command: /usr/bin/kubectl}\n    lanes:\n      v01: {restBaseUrl: 'http://127.0.0.1:8080', namespace: n}\n",
            environment: ["ARS_ALLOW_KEY_ENV": "MY_AGENTRUN_KEY"]
        ).validate()
        #expect(allowed.isEmpty, "\(allowed.map(\.message))")
    }
}
