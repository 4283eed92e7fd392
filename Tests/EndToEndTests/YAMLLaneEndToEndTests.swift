import Commands
import Foundation
import Testing

/// The sandbox's YAML-only lane `local/v02` end to end, one-shot `ars --sandbox` calls on one
/// state: its source branch still carries deploy/deploy.json, its GitOps path is empty, its
/// Secret source file is 0600 with invented values, its manager runs in agentrun-v02, and a real
/// Caddy is its edge.
@Suite(.serialized) struct YAMLLaneEndToEndTests {
    static let lane = ["--node", "local", "--lane", "v02"]

    /// origin's branch heads, for "nothing changed".
    static func heads(_ lane: ClusterLane) throws -> String {
        try lane.git(["for-each-ref", "--format=%(refname) %(objectname)", "refs/heads"], in: lane.origin).stdout
    }

    static func yamlWorktree(_ lane: ClusterLane) -> String { lane.serverState + "/git/agentrun-v02" }
    static let examplesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/examples").path
    static func secretFile(_ lane: ClusterLane) -> String { lane.serverState + "/secrets/agentrun-v02-db.env" }

    /// The invented values of the sandbox's Secret source file.
    static func secretValues(_ lane: ClusterLane) throws -> [String] {
        try String(contentsOfFile: secretFile(lane), encoding: .utf8).split(separator: "\n")
            .filter { !$0.hasPrefix("#") && $0.contains("=") }
            .map { String($0.split(separator: "=", maxSplits: 1)[1]) }
    }

