import Commands
import Foundation
import Testing

@testable import ControlPlanePlugin

/// The status report's judgements, from the fixture documents and a source worktree as the
/// runbook's preflight prints it.
@Suite struct StatusReportTests {
    static let source = "3f9c2ab9fbfc2378abcf4db0d361388c746462c1"
    static let gitops = "7d346009055cb34f86c9e460807a08bc29d43416"

    static func lane() throws -> LaneFacts {
        let yaml = """
            defaults: {node: G14, lane: v01}
            nodes:
              G14:
                bridge: {kind: trans}
                lanes:
                  v01:
                    restBaseUrl: https://agentrun-v01.example.invalid
                    namespace: agentrun-v01
                    ciNamespace: agentrun-ci
                    source: {worktree: /root/agentrun-v01, branch: v0.1, remote: 'git@github.com:pikasTech/agentrun.git'}
                    gitops: {branch: v0.1-gitops}
                    argoApp: argocd/agentrun-g14-v01
                    pipelineRunPrefix: agentrun-v01-ci-
                    manager: {deployment: agentrun-manager}
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ars-status-\(UUID().uuidString.prefix(6)).yaml").path
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let loaded = try ConfigLoader.load(path: file, source: "--config")
        return try LaneFacts(loaded.catalog.node("G14")!.lane("v01")!)
    }

    static func preflight(_ stdout: String, exit: Int32 = 0, stderr: String = "") throws -> SourceWorktree.Preflight {
        try SourceWorktree.Preflight(
            worktree: lane().worktree, result: RemoteResult(stdout: Data(stdout.utf8), stderr: Data(stderr.utf8), exitStatus: exit))
    }

    static let cleanPreflight = """
        /root/agentrun-v01
        ## v0.1...origin/v0.1
        origin\tgit@github.com:pikasTech/agentrun.git (fetch)
        origin\tgit@github.com:pikasTech/agentrun.git (push)

        """

    static func report(application: String = "argocd-application-agentrun-g14-v01.json", gitopsLatest: String = gitops) throws
        -> StatusReport
    {
        let runtime = StatusProbes.Runtime(
            runs: try FixtureVerdictTests.items("agentrun-ci-pipelineruns.json").map(PipelineRun.init),
            application: try FixtureVerdictTests.document(application),
            deployment: try FixtureVerdictTests.document("agentrun-v01-deployment-agentrun-manager.json"),
            pods: try FixtureVerdictTests.items("agentrun-v01-pods.json").map(Pod.init))
        let source = StatusProbes.Source(
            preflight: try preflight(cleanPreflight), commit: Self.source, originHead: Self.source, gitopsLatest: gitopsLatest, stderr: "")
        return StatusReport(facts: try lane(), source: source, runtime: runtime, mirror: nil, now: FixtureVerdictTests.now)
    }

    @Test func theHealthyScenarioIsAlignedWithTheNewBuildStillRunning() throws {
        let report = try Self.report()
        #expect(report.sourceRun?.name == "agentrun-v01-ci-3f9c2ab")
        #expect(report.sourceRun?.state == .running)
        #expect(report.argoMatchesGitops == true)
        #expect(report.refreshPending == false)
        #expect(report.managerShortCommit == "8d41e07")
        #expect(report.managerMatchesSource == false)
        #expect(report.readyReplicas == 1 && report.desiredReplicas == 1)
        #expect(report.managerPods.map(\.name) == ["agentrun-manager-74q4grvdk9-btqpq"])
        #expect(report.podProblems.isEmpty)
        #expect(
            report.summaryLine
                == "G14/v01 · source 3f9c2ab · run agentrun-v01-ci-3f9c2ab running 5m50s · argo Synced/Healthy 7d34600 = gitops latest · manager 1/1 ready @ 8d41e07"
        )
    }

    @Test func aPendingRefreshAndANewerGitopsCommitAreReported() throws {
        let report = try Self.report(
            application: "argocd-application-agentrun-g14-v01.refresh-pending.json",
            gitopsLatest: "1111111111111111111111111111111111111111")
        #expect(report.refreshPending)
        #expect(report.argoMatchesGitops == false)
        #expect(report.summaryLine.contains("≠ gitops latest 1111111"))
        // A refresh is already pending, so status does not suggest another one.
        #expect(!report.next.contains { $0.contains("control-plane refresh") })
        let notPending = try Self.report(gitopsLatest: "1111111111111111111111111111111111111111")
        #expect(notPending.next.contains("control-plane refresh --node G14 --lane v01 --dry-run"))
    }

    @Test func targetVerdicts() throws {
        let report = try Self.report()
        func verdict(_ target: StatusReport.Target) -> String? { report.verdict(target).value(now: report.now)["verdict"]?.stringValue }
        #expect(verdict(.pipelineRun("agentrun-v01-ci-3f9c2ab")) == "running")
        #expect(verdict(.pipelineRun("agentrun-v01-ci-8d41e07")) == "historically-succeeded")
        #expect(verdict(.pipelineRun("agentrun-v01-ci-c07be19")) == "failed")
        #expect(verdict(.pipelineRun("agentrun-v01-ci-ffffff0")) == "missing")
        #expect(verdict(.sourceCommit("8d41e07")) == "historically-succeeded")
        #expect(verdict(.sourceCommit(Self.source)) == "running")
        // a1d9c44 and e6f1b38 are only named: their pinned commits are not in the fixture's params.
        let a1 = report.verdict(.pipelineRun("agentrun-v01-ci-a1d9c44"))
        #expect(a1.value(now: report.now).lookup("targetValidation.exists") == true)
        // The human fields say what the value says.
        #expect(a1.fields.first { $0.0 == "verdict" }?.1 == a1.value(now: report.now)["verdict"]?.stringValue)
        #expect(a1.fields.first { $0.0 == "run" }?.1 == "agentrun-v01-ci-a1d9c44")
    }

    @Test func aRunPinnedToAnotherCommitThanItsNameIsASourceMismatch() throws {
        var runs = try FixtureVerdictTests.items("agentrun-ci-pipelineruns.json")
        let index = runs.firstIndex { $0.lookup("metadata.name") == "agentrun-v01-ci-8d41e07" }!
        guard case .object(var run) = runs[index], case .object(var spec) = run["spec"]! else { Issue.record(); return }
        spec["params"] = [["name": "git-url", "value": "x"], ["name": "git-revision", "value": .string(Self.source)]]
        run["spec"] = .object(spec)
        runs[index] = .object(run)
        let base = try Self.report()
        let report = StatusReport(
            facts: base.facts, source: base.source,
            runtime: StatusProbes.Runtime(
                runs: runs.map(PipelineRun.init), application: base.runtime.application, deployment: base.runtime.deployment,
                pods: base.runtime.pods),
            mirror: nil, now: base.now)
        let mismatch = report.verdict(.pipelineRun("agentrun-v01-ci-8d41e07")).value(now: report.now)
        #expect(mismatch["verdict"] == "source-mismatch")
        #expect(mismatch.lookup("targetValidation.nameMatchesPinnedCommit") == false)
    }

    @Test func preflightReadsTheRunbooksOwnOutput() throws {
        let clean = try Self.preflight(Self.cleanPreflight)
        #expect(clean.ok)
        #expect(clean.branchDescription == "v0.1...origin/v0.1")

        let behind = try Self.preflight(
            "/root/agentrun-v01\n## v0.1...origin/v0.1 [behind 2]\n M README.md\n?? notes.txt\norigin\tgit@github.com:pikasTech/agentrun.git (fetch)\n"
        )
        #expect(behind.behind == 2)
        #expect(behind.changes == [" M README.md", "?? notes.txt"])
        #expect(behind.failures.map(\.name) == ["clean"])
        #expect(behind.failures.first?.found == "2 changed:  M README.md, ?? notes.txt")

        let wrong = try Self.preflight("/root/agentrun-v01\n## main...origin/main\norigin\thttps://github.com/someone/fork.git (fetch)\n")
        #expect(wrong.failures.map(\.name) == ["branch", "origin"])

        let missing = try Self.preflight("", exit: 2, stderr: "sh: 1: cd: can't cd to /root/agentrun-v01\n")
        #expect(!missing.exists)
        #expect(missing.failures.map(\.name) == ["path", "branch", "origin", "clean"])
        #expect(missing.checks.first?.found == "missing: sh: 1: cd: can't cd to /root/agentrun-v01")
    }

    @Test func mirrorRepositoriesAreFoundFromTheRemote() {
        let mirror = MirrorCache(
            cacheDir: "/srv/git-mirror",
            repositories: [
                .init(path: "github.com/other/thing.git"), .init(path: "github.com/pikasTech/agentrun.git", heads: ["v0.1": "abc"]),
            ],
            raw: "", exitStatus: 0, stderr: "")
        #expect(
            mirror.repository(for: "git@github.com:pikasTech/agentrun.git")?.path
                == "github.com/pikasTech/agentrun.git")
        #expect(
            mirror.repository(for: "https://github.com/pikasTech/agentrun")?.path
                == "github.com/pikasTech/agentrun.git")
        #expect(mirror.repository(for: "/tmp/sandbox/origin.git") == nil)
    }

    @Test func planIDsFollowWhatWasObserved() {
        let one = WriteGate.planID(observed: ["PipelineRun/agentrun-ci/a@1", "Pod/agentrun-ci/p@2"], decided: ["a"])
        #expect(one.count == 12)
        #expect(WriteGate.planID(observed: ["Pod/agentrun-ci/p@2", "PipelineRun/agentrun-ci/a@1"], decided: ["a"]) == one)
        #expect(WriteGate.planID(observed: ["PipelineRun/agentrun-ci/a@3", "Pod/agentrun-ci/p@2"], decided: ["a"]) != one)
        #expect(WriteGate.planID(observed: ["PipelineRun/agentrun-ci/a@1", "Pod/agentrun-ci/p@2"], decided: []) != one)
    }
}
