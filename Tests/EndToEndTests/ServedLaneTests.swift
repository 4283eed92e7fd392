import Commands
import Foundation
import Testing

/// The sandbox serves any lane: a scenario of another lane's runs is explained when the
/// catalogue does not match it, and served with the historic lane's verdicts when it does.
@Suite(.serialized) struct ServedLaneTests {
    static let defaultScenario = KubectlBoundaryTests.defaultScenario

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