    @Test(
        "plan renders the desired state and its diff, binds an id, and writes nothing: origin, the worktree and $TMPDIR stay as they were")
    func planReadsOnly() throws {
        let lane = try ClusterLane()
        let scratch = lane.home + "/tmp"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        lane.environment["TMPDIR"] = scratch
        try lane.prepare()
        let before = try Self.heads(lane)
        let (value, result) = try lane.json(["control-plane", "plan"] + Self.lane)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(value["kind"] == "ControlPlanePlan" && value["dryRun"] == true)
        #expect(value.lookup("source.removesDeployJson") == true, "the sandbox's v0.2 still carries deploy/deploy.json")
        let changes = value["changes"]?.arrayValue ?? []
        let paths = changes.compactMap { $0["path"]?.stringValue }
        #expect(paths.contains("deploy/agentrun-v02/manager-deployment.yaml"), "\(paths)")
        #expect(changes.allSatisfy { $0["change"] == "added" }, "\(changes)")
        let actions = (value["actions"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(actions.contains { $0.hasPrefix("clone v0.2") }, "\(actions)")
        #expect(actions.contains { $0.hasPrefix("delete deploy/deploy.json from v0.2 in its own commit") }, "\(actions)")
        let human = try lane.ars(["control-plane", "plan"] + Self.lane)
        #expect(human.stdout.contains("+ deploy/agentrun-v02/manager-deployment.yaml (new"), "\(human.stdout)")
        #expect(
            human.stdout.contains(
                "next: control-plane apply --node local --lane v02 --confirm --plan \(value["planId"]?.stringValue ?? "?")"))
        #expect(try Self.heads(lane) == before)
        #expect(!FileManager.default.fileExists(atPath: Self.yamlWorktree(lane)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty, "the scratch repository is removed")
    }

    @Test(
        "apply --confirm --plan: the source branch loses deploy/deploy.json in its own commit, GitOps gets the desired state for it; a moved origin refuses the old plan"
    )
    func applyCommitsAndPushes() throws {
        let lane = try ClusterLane()
        let (plan, _) = try lane.json(["control-plane", "apply", "--dry-run"] + Self.lane)
        let id = try #require(plan["planId"]?.stringValue)
        #expect(try lane.json(["control-plane", "plan"] + Self.lane).value["planId"] == .string(id), "plan and apply --dry-run agree")

        // Without --confirm nothing is written; a wrong plan id is refused before any write.
        let before = try Self.heads(lane)
        let wrong = try lane.ars(["control-plane", "apply", "--confirm", "--plan", "000000000000"] + Self.lane)
        #expect(wrong.status == 4 && wrong.stderr.contains("plan-changed"), "\(wrong.stderr)")
        #expect(try Self.heads(lane) == before)

        let (done, result) = try lane.json(["control-plane", "apply", "--confirm", "--plan", id] + Self.lane)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let commit = try #require(done["sourceCommit"]?.stringValue)
        let log = try lane.git(["log", "--format=%H %s", "-2", "v0.2"], in: lane.origin).stdout.split(separator: "\n")
        #expect(log.first?.hasPrefix(commit + " Remove deploy/deploy.json") == true, "\(log)")
        #expect(try lane.git(["ls-tree", "-r", "--name-only", "v0.2"], in: lane.origin).stdout.contains("deploy/deploy.json") == false)
        // Its parent still had it: only that one file changed in that commit.
        #expect(try lane.git(["show", "--name-only", "--format=", commit], in: lane.origin).stdout == "deploy/deploy.json\n")
        let deployment = try lane.git(["show", "v0.2-gitops:deploy/agentrun-v02/manager-deployment.yaml"], in: lane.origin).stdout
        #expect(deployment.contains("image: registry.d601.unidesk.invalid/agentrun/manager:\(commit)"), "\(deployment)")
        #expect(deployment.contains("secretKeyRef"))
        #expect(try lane.git(["show", "v0.2-gitops:artifacts/agentrun-v02.yaml"], in: lane.origin).stdout.contains("commit: \(commit)"))
        #expect(try lane.git(["rev-parse", "HEAD"], in: Self.yamlWorktree(lane)).stdout.hasPrefix(commit))

        // The sandbox's Argo CD syncs the GitOps directory: the manager rolls out to the new image.
        let (status, _) = try lane.json(["control-plane", "status"] + Self.lane)
        #expect(status.lookup("argo.matchesGitops") == true, "\(status)")
        #expect(status.lookup("gitops.matchesCatalogue") == true && status.lookup("source.deployJsonPresent") == false)
        #expect(status.lookup("workload.imageMatches") == true && status.lookup("workload.missingEnv") == [], "\(status)")
        #expect(status.lookup("workload.replicas") == 1 && status.lookup("workload.readyReplicas") == 1, "\(status)")

        let again = try lane.ars(["control-plane", "plan"] + Self.lane)
        #expect(again.stdout.contains("in sync"), "\(again.stdout)")

        // Someone pushes to the GitOps branch after a dry run: the old plan is refused, nothing written.
        let (stale, _) = try lane.json(["control-plane", "apply", "--dry-run"] + Self.lane)
        let clone = lane.home + "/gitops"
        try lane.git(["clone", "--quiet", "--branch", "v0.2-gitops", lane.origin, clone], in: lane.home)
        try "someone else\n".write(toFile: clone + "/NOTE.md", atomically: true, encoding: .utf8)
        try lane.git(["add", "NOTE.md"], in: clone)
        try lane.git(["commit", "--quiet", "-m", "someone else"], in: clone)
        try lane.git(["push", "--quiet", "origin", "v0.2-gitops"], in: clone)
        let moved = try Self.heads(lane)
        let refused = try lane.ars(["control-plane", "apply", "--confirm", "--plan", stale["planId"]?.stringValue ?? ""] + Self.lane)
        #expect(refused.status == 4 && refused.stderr.contains("plan-changed"), "\(refused.stderr)")
        #expect(try Self.heads(lane) == moved)
    }

    @Test("trigger-current on the YAML-only lane applies, then creates the commit-pinned run with the lane's prefix; a second is refused")
    func triggerCurrent() throws {
        let lane = try ClusterLane()
        let (done, result) = try lane.json(["control-plane", "trigger-current", "--confirm"] + Self.lane)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let commit = try #require(done["sourceCommit"]?.stringValue)
        let name = "agentrun-v02-ci-" + commit.prefix(7)
        #expect(done["pipelineRun"] == .string(name))
        let run = try lane.kubectl(["-n", "agentrun-ci", "get", "pipelineruns.tekton.dev", name])
        let parameters = run.lookup("spec.params")?.arrayValue ?? []
        #expect(parameters.contains(["name": "git-revision", "value": .string(commit)]), "\(parameters)")
        let again = try lane.ars(["control-plane", "trigger-current", "--confirm"] + Self.lane)
        #expect(again.status == 4 && again.stderr.contains("run-exists"), "\(again.stderr)")
    }

    @Test(
        "secret-sync: hashes only, the values on kubectl's stdin alone; never in output, evidence or recording; a file others can read is refused"
    )
    func secretSync() throws {
        let lane = try ClusterLane()
        try lane.prepare()
        let values = try Self.secretValues(lane)
        #expect(values.count == 2 && values.allSatisfy { $0.count >= 16 })
        let mode = try FileManager.default.attributesOfItem(atPath: Self.secretFile(lane))[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let (plan, dry) = try lane.json(["control-plane", "secret-sync", "--dry-run"] + Self.lane)
        #expect(dry.status == 0, "\(dry.stderr)")
        let keys = plan["secrets"]?.arrayValue?.first?["keys"]?.arrayValue ?? []
        #expect(keys.compactMap { $0["key"]?.stringValue } == ["POSTGRES_PASSWORD", "DATABASE_URL"])
        #expect(keys.compactMap { $0["change"]?.stringValue } == ["changed", "added"], "\(keys)")
        #expect(keys.allSatisfy { ($0["sha256"]?.stringValue ?? "").hasPrefix("sha256:") })
        let oldPassword = try lane.clusterKubectl([
            "-n", "agentrun-v02", "get", "secret", "agentrun-v02-db", "-o", "jsonpath={.data.POSTGRES_PASSWORD}",
        ])
        .stdout

        // Group-readable: refused, nothing sent.
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: Self.secretFile(lane))
        let open = try lane.ars(["control-plane", "secret-sync", "--confirm"] + Self.lane)
        #expect(open.status == 4 && open.stderr.contains("chmod 600"), "\(open.stderr)")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: Self.secretFile(lane))
        #expect(
            try lane.clusterKubectl(["-n", "agentrun-v02", "get", "secret", "agentrun-v02-db", "-o", "jsonpath={.data.POSTGRES_PASSWORD}"])
                .stdout
                == oldPassword)

        // The seed's order as one closeout, with evidence and a recording.
        let script = try String(contentsOfFile: Self.examplesDirectory + "/yaml-lane-secret-rotation.ars", encoding: .utf8)
        try script.write(toFile: lane.home + "/rotation.ars", atomically: true, encoding: .utf8)
        let run = try lane.ars([
            "run", "rotation.ars", "--var", "node=local", "--var", "lane=v02", "--evidence", "evidence", "--record", "rotation.rec.json",
        ])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let live = try lane.clusterKubectl(["-n", "agentrun-v02", "get", "secret", "agentrun-v02-db", "-o", "json"]).stdout
        let data = try JSON.decode(live)["data"]?.objectValue ?? Object()
        #expect(data["POSTGRES_PASSWORD"]?.stringValue.flatMap { Data(base64Encoded: $0) } == Data(values[0].utf8))
        #expect(data["DATABASE_URL"]?.stringValue.flatMap { Data(base64Encoded: $0) } == Data(values[1].utf8))

        var texts = [plan.plainText, dry.stdout, dry.stderr, open.stdout, open.stderr, run.stdout, run.stderr]
        for file in ["evidence/evidence.json", "evidence/evidence.md", "rotation.rec.json"] {
            texts.append(try String(contentsOfFile: lane.home + "/" + file, encoding: .utf8))
        }
        for value in values {
            for base in [value, Data(value.utf8).base64EncodedString()] {
                #expect(!texts.contains { $0.contains(base) }, "a Secret value was printed")
            }
        }
        let evidence = try JSON.decode(try String(contentsOfFile: lane.home + "/evidence/evidence.json", encoding: .utf8))
        #expect(evidence.plainText.contains("POSTGRES_PASSWORD"))
    }

