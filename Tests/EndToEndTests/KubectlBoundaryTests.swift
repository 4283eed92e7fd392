import Commands
import Foundation
import Testing

/// `ars kubectl` is read-only by kubectl's grammar, and every read is redacted the same in
/// every output format — through the real kubectl against the sandbox cluster.
@Suite(.serialized) struct KubectlBoundaryTests {
    static let defaultScenario = repositoryRoot + "/Sources/SandboxCore/Resources/Scenarios/g14-healthy"

    @Test("a global flag's value cannot become the verb: --cache-dir get … delete deploy is refused and deletes nothing")
    func flagArrangementsCannotWrite() throws {
        let lane = try ClusterLane()
        for attack in [
            ["--cache-dir", "get", "-n", "agentrun-v01", "delete", "deploy", "agentrun-manager"],
            ["-n", "get", "delete", "deploy", "agentrun-manager"],
            ["--kubeconfig", "get", "-n", "agentrun-v01", "delete", "deploy", "agentrun-manager"],
            ["get", "-n", "agentrun-v01", "--raw", "/api/v1/namespaces/agentrun-v01/secrets"],
        ] {
            let result = try lane.ars(["kubectl"] + attack)
            #expect(result.status == 4, "\(attack): \(result.stdout) \(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("kubectl-refused"), "\(result.stderr)")
        }
        #expect(try lane.names(["-n", "agentrun-v01", "get", "deployments"]).contains("agentrun-manager"))
    }

    @Test("objects named by a file are refused; a Secret found by a list or a selector is redacted in yaml as in json")
    func secretsThroughFilesAndSelectors() throws {
        let lane = try ClusterLane()
        let reference = lane.home + "/ref.json"
        try #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"agentrun-runner-5qv8d-env","namespace":"agentrun-v01"}}"#
            .write(toFile: reference, atomically: true, encoding: .utf8)
        let byFile = try lane.ars(["kubectl", "get", "-f", reference, "-o", "yaml"])
        #expect(byFile.status == 4, "\(byFile.stderr)")
        #expect(byFile.stdout.isEmpty)

        let value = "fixture-not-a-real-key-7f3c"
        let encoded = Data(value.utf8).base64EncodedString()
        for words in [
            ["-n", "agentrun-v01", "get", "secrets", "-o", "yaml"],
            ["-n", "agentrun-v01", "get", "secrets", "-o", "custom-columns=KEY:.data.HWLAB_API_KEY"],
            ["get", "secrets", "-A", "-o", "jsonpath={.items[*].data}"],
            ["-n", "agentrun-v01", "get", "secret,pods", "-o", "yaml"],
        ] {
            let result = try lane.ars(["kubectl"] + words)
            #expect(result.status == 0, "\(words): \(result.stderr)")
            #expect(result.stdout.contains("[REDACTED]"), "\(words): \(result.stdout)")
            #expect(
                !(result.stdout + result.stderr).contains(value) && !(result.stdout + result.stderr).contains(encoded), "\(words) leaked")
        }
    }

    @Test("a literal credential in a Pod's env is redacted in yaml, describe, jsonpath and custom columns")
    func literalCredentialEnvIsRedacted() throws {
        let lane = try ClusterLane()
        let scenario = lane.home + "/scenario"
        try FileManager.default.copyItem(atPath: Self.defaultScenario, toPath: scenario)
        let pods = scenario + "/agentrun-v01-pods.json"
        let token = "literal-pod-token-9d41c2e"
        let text = try String(contentsOfFile: pods, encoding: .utf8).replacingOccurrences(
            of: #""name": "HWLAB_API_BASE","#, with: #""name": "GIT_TOKEN", "value": "\#(token)"}, {"name": "HWLAB_API_BASE","#)
        #expect(text.contains(token))
        try text.write(toFile: pods, atomically: true, encoding: .utf8)
        let pod = "agentrun-runner-5qv8d-z8k96"
        for words in [
            ["get", "pod", pod, "-o", "yaml"], ["describe", "pod", pod], ["describe", "pods", "agentrun-runner"],
            ["get", "pods", "-o", "jsonpath={..env}"], ["get", "pod", pod, "-o", "custom-columns=ENV:.spec.containers[*].env[*].value"],
            ["get", "pod", pod, "-o", "json"],
        ] {
            let result = try lane.ars(["--scenario", scenario, "kubectl", "-n", "agentrun-v01"] + words)
            #expect(result.status == 0, "\(words): \(result.stderr)")
            #expect(result.stdout.contains("[REDACTED]"), "\(words): \(result.stdout.prefix(400))")
            #expect(!(result.stdout + result.stderr).contains(token), "\(words) leaked the token")
        }
    }
}
