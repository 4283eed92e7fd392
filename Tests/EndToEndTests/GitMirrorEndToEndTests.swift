import Commands
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `git-mirror` against the sandbox's real mirror cache (bare git repositories on the local
/// node), through `ars --sandbox` and the local bridge.
@Suite(.serialized) struct GitMirrorEndToEndTests {
    static let agentrun = "github.com/pikasTech/agentrun.git"

    /// Dates the mirror's last fetch, as `git fetch` would by writing `FETCH_HEAD`.
    static func fetched(_ repository: String, at time: String) throws {
        let path = repository + "/FETCH_HEAD"
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        try FileManager.default.setAttributes([.modificationDate: try #require(RFC3339.parse(time))], ofItemAtPath: path)
    }

    @Test("git-mirror status lists the real cache: upstream, default branch, the real head, last fetch, refs, size; stale after 24 h")
    func status() throws {
        let lane = try ClusterLane()
        try lane.prepare()
        let repository = lane.serverState + "/git/git-mirror/" + Self.agentrun
        try Self.fetched(repository, at: "2025-11-18T08:30:00Z")
        let (value, result) = try lane.json(["git-mirror", "status"])
        #expect(result.status == 0, "\(result.stderr)")
        let entry = try #require(value["repositories"]?.arrayValue?.first { $0["path"] == .string(Self.agentrun) }, "\(value)")
        let head = try lane.git(["--git-dir", repository, "rev-parse", "refs/heads/v0.1"], in: lane.home).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(entry["defaultBranch"] == "v0.1")
        #expect(entry["head"] == .string(head))
        #expect(entry["upstream"] == .string(lane.origin))
        #expect(entry["lastFetch"] == "2025-11-18T08:30:00Z")
        #expect(entry["stale"] == false)
        #expect((entry["refs"]?.intValue ?? 0) >= 2 && (entry["sizeBytes"]?.intValue ?? 0) > 0)

        try Self.fetched(repository, at: "2025-10-18T08:30:00Z")
        let stale = try lane.ars(["git-mirror", "status"])
        #expect(stale.status == 0)
        #expect(stale.stdout.contains("(stale)") && stale.stdout.contains("1 stale"), "\(stale.stdout)")

        let one = try lane.json(["git-mirror", "status", "--repo", "https://github.com/pikasTech/agentrun"])
        #expect(one.result.status == 0 && one.value["repositories"]?.arrayValue?.count == 1)
        let gap = try lane.json(["git-mirror", "status", "--repo", "https://github.com/pikasTech/not-cached"])
        #expect(gap.result.status == 1)
        #expect(gap.value["missing"] == "github.com/pikasTech/not-cached.git")
        #expect(gap.value["owner"] == "infrastructure")
        #expect(gap.value["attribution"]?.stringValue?.contains("G14/devops-infra") == true)
    }

    @Test("git-mirror coverage: covered, missing (a cache gap owned by infrastructure, exit 1) and not mirrored, per aipod")
    func coverage() throws {
        let lane = try ClusterLane()
        try lane.prepare()
        try Self.fetched(lane.serverState + "/git/git-mirror/" + Self.agentrun, at: "2025-11-18T08:30:00Z")
        let catalogue = lane.home + "/mirror.yaml"
        try """
        defaults: {node: G14, lane: v01}
        nodes:
          G14:
            bridge: {kind: trans}
            lanes:
              v01:
                restBaseUrl: https://agentrun-v01.g14.unidesk.invalid
                namespace: agentrun-v01
                gitMirror:
                  cacheDir: /srv/git-mirror
                  baseUrl: http://git-mirror.devops-infra.svc.cluster.local:8080
                  bundles:
                    Artificer: [https://github.com/pikasTech/agentrun]
                    Other: [https://github.com/pikasTech/not-cached, https://gitlab.example.com/team/tool]

        """.write(toFile: catalogue, atomically: true, encoding: .utf8)
        let all = try lane.json(["--config", catalogue, "git-mirror", "coverage"])
        #expect(all.result.status == 1, "\(all.result.stderr)")
        let states = (all.value["items"]?.arrayValue ?? []).map { "\($0["aipod"]?.stringValue ?? "") \($0["state"]?.stringValue ?? "")" }
        #expect(states == ["Artificer covered", "Other missing", "Other not-mirrored"], "\(all.value)")
        let missing = all.value["items"]?.arrayValue?[1]
        #expect(missing?["owner"] == "infrastructure")
        #expect(missing?["attribution"]?.stringValue?.contains("never work around it") == true)
        let one = try lane.ars(["--config", catalogue, "git-mirror", "coverage", "--aipod", "Artificer"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(one.stdout.contains("covers all 1 bundle repositories"), "\(one.stdout)")
        let unknown = try lane.ars(["--config", catalogue, "git-mirror", "coverage", "--aipod", "Artificr"])
        #expect(unknown.status == 2 && unknown.stderr.contains("did you mean 'Artificer'"), "\(unknown.stderr)")
    }

    @Test("git-mirror rewrite applies the lane's rule; a URL with a token is refused and never echoed")
    func rewrite() throws {
        let lane = try ClusterLane()
        let plain = try lane.json(["git-mirror", "rewrite", "git@github.com:pikasTech/unidesk.git"])
        #expect(plain.result.status == 0)
        #expect(plain.value["mirrorUrl"] == "http://git-mirror.devops-infra.svc.cluster.local:8080/github.com/pikasTech/unidesk.git")
        let token = "ghp_sEcReT0123456789abcdef"
        let refused = try lane.ars(["git-mirror", "rewrite", "https://\(token)@github.com/pikasTech/unidesk"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("error[mirror-credentials]"), "\(refused.stderr)")
        #expect(!refused.stderr.contains(token) && !refused.stdout.contains(token))
    }

    @Test(
        "git-mirror verify passes a run that came through the mirror, and names the owner of each failure: rollout commit without a pin, a missing skill, mirror unused, a rewrite off the rule, a cache gap"
    )
    func verify() async throws {
        // A sandbox of its own: its mirror faults touch no other test's runs.
        let sandbox = try SandboxServer()
        defer { sandbox.stop() }
        let catalogue = sandbox.directory + "/mirror.yaml"
        try """
        defaults: {node: local, lane: sandbox}
        auth: {apiKeyEnv: \(SandboxServer.keyVariable)}
        nodes:
          local:
            bridge: {kind: local}
            lanes:
              sandbox:
                restBaseUrl: '\(sandbox.baseURL)'
                namespace: agentrun-v01
                gitMirror:
                  cacheDir: \(sandbox.directory)/state/git/git-mirror
                  baseUrl: http://git-mirror.devops-infra.svc.cluster.local:8080

        """.write(toFile: catalogue, atomically: true, encoding: .utf8)
        func ars(_ words: [String]) throws -> (value: Value, result: ProcessResult) {
            let result = try sandbox.ars(words + ["-o", "json"], config: catalogue)
            return ((try? JSON.decode(result.stdout)) ?? .null, result)
        }
        /// A dispatched task's run, once it has materialized its bundles.
        func newRun(_ prompt: String) throws -> String {
            let created = try ars(["create", "task", "--aipod", "Artificer", "--prompt", prompt, "--dispatch"]).value
            let id = try #require(created["id"]?.stringValue)
            _ = try sandbox.waitForTerminal(id)
            return try #require(try ars(["get", "task/\(id)"]).value["runId"]?.stringValue)
        }
        func fault(_ body: String?) async throws {
            var request = URLRequest(url: URL(string: sandbox.baseURL + "/api/v1/admin/mirror-faults")!)
            request.httpMethod = body == nil ? "DELETE" : "POST"
            request.setValue("Bearer \(sandbox.key)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = body.map { Data($0.utf8) }
            let (_, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
        }
        func failedChecks(_ value: Value) -> [String] {
            (value["failures"]?.arrayValue ?? []).map { "\($0["check"]?.stringValue ?? "") \($0["owner"]?.stringValue ?? "-")" }
        }

        let good = try newRun("through the mirror")
        let passed = try ars(["git-mirror", "verify", "run/\(good)", "--skill", "agentrun-closeout"])
        #expect(passed.result.status == 0, "\(passed.result.stdout)\(passed.result.stderr)")
        #expect(passed.value["verified"] == true && passed.value.lookup("summary.bundles") == 1)
        let commit = try #require(passed.value["bundles"]?.arrayValue?.first?["commitId"]?.stringValue)
        let listed = try runProcess(
            [
                "/usr/bin/git", "--git-dir", sandbox.directory + "/state/git/git-mirror/github.com/pikasTech/unidesk.git", "cat-file", "-e",
                commit + "^{commit}",
            ],
            environment: ["PATH": "/usr/bin:/bin"], directory: sandbox.directory)
        #expect(listed.status == 0, "the reported commit is in the real mirror")

        let rollout = try ars(["git-mirror", "verify", "run/\(good)", "--rollout-commit", commit, "--skill", "no-such-skill"])
        #expect(rollout.result.status == 1)
        #expect(failedChecks(rollout.value) == ["rollout AgentRun", "skill AgentRun"], "\(rollout.value)")

        for (body, expected) in [
            (#"{"fault":"mirror-unused"}"#, ["mirror-used AgentRun", "fetch-url AgentRun"]),
            (#"{"fault":"fetch-url-mismatch"}"#, ["fetch-url AgentRun"]),
            (#"{"fault":"mirror-missing"}"#, ["in-mirror infrastructure"]),
        ] {
            try await fault(body)
            let run = try newRun("fault \(body)")
            let verdict = try ars(["git-mirror", "verify", "run/\(run)"])
            #expect(verdict.result.status == 1, "\(body)")
            #expect(failedChecks(verdict.value) == expected, "\(body): \(verdict.value)")
            try await fault(nil)
        }
    }
}