    @Test("secret-sync with no source file yet (export-secrets not run) says how to make it, before any node is reached")
    func secretSourceMissing() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("ars-nosecret-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let catalogue = URL(fileURLWithPath: Self.examplesDirectory).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/agentrun.yaml").path
        // D601's bridge is `trans`, which this machine lacks: reaching the node would fail differently.
        let result = try runProcess(
            [
                builtProducts.appendingPathComponent("ars").path, "--config", catalogue, "control-plane", "secret-sync", "--node", "D601",
                "--lane", "v02", "--confirm",
            ],
            environment: ["HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"], directory: home)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("secret-source") && result.stderr.contains("does not exist"), "\(result.stderr)")
        #expect(result.stderr.contains("platform-db postgres export-secrets --confirm"), "\(result.stderr)")
    }

    @Test("restart --confirm rolls the manager out and reports the new ReplicaSet and its ready Pods; the dry run changes nothing")
    func restart() throws {
        let lane = try ClusterLane()
        let revision = { () throws -> String? in
            try lane.kubectl(["-n", "agentrun-v02", "get", "deployment", "agentrun-manager"]).lookup("metadata.annotations")?[
                "deployment.kubernetes.io/revision"]?.stringValue
        }
        let first = try revision()
        let dry = try lane.ars(["control-plane", "restart", "--dry-run"] + Self.lane)
        #expect(dry.status == 0 && dry.stdout.contains("would restart agentrun-v02/agentrun-manager"), "\(dry.stdout)\(dry.stderr)")
        #expect(try revision() == first)
        let (done, result) = try lane.json(["control-plane", "restart", "--confirm", "--timeout", "2m"] + Self.lane)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(done.lookup("after.revision") == .string(String((Int(first ?? "0") ?? 0) + 1)), "\(done)")
        let replicaSet = try #require(done["replicaSet"]?.stringValue)
        #expect(replicaSet.hasPrefix("agentrun-manager-"))
        let pods = done["readyPods"]?.arrayValue ?? []
        #expect(pods.count == 1 && pods.allSatisfy { $0.stringValue?.hasPrefix(replicaSet + "-") == true }, "\(pods)")
    }

    @Test(
        "expose --confirm writes the Caddy site and the allow-list entry and reloads a real Caddy; ars then works through the public HTTPS URL"
    )
    func expose() throws {
        let lane = try ClusterLane()
        let (plan, dry) = try lane.json(["control-plane", "expose", "--dry-run"] + Self.lane)
        #expect(dry.status == 0, "\(dry.stderr)")
        let site = try #require(plan["siteFile"]?.stringValue)
        #expect(!FileManager.default.fileExists(atPath: site))
        let (done, result) = try lane.json(
            ["control-plane", "expose", "--confirm", "--plan", plan["planId"]?.stringValue ?? ""] + Self.lane)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(done.lookup("health.status") == 200, "\(done)")
        #expect(try String(contentsOfFile: site, encoding: .utf8).contains("reverse_proxy 127.0.0.1:"))
        let again = try lane.ars(["control-plane", "expose", "--dry-run"] + Self.lane)
        #expect(again.stdout.contains("is already exposed"), "\(again.stdout)")
        let (status, _) = try lane.json(["control-plane", "status"] + Self.lane)
        #expect(status.lookup("exposure.sitePresent") == true && status.lookup("exposure.allowListed") == true, "\(status)")
        #expect(status.lookup("exposure.health.status") == 200, "\(status)")

        // Through the public URL: the sandbox on its state, Caddy in front, ars over HTTPS with the edge's CA.
        let publicURL = try #require(done["publicUrl"]?.stringValue)
        let catalogue = try String(contentsOfFile: lane.home + "/state/ars/sandbox/agentrun.yaml", encoding: .utf8)
        let caRoot = try #require(
            catalogue.split(separator: "\n").first { $0.contains("caFile:") }?.split(separator: ":", maxSplits: 1).last
        )
        .trimmingCharacters(in: .whitespaces)
        try lane.withServer { key in
            let config = """
                apiVersion: ars/v1
                kind: LaneCatalog
                defaults: {node: edge, lane: v02}
                auth: {apiKeyEnv: ARS_PUBLIC_KEY}
                nodes:
                  edge:
                    bridge: {kind: local}
                    lanes:
                      v02: {restBaseUrl: "\(publicURL)", restCAFile: "\(caRoot)", namespace: agentrun-v02}
                """
            try config.write(toFile: lane.home + "/public.yaml", atomically: true, encoding: .utf8)
            let through = try runProcess(
                [builtProducts.appendingPathComponent("ars").path, "--config", lane.home + "/public.yaml", "get", "tasks", "-o", "json"],
                environment: ["HOME": lane.home, "PATH": "/usr/bin:/bin", "ARS_PUBLIC_KEY": key, "LANG": "C.UTF-8"], directory: lane.home)
            #expect(through.status == 0, "\(through.stdout)\(through.stderr)")
        }
    }

    @Test("status on the YAML-only lane: source, GitOps against the catalogue, the workload and Argo; read-only")
    func status() throws {
        let lane = try ClusterLane()
        try lane.prepare()
        let before = try Self.heads(lane)
        let (value, result) = try lane.json(["control-plane", "status"] + Self.lane)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(value["yamlOnly"] == true)
        #expect(value.lookup("source.deployJsonPresent") == true)
        #expect(value.lookup("gitops.matchesCatalogue") == false)
        #expect(value.lookup("workload.readyReplicas") == 1)
        #expect(value.lookup("argo.application") == "argocd/agentrun-local-v02")
        #expect(try Self.heads(lane) == before)
        let human = try lane.ars(["control-plane", "status"] + Self.lane)
        #expect(human.stdout.contains("still carries deploy/deploy.json"), "\(human.stdout)")
        #expect(human.stdout.contains("next: control-plane plan --node local --lane v02"))
    }

    @Test("completion offers plan, apply, secret-sync, restart and expose only while the current lane is YAML-only")
    func completion() throws {
        let lane = try ClusterLane()
        let historic = try lane.ars(["__complete", "--shell=bash", "--", "control-plane", ""]).stdout.split(separator: "\n")
        #expect(historic.contains("status") && !historic.contains("plan") && !historic.contains("secret-sync"), "\(historic)")
        #expect(try lane.ars(["use", "lane", "v02", "--node", "local"]).status == 0)
        let yaml = try lane.ars(["__complete", "--shell=bash", "--", "control-plane", ""]).stdout.split(separator: "\n")
        #expect(["plan", "apply", "secret-sync", "restart", "expose", "status"].allSatisfy { yaml.contains(Substring($0)) }, "\(yaml)")
        // On the historic lane they refuse with a clear error, and write nothing.
        #expect(try lane.ars(["use", "lane", "sandbox", "--node", "local"]).status == 0)
        let refused = try lane.ars(["control-plane", "plan"])
        #expect(refused.status == 2 && refused.stderr.contains("not-yaml-only"), "\(refused.stderr)")
    }
}

extension ClusterLane {
    /// Runs `body` while the lane's sandbox serves its state on the address `ars --sandbox` keeps
    /// for it (so an exposed Caddy site reaches it), with the API key it was given.
    func withServer(_ body: (String) throws -> Void) throws {
        try prepare()
        let key = "test-only-key-\(UUID().uuidString.prefix(8))"
        let port = try String(contentsOfFile: home + "/state/ars/sandbox/port", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let server = Process()
        server.executableURL = builtProducts.appendingPathComponent("ars-sandbox")
        server.arguments = ["--state", serverState, "--port", port, "--speed", environment["ARS_SANDBOX_SPEED"] ?? "1"]
        server.environment = ["ARS_SANDBOX_API_KEY": key, "PATH": "/usr/bin:/bin", "HOME": home]
        let output = Pipe()
        server.standardOutput = output
        server.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try server.run()
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        #expect(String(decoding: line, as: UTF8.self).contains("127.0.0.1:\(port)"), "the sandbox did not take its port again")
        try body(key)
    }
}
