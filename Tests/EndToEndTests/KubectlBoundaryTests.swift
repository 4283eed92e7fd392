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

    @Test(
        "a lane's prefix that matches no run is explained on stderr; the scenario's own catalogue (or --config) makes the sandbox serve that lane with the same verdicts"
    )
    func emptySelectionsAreExplained() throws {
        let lane = try ClusterLane()
        let scenario = lane.home + "/other-lane"
        try FileManager.default.copyItem(atPath: Self.defaultScenario, toPath: scenario)
        for file in ["agentrun-ci-pipelineruns.json", "agentrun-ci-pods.json", "agentrun-ci-pvcs.json"] {
            let path = scenario + "/" + file
            try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "agentrun-v01-ci", with: "agentrun-v02-ci")
                .write(toFile: path, atomically: true, encoding: .utf8)
        }
        let notice =
            "no PipelineRun in agentrun-ci matches the lane's 'agentrun-v01-ci-*', but the namespace holds 6: 6 × agentrun-v02-ci-*"
        let cleanup = try lane.ars(["--scenario", scenario, "control-plane", "cleanup-runs", "--dry-run"])
        #expect(cleanup.status == 0, "\(cleanup.stderr)")
        #expect(cleanup.stderr.contains(notice), "\(cleanup.stderr)")
        #expect(!cleanup.stdout.contains("warning"), "the notice goes to stderr")
        let status = try lane.ars(["--scenario", scenario, "control-plane", "status"])
        #expect(status.stderr.contains(notice), "\(status.stderr)")
        // With the scenario's own catalogue for that lane (D601/v02, prefix agentrun-v02-ci-), the
        // sandbox serves it: the same verdicts as the historic lane gets from its scenario.
        try """
        defaults: {node: D601, lane: v02}
        nodes:
          D601:
            bridge: {kind: trans}
            lanes:
              v02:
                restBaseUrl: https://agentrun-v02.d601.unidesk.invalid
                namespace: agentrun-v01
                ciNamespace: agentrun-ci
                pipelineRunPrefix: agentrun-v02-ci-
                argoApp: argocd/agentrun-g14-v01
                manager: {deployment: agentrun-manager}
                source: {worktree: /root/agentrun-v02, branch: v0.2, remote: git@github.com:pikasTech/agentrun.git}
                gitops: {branch: v0.2-gitops}

        """.write(toFile: scenario + "/agentrun.yaml", atomically: true, encoding: .utf8)
        let served = try lane.json(["--scenario", scenario, "control-plane", "cleanup-runs", "--dry-run"])
        let historic = try lane.json(["control-plane", "cleanup-runs", "--dry-run"])
        #expect(served.result.status == 0, "\(served.result.stderr)")
        #expect(!served.result.stderr.contains("matches the lane's"))
        let candidates = { (value: Value) in value["candidates"]?.arrayValue?.count ?? -1 }
        #expect(candidates(served.value) == candidates(historic.value) && candidates(served.value) > 0)
        #expect(
            served.value["candidates"]?.arrayValue?.allSatisfy { $0["name"]?.stringValue?.hasPrefix("agentrun-v02-ci-") == true } == true)
        let context = try lane.json(["--scenario", scenario, "context"]).value
        #expect(context["node"] == "D601" && context["lane"] == "v02" && context["namespace"] == "agentrun-v01")
        // The git repositories are built for that lane (branch v0.2, runs agentrun-v02-ci-), so
        // status reaches the same verdicts as the historic lane's.
        let servedStatus = try lane.json(["--scenario", scenario, "control-plane", "status"]).value
        let historicStatus = try lane.json(["control-plane", "status"]).value
        #expect(servedStatus["alignment"] == historicStatus["alignment"], "\(servedStatus["alignment"] ?? .null)")
        #expect(JSON.encode(servedStatus).contains("origin/v0.2"), "the source is the lane's own branch")
        #expect(try lane.ars(["--scenario", scenario, "worktree", "check"]).status == 0)
        // --config FILE serves a catalogue the same way.
        let named = try lane.json(["--config", scenario + "/agentrun.yaml", "context"]).value
        #expect(named["lane"] == "v02")

        // The lane's own scenario says nothing of the kind.
        #expect(!(try lane.ars(["control-plane", "cleanup-runs", "--dry-run"])).stderr.contains("matches the lane's"))
    }
}
