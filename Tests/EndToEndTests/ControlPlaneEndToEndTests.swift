import Commands
import Foundation
import Testing

/// One operator's machine: `ars --sandbox` with its own state (cluster, git repositories,
/// history), the clock pinned to the default scenario's NOW. Every `ars` call starts the sandbox
/// on that state, runs, and stops it, exactly as an operator's one-shot commands do.
final class ClusterLane: @unchecked Sendable {
    static let scenarioNow = "2025-11-18T09:00:00Z"
    let home: String
    var environment: [String: String]

    init(speed: Int = 1000, now: String? = ClusterLane.scenarioNow) throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("ars-cp-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        environment = [
            "HOME": home, "XDG_STATE_HOME": home + "/state", "LANG": "C.UTF-8", "PATH": "/usr/local/bin:/usr/bin:/bin",
            "ARS_SANDBOX_SPEED": String(speed),
        ]
        if let now { environment["ARS_NOW"] = now }
    }

    deinit { try? FileManager.default.removeItem(atPath: home) }

    var serverState: String { home + "/state/ars/sandbox/server" }

    /// `ars --sandbox ARGS…`.
    @discardableResult
    func ars(_ arguments: [String], stdin: String = "") throws -> ProcessResult {
        try runProcess(
            [builtProducts.appendingPathComponent("ars").path, "--sandbox"] + arguments, stdin: stdin, environment: environment,
            directory: home)
    }

    /// `ars --sandbox ARGS… -o json`, decoded.
    func json(_ arguments: [String]) throws -> (value: Value, result: ProcessResult) {
        let result = try ars(arguments + ["-o", "json"])
        return ((try? JSON.decode(result.stdout)) ?? .null, result)
    }

    /// A read of the sandbox cluster through ars's own read-only kubectl.
    func kubectl(_ words: [String]) throws -> Value {
        let result = try ars(["kubectl"] + words + ["-o", "json"])
        #expect(result.status == 0, "kubectl \(words) failed: \(result.stderr)")
        return (try? JSON.decode(result.stdout)) ?? .null
    }

    func names(_ words: [String]) throws -> [String] {
        (try kubectl(words)["items"]?.arrayValue ?? []).compactMap { $0.lookup("metadata.name")?.stringValue }
    }

    /// The sandbox's real commit for a fixture's invented one (full or 7-hex short).
    func real(_ invented: String) throws -> String {
        try prepare()
        let manifest = try JSON.decode(try String(contentsOfFile: serverState + "/git/scenario-commits.json", encoding: .utf8))
        guard let real = manifest["commits"]?[invented]?.stringValue else {
            Issue.record("no real commit for \(invented)")
            return invented
        }
        return real
    }

    func run(_ invented: String) throws -> String { "agentrun-v01-ci-" + (try real(invented)) }

    /// The sandbox's first start builds its repositories.
    func prepare() throws {
        if !FileManager.default.fileExists(atPath: serverState + "/git/scenario-commits.json") { try ars(["context"]) }
    }

    var worktree: String { serverState + "/git/agentrun-v01" }
    var origin: String { serverState + "/git/origin.git" }

    /// Runs git with a fixed identity (tests only).
    @discardableResult
    func git(_ arguments: [String], in directory: String) throws -> ProcessResult {
        let result = try runProcess(
            ["/usr/bin/git"] + arguments,
            environment: [
                "HOME": home, "PATH": "/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "Test",
                "GIT_COMMITTER_EMAIL": "t@example.invalid",
            ], directory: directory)
        #expect(result.status == 0, "git \(arguments): \(result.stderr)")
        return result
    }

    /// Runs the real kubectl against this lane's sandbox, started on its state for the call
    /// (ars itself only reads the cluster; the tests need to arrange it).
    @discardableResult
    func clusterKubectl(_ arguments: [String], stdin: String = "") throws -> ProcessResult {
        try prepare()
        let server = Process()
        server.executableURL = builtProducts.appendingPathComponent("ars-sandbox")
        server.arguments = ["--state", serverState, "--port", "0", "--speed", environment["ARS_SANDBOX_SPEED"] ?? "1"]
        server.environment = ["ARS_SANDBOX_API_KEY": "test-only-key", "PATH": "/usr/bin:/bin"]
        let output = Pipe()
        server.standardOutput = output
        server.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        return try runProcess(
            ["/usr/bin/env", "kubectl", "--kubeconfig", serverState + "/kubeconfig"] + arguments, stdin: stdin,
            environment: ["HOME": home, "PATH": environment["PATH"] ?? "/usr/bin:/bin"])
    }

    /// Pushes a new commit to origin's v0.1 (someone merged a change) and returns its id.
    func pushToOrigin() throws -> String {
        try prepare()
        let clone = home + "/clone-\(UUID().uuidString.prefix(6))"
        try git(["clone", "--quiet", "--branch", "v0.1", origin, clone], in: home)
        try "change \(UUID())\n".write(toFile: clone + "/CHANGE.md", atomically: true, encoding: .utf8)
        try git(["add", "CHANGE.md"], in: clone)
        try git(["commit", "--quiet", "-m", "a merged change"], in: clone)
        try git(["push", "--quiet", "origin", "v0.1"], in: clone)
        return try git(["rev-parse", "HEAD"], in: clone).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

@Suite(.serialized) struct ControlPlaneEndToEndTests {
    // MARK: status

    @Test func statusShowsTheLanesFullPictureThroughTheRealKubectl() throws {
        let lane = try ClusterLane()
        let (status, result) = try lane.json(["control-plane", "status"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(status["kind"] == "ControlPlaneStatus")
        #expect(status.lookup("source.commit")?.stringValue == (try lane.real("3f9c2ab9fbfc2378abcf4db0d361388c746462c1")))
        #expect(status.lookup("source.preflightOk") == true)
        #expect(status.lookup("pipelineRun.name")?.stringValue == (try lane.run("3f9c2ab")))
        #expect(status.lookup("pipelineRun.state") == "running")
        #expect(status.lookup("gitops.latest")?.stringValue == (try lane.real("7d346009055cb34f86c9e460807a08bc29d43416")))
        #expect(status.lookup("argo.syncStatus") == "Synced")
        #expect(status.lookup("argo.healthStatus") == "Healthy")
        #expect(status.lookup("alignment.argoMatchesGitops") == true)
        #expect(status.lookup("alignment.managerMatchesSource") == false)
        #expect(status.lookup("manager.sourceCommit")?.stringValue == (try lane.real("8d41e074b1bbe70036aa746bac519ea2eaca0bb4")))
        #expect(status.lookup("workload.ready") == 1)
        #expect(status.lookup("workload.desired") == 1)
        #expect(status.lookup("gitMirror.sourceInSync") == true)
        #expect(status.lookup("gitMirror.gitopsInSync") == true)
        // Progress events for the three stages, on stderr only.
        for stage in ["source", "runtime", "git-mirror"] {
            #expect(
                result.stderr.contains(#""event":"agentrun.control-plane.status.progress","stage":"\#(stage)","phase":"done""#),
                "\(result.stderr)")
        }
        #expect(!result.stdout.contains("agentrun.control-plane.status.progress"))
    }

    @Test func theCompactViewHasASummaryAlignmentAndDrillDowns() throws {
        let lane = try ClusterLane()
        let result = try lane.ars(["control-plane", "status"])
        #expect(result.status == 0, "\(result.stderr)")
        let short = String(try lane.real("3f9c2ab").prefix(7))
        #expect(result.stdout.contains("local/sandbox · source \(short) · run agentrun-v01-ci-\(short) running"), "\(result.stdout)")
        #expect(result.stdout.contains("argo Synced/Healthy"))
        #expect(result.stdout.contains("= gitops latest"))
        #expect(result.stdout.contains("argo revision = gitops latest"))
        #expect(result.stdout.contains("next: control-plane status --node local --lane sandbox --pipeline-run agentrun-v01-ci-\(short)"))
        #expect(!result.stdout.contains("stdout:"), "tails only with --full")

        let full = try lane.ars(["control-plane", "status", "--full", "--raw"])
        #expect(
            full.stdout.contains("$ kubectl -n agentrun-ci get pipelineruns.tekton.dev -l tekton.dev/pipeline=agentrun-v01-ci -o json"),
            "\(full.stdout)")
        #expect(full.stdout.contains("git-mirror raw"))
        #expect(full.stdout.contains("head v0.1 \(try lane.real("3f9c2ab9fbfc2378abcf4db0d361388c746462c1"))"))

        let yaml = try lane.ars(["control-plane", "status", "-o", "yaml"])
        #expect(yaml.status == 0)
        #expect(try YAML.decode(yaml.stdout)["kind"] == "ControlPlaneStatus")
    }

    @Test func whenTheClusterIsUnreachableStatusStillShowsTheSourceAndSaysWhatFailed() throws {
        let lane = try ClusterLane()
        try lane.prepare()
        // The sandbox has stopped: its catalogue and repositories remain, its API does not.
        let catalogue = lane.home + "/state/ars/sandbox/agentrun.yaml"
        let result = try runProcess(
            [builtProducts.appendingPathComponent("ars").path, "--config", catalogue, "control-plane", "status", "-o", "json"],
            environment: lane.environment, directory: lane.home)
        #expect(result.status == 3, "\(result.stderr)")
        let status = try JSON.decode(result.stdout)
        #expect(status.lookup("source.commit")?.stringValue == (try lane.real("3f9c2ab9fbfc2378abcf4db0d361388c746462c1")))
        #expect(status.lookup("gitMirror.sourceInSync") == true)
        #expect(status.lookup("errors.runtime.code") == "remote-command-failed")
        #expect(
            status["summary"]?.stringValue?.contains("runtime unavailable (kubectl -n agentrun-ci get pipelineruns.tekton.dev") == true,
            "\(status["summary"] ?? .null)")

        let human = try runProcess(
            [builtProducts.appendingPathComponent("ars").path, "--config", catalogue, "control-plane", "status"],
            environment: lane.environment, directory: lane.home)
        #expect(human.status == 3)
        #expect(human.stderr.contains("warning: runtime stage failed:"), "\(human.stderr)")
        #expect(human.stdout.contains("source = origin/v0.1            ✓"), "\(human.stdout)")

        // Even run at -v=6 outside --sandbox, the kubeconfig's token (in its server URL) never shows.
        let kubeconfig = try String(contentsOfFile: lane.serverState + "/kubeconfig", encoding: .utf8)
        let token = try #require(kubeconfig.components(separatedBy: "/k8s/").dropFirst().first?.prefix { $0.isLetter || $0.isNumber })
        let verbose = try runProcess(
            [builtProducts.appendingPathComponent("ars").path, "--config", catalogue, "kubectl", "-v=6", "get", "pods"],
            environment: lane.environment, directory: lane.home)
        #expect(verbose.status == 3)
        #expect(!verbose.stdout.contains(token) && !verbose.stderr.contains(token), "\(verbose.stderr)")
        #expect(!human.stdout.contains(token) && !human.stderr.contains(token))
    }

    @Test func targetedStatusGivesAVerdictForEachKindOfRun() throws {
        let lane = try ClusterLane()
        func verdict(_ arguments: [String]) throws -> String? {
            try lane.json(["control-plane", "status"] + arguments).value.lookup("target.verdict")?.stringValue
        }
        #expect(try verdict(["--pipeline-run", lane.run("3f9c2ab")]) == "running")
        #expect(try verdict(["--pipeline-run", lane.run("8d41e07")]) == "historically-succeeded")
        #expect(try verdict(["--pipeline-run", lane.run("c07be19")]) == "failed")
        #expect(try verdict(["--pipeline-run", "agentrun-v01-ci-0000000"]) == "missing")
        #expect(try verdict(["--source-commit", lane.real("8d41e074b1bbe70036aa746bac519ea2eaca0bb4")]) == "historically-succeeded")
        #expect(try verdict(["--source-commit", "1234567"]) == "missing")
        let both = try lane.ars(["control-plane", "status", "--pipeline-run", "x", "--source-commit", "1234567"])
        #expect(both.status == 2)
    }

    // MARK: cleanup-runs

    @Test func cleanupRunsDryRunDisclosesThePlanAndChangesNothing() throws {
        let lane = try ClusterLane()
        let before = try lane.names(["-n", "agentrun-ci", "get", "pipelineruns.tekton.dev"])
        #expect(before.count == 6)
        let (plan, result) = try lane.json(["control-plane", "cleanup-runs", "--min-age-minutes", "30", "--limit", "200", "--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(plan["kind"] == "ControlPlanePlan")
        let candidates = Set((plan["candidates"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
        #expect(candidates == Set(try ["c07be19", "5b2e6f0", "a1d9c44", "e6f1b38"].map(lane.run)))
        let protected = Dictionary(uniqueKeysWithValues: (plan["protected"]?.arrayValue ?? []).map { ($0["name"]?.stringValue ?? "", $0) })
        #expect(protected[try lane.run("3f9c2ab")]?["protections"] == ["running", "active-mount"])
        #expect(protected[try lane.run("8d41e07")]?["protections"] == ["latest-completed", "too-young"])
        let first = plan["candidates"]?.arrayValue?.first
        #expect(first?["pvcs"]?.arrayValue?.first?["capacity"] == "1Gi")
        #expect(first?["pvcs"]?.arrayValue?.first?["bytesSource"] != nil)
        let planID = plan["planId"]?.stringValue ?? ""
        #expect(planID.count == 12)
        #expect(
            plan["confirm"]?.stringValue
                == "control-plane cleanup-runs --node local --lane sandbox --min-age-minutes 30 --limit 200 --confirm --plan \(planID)")
        #expect(try lane.names(["-n", "agentrun-ci", "get", "pipelineruns.tekton.dev"]) == before)

        let thirtyFive = try lane.json(["control-plane", "cleanup-runs", "--min-age-minutes", "35", "--dry-run"]).value
        #expect(
            Set((thirtyFive["candidates"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
                == Set(try ["5b2e6f0", "a1d9c44", "e6f1b38"].map(lane.run)))

        let human = try lane.ars(["control-plane", "cleanup-runs", "--min-age-minutes", "30", "--dry-run"])
        #expect(human.stdout.contains("would delete 4 PipelineRun(s) in agentrun-ci"), "\(human.stdout)")
        #expect(
            human.stdout.contains("active-mount (affinity-assistant-fcb176bc64-0, \(try lane.run("3f9c2ab"))-swift-test-pod)"),
            "\(human.stdout)")
        #expect(
            human.stdout.contains(
                "next: control-plane cleanup-runs --node local --lane sandbox --min-age-minutes 30 --limit 200 --confirm --plan \(planID)"))
    }

    @Test func cleanupRunsWithoutConfirmIsRefusedAndChangesNothing() throws {
        let lane = try ClusterLane()
        let result = try lane.ars(["control-plane", "cleanup-runs", "--min-age-minutes", "30"])
        #expect(result.status == 4)
        #expect(result.stderr.contains("needs --confirm; nothing was done"))
        #expect(try lane.names(["-n", "agentrun-ci", "get", "pipelineruns.tekton.dev"]).count == 6)
        #expect(try lane.ars(["control-plane", "cleanup-runs", "--dry-run", "--confirm"]).status == 2)
        #expect(try lane.ars(["control-plane", "cleanup-runs", "--plan", "abc", "--dry-run"]).status == 2)
    }

    @Test func cleanupRunsConfirmDeletesExactlyThePlanAndItsClaims() throws {
        let lane = try ClusterLane()
        let planID =
            try lane.json(["control-plane", "cleanup-runs", "--min-age-minutes", "30", "--dry-run"]).value["planId"]?.stringValue ?? ""
        let (change, result) = try lane.json(["control-plane", "cleanup-runs", "--min-age-minutes", "30", "--confirm", "--plan", planID])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(change["kind"] == "ControlPlaneChange")
        #expect(change["done"]?.arrayValue?.count == 4)
        #expect(
            Set(try lane.names(["-n", "agentrun-ci", "get", "pipelineruns.tekton.dev"])) == Set(try ["3f9c2ab", "8d41e07"].map(lane.run)))
        // Tekton's ownerReferences release the workspace claims of the deleted runs.
        #expect(Set(try lane.names(["-n", "agentrun-ci", "get", "persistentvolumeclaims"])) == ["pvc-882aa3a549", "pvc-ce11337402"])
    }

    @Test func aPlanIdFromBeforeTheWorldChangedIsRefused() throws {
        let lane = try ClusterLane()
        let arguments = ["control-plane", "cleanup-runs", "--min-age-minutes", "30"]
        let planID = try lane.json(arguments + ["--dry-run"]).value["planId"]?.stringValue ?? ""
        #expect(try lane.json(arguments + ["--dry-run"]).value["planId"]?.stringValue == planID, "the same world gives the same plan id")
        // The world changes after the dry run: a merged change is built (a new PipelineRun).
        _ = try lane.pushToOrigin()
        #expect(try lane.ars(["control-plane", "trigger-current", "--confirm"]).status == 0)
        let result = try lane.ars(arguments + ["--confirm", "--plan", planID])
        #expect(result.status == 4, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("the world changed since the dry run: plan \(planID) was shown"), "\(result.stderr)")
        #expect(try lane.names(["-n", "agentrun-ci", "get", "pipelineruns.tekton.dev"]).count == 7)
    }

    // MARK: cleanup-released-pvs

    @Test func cleanupReleasedVolumesTouchesOnlyReleasedCIVolumes() throws {
        let lane = try ClusterLane()
        let (plan, result) = try lane.json(["control-plane", "cleanup-released-pvs", "--limit", "200", "--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        let candidates = Set((plan["candidates"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
        #expect(candidates == ["pvc-d495ee54-84e0-4e02-94ee-785f3ebd9866", "pvc-fc6ae97d-9de1-40b5-810b-17301b88cb45"])
        #expect(try lane.names(["get", "persistentvolumes"]).count == 9)
        #expect(try lane.ars(["control-plane", "cleanup-released-pvs"]).status == 4)
        #expect(try lane.names(["get", "persistentvolumes"]).count == 9)
        let confirmed = try lane.ars(["control-plane", "cleanup-released-pvs", "--confirm", "--plan", plan["planId"]?.stringValue ?? ""])
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        let left = try lane.names(["get", "persistentvolumes"])
        #expect(left.count == 7)
        #expect(candidates.isDisjoint(with: left))
        #expect(left.contains("pvc-70530b9f-611c-4edd-a367-ec7d4ed619aa"))
    }

    @Test func theLocalPathEstimateMeasuresFoldersOnTheNodeAndSaysWhenItCouldNot() throws {
        let lane = try ClusterLane()
        // The scenario with its local-path folders under this test's home, one of them present.
        let fixtures = repositoryRoot + "/Sources/SandboxCore/Resources/Scenarios/g14-healthy"
        let scenario = lane.home + "/scenario", storage = lane.home + "/storage"
        try FileManager.default.createDirectory(atPath: scenario, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: fixtures) where file.hasSuffix(".json") {
            let text = try String(contentsOfFile: fixtures + "/" + file, encoding: .utf8)
            try text.replacingOccurrences(of: "/var/lib/rancher/k3s/storage", with: storage).write(
                toFile: scenario + "/" + file, atomically: true, encoding: .utf8)
        }
        let measured = storage + "/pvc-d495ee54-84e0-4e02-94ee-785f3ebd9866_agentrun-ci_pvc-87bca63de2"
        try FileManager.default.createDirectory(atPath: measured, withIntermediateDirectories: true)
        try Data(repeating: 7, count: 300_000).write(to: URL(fileURLWithPath: measured + "/workspace.tar"))

        let result = try lane.ars(["--scenario", scenario, "control-plane", "cleanup-released-pvs", "--dry-run", "-o", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let candidates = Dictionary(
            uniqueKeysWithValues: (try JSON.decode(result.stdout)["candidates"]?.arrayValue ?? []).map {
                ($0["name"]?.stringValue ?? "", $0)
            })
        let du = try #require(candidates["pvc-d495ee54-84e0-4e02-94ee-785f3ebd9866"])
        #expect(du["bytesSource"] == "du")
        #expect((300_000...400_000).contains(du["bytes"]?.intValue ?? 0), "\(du)")
        let capacity = try #require(candidates["pvc-fc6ae97d-9de1-40b5-810b-17301b88cb45"])
        #expect(capacity["bytesSource"] == "capacity")
        #expect(capacity["bytes"] == .int(1_073_741_824))
    }

    // MARK: refresh

    @Test func refreshAnnotatesOnlyTheLanesApplicationAndArgoConsumesIt() throws {
        let lane = try ClusterLane()
        let (plan, result) = try lane.json(["control-plane", "refresh", "--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(plan["actions"] == ["annotate Application argocd/agentrun-g14-v01 argocd.argoproj.io/refresh=hard"])
        #expect(
            try lane.kubectl(["-n", "argocd", "get", "applications.argoproj.io", "agentrun-g14-v01"]).lookup("metadata.annotations")?[
                "argocd.argoproj.io/refresh"] == nil)
        #expect(try lane.ars(["control-plane", "refresh"]).status == 4)
        let confirmed = try lane.ars(["control-plane", "refresh", "--confirm"])
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        #expect(confirmed.stdout.contains("hard refresh requested"))
        // At speed 1000 the simulated controller has consumed the annotation by the next call.
        let app = try lane.kubectl(["-n", "argocd", "get", "applications.argoproj.io", "agentrun-g14-v01"])
        #expect(app.lookup("metadata.annotations")?["argocd.argoproj.io/refresh"] == nil)
        #expect(app.lookup("status.reconciledAt")?.stringValue != "2025-11-18T08:58:47Z")
    }

    // MARK: trigger-current

    @Test func triggerCurrentRefusesWhileTheRunForTheCommitIsRunning() throws {
        let lane = try ClusterLane()
        let result = try lane.ars(["control-plane", "trigger-current", "--dry-run"])
        #expect(result.status == 4)
        #expect(
            result.stderr.contains("\(try lane.run("3f9c2ab")) for \(String(try lane.real("3f9c2ab").prefix(7))) is running"),
            "\(result.stderr)")
    }

    @Test func triggerCurrentFastForwardsAndCreatesTheCommitPinnedRun() throws {
        let lane = try ClusterLane()
        let commit = try lane.pushToOrigin()
        let name = "agentrun-v01-ci-" + commit.prefix(7)
        let (plan, dry) = try lane.json(["control-plane", "trigger-current", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(plan["pipelineRun"]?.stringValue == name)
        #expect(
            plan.lookup("manifest.spec.params")?.arrayValue?.contains { $0["name"] == "git-revision" && $0["value"]?.stringValue == commit }
                == true)
        #expect(try lane.git(["rev-parse", "HEAD"], in: lane.worktree).stdout.hasPrefix(commit) == false)
        #expect(try lane.ars(["control-plane", "trigger-current"]).status == 4)
        #expect(!(try lane.names(["-n", "agentrun-ci", "get", "pipelineruns.tekton.dev"]).contains(name)))

        let confirmed = try lane.ars(["control-plane", "trigger-current", "--confirm", "--plan", plan["planId"]?.stringValue ?? ""])
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        #expect(confirmed.stdout.contains("next: control-plane status --node local --lane sandbox --pipeline-run \(name)"))
        #expect(try lane.git(["rev-parse", "HEAD"], in: lane.worktree).stdout.hasPrefix(commit))
        let created = try lane.kubectl(["-n", "agentrun-ci", "get", "pipelineruns.tekton.dev", name])
        #expect(created.lookup("metadata.labels")?["tekton.dev/pipeline"] == "agentrun-v01-ci")

        // The sandbox moves it to Succeeded on its clock; then a second trigger is refused.
        var verdict = ""
        for _ in 0..<40 where verdict != "succeeded" {
            verdict = try lane.json(["control-plane", "status", "--pipeline-run", name]).value.lookup("target.verdict")?.stringValue ?? ""
            if verdict != "succeeded" { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(verdict == "succeeded")
        let again = try lane.ars(["control-plane", "trigger-current", "--confirm"])
        #expect(again.status == 4)
        #expect(again.stderr.contains("has already succeeded"))
    }

    @Test func triggerCurrentReplacesAFailedRunOfTheSameCommit() throws {
        let lane = try ClusterLane()
        let commit = try lane.pushToOrigin()
        let name = "agentrun-v01-ci-" + commit.prefix(7)
        let failed = """
            {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun",
             "metadata": {"name": "\(name)", "namespace": "agentrun-ci", "labels": {"tekton.dev/pipeline": "agentrun-v01-ci"},
                          "annotations": {"sandbox.ars/outcome": "Failed"}},
             "spec": {"pipelineRef": {"name": "agentrun-v01-ci"}, "params": [{"name": "git-revision", "value": "\(commit)"}]}}
            """
        let created = try lane.clusterKubectl(["create", "-f", "-"], stdin: failed)
        #expect(created.status == 0, "\(created.stderr)")
        var state = ""
        for _ in 0..<40 where state != "failed" {
            state = try lane.json(["control-plane", "status", "--pipeline-run", name]).value.lookup("target.verdict")?.stringValue ?? ""
            if state != "failed" { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(state == "failed")
        let uid = try lane.kubectl(["-n", "agentrun-ci", "get", "pipelineruns.tekton.dev", name]).lookup("metadata.uid")?.stringValue

        let (plan, dry) = try lane.json(["control-plane", "trigger-current", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(plan["actions"]?.arrayValue?.contains(.string("delete failed PipelineRun agentrun-ci/\(name)")) == true, "\(plan)")
        let confirmed = try lane.ars(["control-plane", "trigger-current", "--confirm", "--plan", plan["planId"]?.stringValue ?? ""])
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        let replacement = try lane.kubectl(["-n", "agentrun-ci", "get", "pipelineruns.tekton.dev", name])
        #expect(replacement.lookup("metadata.uid")?.stringValue != uid, "a new run, not the failed one")
        #expect(replacement.lookup("metadata.annotations")?["ars.agentrun.dev/triggered-by"] == "control-plane trigger-current")
    }

    @Test func triggerCurrentRefusesADirtyWorktree() throws {
        let lane = try ClusterLane()
        _ = try lane.ars(["worktree", "check"])  // creates the sandbox's repositories
        try "scratch\n".write(toFile: lane.worktree + "/scratch.txt", atomically: true, encoding: .utf8)
        let result = try lane.ars(["control-plane", "trigger-current", "--dry-run"])
        #expect(result.status == 4)
        #expect(result.stderr.contains("is not ready: clean 1 changed: ?? scratch.txt"), "\(result.stderr)")
    }

    // MARK: worktree

    @Test func worktreeCheckReportsEachExpectation() throws {
        let lane = try ClusterLane()
        let (check, result) = try lane.json(["worktree", "check"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(check["ok"] == true)
        #expect((check["checks"]?.arrayValue ?? []).map { $0["name"]?.stringValue ?? "" } == ["path", "branch", "origin", "clean"])
        #expect(check["checks"]?.arrayValue?[1]["found"] == "v0.1...origin/v0.1")

        try "scratch\n".write(toFile: lane.worktree + "/scratch.txt", atomically: true, encoding: .utf8)
        try lane.git(["checkout", "--quiet", "-b", "elsewhere"], in: lane.worktree)
        let dirty = try lane.ars(["worktree", "check"])
        #expect(dirty.status == 1)
        #expect(dirty.stdout.contains("is not ready: branch, clean failed"), "\(dirty.stdout)")
        #expect(dirty.stdout.contains("?? scratch.txt"))
        #expect(dirty.stdout.contains("elsewhere (no upstream)"))
    }

    @Test func worktreeCreateNeedsConfirmAndStartsFromOrigin() throws {
        let lane = try ClusterLane()
        #expect(try lane.ars(["worktree", "create", "fix-egress"]).status == 4)
        try "scratch\n".write(toFile: lane.worktree + "/scratch.txt", atomically: true, encoding: .utf8)
        let dirty = try lane.ars(["worktree", "create", "fix-egress", "--confirm"])
        #expect(dirty.status == 4)
        #expect(dirty.stderr.contains("is not ready: clean 1 changed: ?? scratch.txt"), "\(dirty.stderr)")
        try FileManager.default.removeItem(atPath: lane.worktree + "/scratch.txt")
        #expect(try lane.ars(["worktree", "create", "bad..name", "--confirm"]).status == 2)
        let commit = try lane.pushToOrigin()
        let (plan, dry) = try lane.json(["worktree", "create", "fix-egress", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(plan["baseCommit"]?.stringValue == commit)
        #expect(!FileManager.default.fileExists(atPath: lane.worktree + "/.worktree/fix-egress"))

        // origin moves after the dry run: its plan no longer holds.
        let planID = try #require(plan["planId"]?.stringValue)
        #expect(plan["confirm"]?.stringValue == "worktree create fix-egress --node local --lane sandbox --confirm --plan \(planID)")
        let moved = try lane.pushToOrigin()
        let stale = try lane.ars(["worktree", "create", "fix-egress", "--confirm", "--plan", planID])
        #expect(stale.status == 4)
        #expect(stale.stderr.contains("the world changed since the dry run"), "\(stale.stderr)")
        #expect(!FileManager.default.fileExists(atPath: lane.worktree + "/.worktree/fix-egress"))

        let created = try lane.json(["worktree", "create", "fix-egress", "--confirm"])
        #expect(created.result.status == 0, "\(created.result.stderr)")
        #expect(created.value["commit"]?.stringValue == moved)
        #expect(commit != moved)
        #expect(try lane.git(["rev-parse", "--abbrev-ref", "HEAD"], in: lane.worktree + "/.worktree/fix-egress").stdout == "fix-egress\n")
        // The fixed worktree stays clean, and a second create of the same branch is refused.
        #expect(try lane.ars(["worktree", "check"]).status == 0)
        #expect(try lane.ars(["worktree", "create", "fix-egress", "--confirm"]).status == 4)
    }

    // MARK: kubectl

    @Test func kubectlReadsButNeverWrites() throws {
        let lane = try ClusterLane()
        let pods = try lane.ars(["kubectl", "-n", "agentrun-v01", "get", "pods"])
        #expect(pods.status == 0, "\(pods.stderr)")
        #expect(pods.stdout.contains("agentrun-manager-74q4grvdk9-btqpq"))
        let delete = try lane.ars(["kubectl", "-n", "agentrun-ci", "delete", "pipelineruns.tekton.dev", "--all"])
        #expect(delete.status == 4)
        #expect(try lane.names(["-n", "agentrun-ci", "get", "pipelineruns.tekton.dev"]).count == 6)
        let missing = try lane.ars(["kubectl", "-n", "agentrun-v01", "get", "deployment", "nope"])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains(#"deployments.apps "nope" not found"#))
    }

    @Test func secretValuesAreRedactedInEveryFormatKubectlCanPrint() throws {
        let lane = try ClusterLane()
        let value = "fixture-not-a-real-key-7f3c"
        let encoded = Data(value.utf8).base64EncodedString()
        for format in ["json", "yaml", "jsonpath={.data.HWLAB_API_KEY}", "go-template={{.data.HWLAB_API_KEY|base64decode}}"] {
            let result = try lane.ars(["kubectl", "-n", "agentrun-v01", "get", "secret", "agentrun-runner-5qv8d-env", "-o", format])
            #expect(result.status == 0, "\(format): \(result.stderr)")
            #expect(result.stdout.contains("[REDACTED]"), "\(format): \(result.stdout)")
            for text in [result.stdout, result.stderr] {
                #expect(!text.contains(value) && !text.contains(encoded), "\(format) leaked: \(text)")
            }
        }
    }

    @Test func theSandboxClustersTokenNeverShows() throws {
        let lane = try ClusterLane()
        // kubectl prints request URLs (which carry the token) at -v=6.
        let verbose = try lane.ars(["kubectl", "-v=6", "-n", "agentrun-v01", "get", "pods"])
        #expect(verbose.status == 0, "\(verbose.stderr)")
        // The kubeconfig of that start (each start makes a new token) is still on disk.
        let kubeconfig = try String(contentsOfFile: lane.serverState + "/kubeconfig", encoding: .utf8)
        let token = try #require(kubeconfig.components(separatedBy: "/k8s/").dropFirst().first?.prefix { $0.isLetter || $0.isNumber })
        #expect(token.count >= 16)
        #expect(verbose.stderr.contains("/k8s/[REDACTED]/"), "\(verbose.stderr)")
        #expect(!verbose.stdout.contains(token) && !verbose.stderr.contains(token))
    }

    @Test func everyCommandInEveryOutputFormat() throws {
        let lane = try ClusterLane()
        let commands: [[String]] = [
            ["control-plane", "status"], ["control-plane", "status", "--full", "--raw"],
            ["control-plane", "cleanup-runs", "--dry-run"], ["control-plane", "cleanup-released-pvs", "--dry-run"],
            ["control-plane", "refresh", "--dry-run"], ["worktree", "check"], ["worktree", "create", "x", "--dry-run"],
        ]
        for command in commands {
            let human = try lane.ars(command)
            #expect(human.status == 0, "\(command): \(human.stderr)")
            #expect(!human.stdout.isEmpty && !human.stdout.hasPrefix("{"), "\(command)")
            let json = try lane.ars(command + ["-o", "json"])
            let yaml = try lane.ars(command + ["-o", "yaml"])
            let fromJSON = try JSON.decode(json.stdout)
            #expect(fromJSON["apiVersion"] == "ars/v1", "\(command)")
            #expect(try YAML.decode(yaml.stdout)["kind"] == fromJSON["kind"], "\(command)")
        }
    }

    // MARK: scenarios

    @Test func anotherScenarioFolderIsReplayedAsTheCluster() throws {
        let lane = try ClusterLane()
        let scenario = lane.home + "/scenario"
        try FileManager.default.createDirectory(atPath: scenario, withIntermediateDirectories: true)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/SandboxCore/Resources/Scenarios/g14-healthy/pvs.json")
        try FileManager.default.copyItem(atPath: source.path, toPath: scenario + "/pvs.json")
        let volumes = try lane.ars(["--scenario", scenario, "kubectl", "get", "persistentvolumes", "-o", "json"])
        #expect(volumes.status == 0, "\(volumes.stderr)")
        #expect((try JSON.decode(volumes.stdout))["items"]?.arrayValue?.count == 9)
        let runs = try lane.ars(["--scenario", scenario, "kubectl", "-n", "agentrun-ci", "get", "pipelineruns.tekton.dev", "-o", "json"])
        #expect((try JSON.decode(runs.stdout))["items"]?.arrayValue?.isEmpty == true)
    }
}

@Suite(.serialized) struct ControlPlaneCloseoutTests {
    static let example = repositoryRoot + "/docs/examples/control-plane-closeout.ars"

    @Test func theCloseoutExamplePassesOnTheDefaultScenarioAndWritesEvidence() throws {
        let lane = try ClusterLane()
        let evidence = lane.home + "/out"
        let result = try lane.ars(["run", Self.example, "--evidence", evidence])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let markdown = try String(contentsOfFile: evidence + "/evidence.md", encoding: .utf8)
        #expect(markdown.contains("Argo CD runs the GitOps latest"))
        #expect(try JSON.decode(try String(contentsOfFile: evidence + "/evidence.json", encoding: .utf8))["status"] != nil)
    }

    @Test func aRecordedControlPlaneCloseoutReplaysOfflineWithTheSameResults() throws {
        let lane = try ClusterLane()
        let recording = lane.home + "/control-plane.recording.json"
        let live = try lane.ars(["run", Self.example, "--record", recording, "-o", "json"])
        #expect(live.status == 0, "\(live.stderr)")
        let recorded = try JSON.decode(try String(contentsOfFile: recording, encoding: .utf8))
        let kinds = Set((recorded["exchanges"]?.arrayValue ?? []).compactMap { $0["kind"]?.stringValue })
        #expect(kinds == ["exec"])

        // No sandbox, no cluster, no git: the catalogue it generated and the recording only.
        let catalogue = lane.home + "/state/ars/sandbox/agentrun.yaml"
        let replayed = try runProcess(
            [
                builtProducts.appendingPathComponent("ars").path, "--config", catalogue, "run", Self.example, "--replay", recording, "-o",
                "json",
            ],
            environment: lane.environment.merging(["PATH": "/nonexistent"]) { $1 }, directory: lane.home)
        #expect(replayed.status == 0, "\(replayed.stderr)")
        func assertions(_ json: String) throws -> [String] {
            (try JSON.decode(json)["assertions"]?.arrayValue ?? []).map {
                "\($0["location"] ?? .null) \($0["holds"] ?? .null) \($0["actual"] ?? .null)"
            }
        }
        #expect(try assertions(replayed.stdout) == assertions(live.stdout))
        #expect(try assertions(live.stdout).count >= 8)
    }

    /// The rollout closeout end to end: build, promote, Argo sync, rollout — with the example's
    /// poll intervals shortened to suit the test's sandbox speed.
    @Test func theRolloutCloseoutExamplePassesAfterAMergedChange() throws {
        let lane = try ClusterLane()
        let commit = try lane.pushToOrigin()
        let example = try String(contentsOfFile: repositoryRoot + "/docs/examples/rollout-closeout.ars", encoding: .utf8)
            .replacingOccurrences(of: "--every 30s", with: "--every 200ms").replacingOccurrences(of: "--every 15s", with: "--every 200ms")
        let script = lane.home + "/rollout.ars"
        try example.write(toFile: script, atomically: true, encoding: .utf8)
        let result = try lane.ars(["run", script, "--evidence", lane.home + "/out", "-o", "json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let evidence = try JSON.decode(try String(contentsOfFile: lane.home + "/out/evidence.json", encoding: .utf8))
        #expect(evidence.lookup("evidence[0].value.source.commit")?.stringValue == commit, "\(evidence)")
        #expect(evidence.lookup("evidence[0].value.manager.image")?.stringValue?.hasSuffix("v01-" + commit.prefix(7)) == true)
    }
}
