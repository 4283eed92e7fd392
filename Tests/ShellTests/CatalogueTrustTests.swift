import Foundation
import Testing

/// A catalogue found in the working folder (a repository someone cloned) is trusted, not found:
/// until the user trusts its content, it runs nothing and no credential goes anywhere it says.
@Suite("Catalogue trust")
struct CatalogueTrustTests {
    /// A folder like a cloned repository whose `config/agentrun.yaml` runs its own program as
    /// the node bridge; the program leaves a marker file when it runs.
    func clonedRepository() throws -> (Sandbox, marker: String) {
        let sandbox = try Sandbox(config: false)
        let tools = sandbox.directory + "/tools"
        try FileManager.default.createDirectory(atPath: tools, withIntermediateDirectories: true)
        let marker = sandbox.directory + "/ran"
        try "#!/bin/sh\ntouch '\(marker)'\necho '{\"items\": []}'\n".write(toFile: tools + "/kubectl", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tools + "/kubectl")
        try FileManager.default.createDirectory(atPath: sandbox.directory + "/config", withIntermediateDirectories: true)
        try """
        defaults: {node: lab, lane: v01}
        nodes:
          lab:
            bridge: {kind: local, command: \(tools)/kubectl}
            lanes:
              v01: {restBaseUrl: 'https://agentrun.example.invalid', namespace: agentrun-v01}

        """.write(toFile: sandbox.directory + "/config/agentrun.yaml", atomically: true, encoding: .utf8)
        return (sandbox, marker)
    }

    @Test("an untrusted catalogue in the working folder is ignored with a notice and runs nothing; once trusted it is used, and announced")
    func untrustedThenTrusted() throws {
        let (sandbox, marker) = try clonedRepository()
        let key = ["HWLAB_API_KEY": "hwk-trust-test-8c1f0e27a9"]
        let refused = try sandbox.run(["kubectl", "get", "pods"], environment: key)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("no trusted lane catalogue found"), "\(refused.stderr)")
        #expect(refused.stderr.contains("./config/agentrun.yaml is not trusted: read it, then run 'ars config trust'"))
        #expect(!FileManager.default.fileExists(atPath: marker), "the repository's program ran")
        #expect(try sandbox.run(["get", "tasks"], environment: key).status == 2)

        let trust = try sandbox.run(["config", "trust"])
        #expect(trust.status == 0, "\(trust.stderr)")
        #expect(trust.stdout.contains("trusted config/agentrun.yaml (sha256 "))
        #expect(trust.stdout.contains("/tools/kubectl"), "trust shows which programs it allows: \(trust.stdout)")
        let record = sandbox.directory + "/state/ars/trusted-catalogues"
        let mode = try FileManager.default.attributesOfItem(atPath: record)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let used = try sandbox.run(["kubectl", "get", "pods"], environment: key)
        #expect(used.status == 0, "\(used.stderr)")
        #expect(used.stderr.contains("using the catalogue ./config/agentrun.yaml of this folder"))
        #expect(FileManager.default.fileExists(atPath: marker))

        // A change to the file (here, one more lane) needs trust again.
        let catalogue = sandbox.directory + "/config/agentrun.yaml"
        try (try String(contentsOfFile: catalogue, encoding: .utf8) + "# changed\n").write(
            toFile: catalogue, atomically: true, encoding: .utf8)
        #expect(try sandbox.run(["kubectl", "get", "pods"], environment: key).stderr.contains("is not trusted"))
    }

    @Test("a catalogue the user named needs no trust, but is held to the same rules: config validate reports each unsafe key")
    func namedCataloguesKeepTheRules() throws {
        let sandbox = try Sandbox(config: false)
        try """
        defaults: {node: lab, lane: v01}
        auth: {apiKeyEnv: GITHUB_TOKEN, apiKeyFile: ~/.git-credentials}
        nodes:
          lab:
            bridge: {kind: local, command: tools/kubectl}
            lanes:
              v01: {restBaseUrl: 'https://ops:s3cr3t-pw@agentrun.example.invalid', namespace: n}
          edge:
            bridge: {kind: ssh, host: '-oProxyCommand=sh'}
            lanes:
              v01: {restBaseUrl: 'http://10.0.0.9:8080', namespace: n}

        """.write(toFile: sandbox.directory + "/mine.yaml", atomically: true, encoding: .utf8)
        let validate = try sandbox.run(["config", "validate", "mine.yaml", "-o", "json"])
        #expect(validate.status == 2)
        #expect(!validate.stdout.contains("s3cr3t-pw"))
        for code in ["GITHUB_TOKEN", "tools/kubectl", "carries credentials", "-oProxyCommand", "plain http to 10.0.0.9"] {
            #expect(validate.stdout.contains(code), "\(code) not reported: \(validate.stdout)")
        }
        let used = try sandbox.run(["--config", "mine.yaml", "context"], environment: ["GITHUB_TOKEN": "ghp_should_never_be_sent"])
        #expect(used.stderr.contains("auth.apiKeyEnv 'GITHUB_TOKEN' is not a variable ars sends"), "\(used.stderr)")
        #expect(!used.stdout.contains("s3cr3t-pw") && !used.stderr.contains("s3cr3t-pw"))
    }

    @Test("a key file that is not one key alone (a credential store) is refused before anything is sent")
    func keyFileMustHoldOneKey() throws {
        let sandbox = try Sandbox(config: false)
        try "https://op:ghp_abcdef123456@github.com\n".write(toFile: sandbox.directory + "/creds", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: sandbox.directory + "/creds")
        try """
        defaults: {node: lab, lane: v01}
        auth: {apiKeyFile: \(sandbox.directory)/creds}
        nodes:
          lab:
            bridge: {kind: local}
            lanes:
              v01: {restBaseUrl: 'http://127.0.0.1:9', namespace: n}

        """.write(toFile: sandbox.directory + "/mine.yaml", atomically: true, encoding: .utf8)
        let result = try sandbox.run(["--config", "mine.yaml", "get", "tasks"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("api-key-file"))
        #expect(!result.stderr.contains("ghp_abcdef123456"))
    }
}
