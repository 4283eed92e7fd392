import Foundation
import SandboxCore
import Testing

/// What the simulated controllers do to the scenario repositories: CI's promotion into the GitOps
/// branch, the desired image tags Argo CD reads, the git-mirror's fetch.
@Suite("ScenarioRepositories: promotion, desired images, mirror")
struct ScenarioPromotionTests {
    static let manager = "registry.unidesk.lan/agentrun/manager"
    static let runner = "registry.unidesk.lan/agentrun/runner"
    static let completion = Date(timeIntervalSince1970: 1_763_456_490)  // 2025-11-18T09:01:30Z

    /// Pushes a new commit onto origin's source branch (a merged change) and returns its id.
    static func pushChange(_ repos: ScenarioRepositories, in scratch: Scratch, text: String = "a merged change") throws -> String {
        let clone = scratch.path + "/clone-\(UUID().uuidString.prefix(6))"
        _ = try git(["clone", "--quiet", "--branch", repos.sourceBranch, repos.originPath, clone])
        try "\(text)\n".write(toFile: clone + "/CHANGE.md", atomically: true, encoding: .utf8)
        _ = try git(["add", "CHANGE.md"], in: clone)
        _ = try git(
            ["-c", "user.name=Test", "-c", "user.email=t@example.invalid", "commit", "--quiet", "-m", text], in: clone)
        _ = try git(["push", "--quiet", "origin", repos.sourceBranch], in: clone)
        return try git(["rev-parse", "HEAD"], in: clone)
    }

    @Test("a promotion is one dated commit on the GitOps head: both image tags v01-<short>, the run in its message; once per run")
    func promoteOnce() throws {
        let scratch = try Scratch()
        let repos = try ScenarioRepositories.prepare(directory: scratch.path + "/git", documents: Scenario.documents())
        #expect(repos.pipeline == "agentrun-v01-ci")
        let before = try #require(repos.gitopsHead())
        let commit = try Self.pushChange(repos, in: scratch)
        let short = String(commit.prefix(7))
        let run = "agentrun-ci/agentrun-v01-ci-\(short)"

        let head = try #require(try repos.promote(commit: commit, pipelineRun: run, uid: "uid-1", at: Self.completion))
        #expect(repos.gitopsHead() == head)
        #expect(try git(["rev-parse", "\(head)^"], gitDir: repos.originPath) == before, "on top of the previous head")
        #expect(
            try git(["log", "-1", "--format=%an <%ae> %at %cn <%ce> %ct", head], gitDir: repos.originPath)
                == "AgentRun Sandbox <sandbox@agentrun.invalid> 1763456490 AgentRun Sandbox <sandbox@agentrun.invalid> 1763456490")
        #expect(
            try git(["log", "-1", "--format=%B", head], gitDir: repos.originPath)
                == "agentrun-v01: promote v01-\(short)\n\nPipelineRun: \(run)\nPipelineRun-UID: uid-1\nSource-Commit: \(commit)")
        #expect(try git(["diff", "--name-only", before, head], gitDir: repos.originPath) == repos.gitopsFile, "only the GitOps file")
        let file = try git(["show", "\(head):\(repos.gitopsFile)"], gitDir: repos.originPath)
        #expect(file.contains("  - name: \(Self.manager)\n    newTag: v01-\(short)\n  - name: \(Self.runner)\n    newTag: v01-\(short)"))
        #expect(file.contains("# Promotion 4 (2025-11-18T09:01:30Z)."), "\(file)")
        #expect(repos.desiredImages(at: head) == [Self.manager: "v01-\(short)", Self.runner: "v01-\(short)"])
        let promotedBefore = try #require(repos.commitMap["8d41e07"])
        #expect(repos.desiredImages(at: before) == [Self.manager: "v01-\(promotedBefore)", Self.runner: "v01-\(promotedBefore)"])

        // The same run again (a replayed completion): nothing new, the head is answered.
        #expect(try repos.promote(commit: commit, pipelineRun: run, uid: "uid-1", at: Self.completion.addingTimeInterval(60)) == head)
        #expect(try git(["rev-list", "--count", "refs/heads/\(repos.gitopsBranch)"], gitDir: repos.originPath) == "5")
        // Another run of the same commit redeploys the same tag; a short id and a branch resolve too.
        let again = try #require(try repos.promote(commit: short, pipelineRun: run, uid: "uid-2", at: Self.completion))
        #expect(again != head)
        #expect(try git(["log", "-1", "--format=%s", again], gitDir: repos.originPath) == "agentrun-v01: redeploy v01-\(short)")
        #expect(try repos.promote(commit: "v0.1", pipelineRun: "agentrun-ci/by-branch", at: Self.completion) != nil)
        #expect(repos.desiredImages(at: repos.gitopsHead() ?? "")[Self.manager] == "v01-\(short)")

        // Nothing origin has, or no revision at all: no promotion.
        let head3 = repos.gitopsHead()
        for revision in ["0123456789abcdef0123456789abcdef01234567", "--all", "v0.1 v0.1-gitops", "HEAD..v0.1", ""] {
            #expect(try repos.promote(commit: revision, pipelineRun: "agentrun-ci/x", at: Self.completion) == nil, "\(revision)")
        }
        #expect(repos.gitopsHead() == head3)
        #expect(repos.desiredImages(at: "--all").isEmpty)
        #expect(repos.desiredImages(at: "0123456789abcdef0123456789abcdef01234567").isEmpty)
    }

    @Test("promotions are deterministic: the same scenario, commit, run and time give the same GitOps commit anywhere")
    func deterministic() throws {
        var heads: [String] = []
        for _ in 0..<2 {
            let scratch = try Scratch()
            let repos = try ScenarioRepositories.prepare(directory: scratch.path + "/git", documents: Scenario.documents())
            let source = try #require(repos.sourceHead())
            heads.append(try #require(try repos.promote(commit: source, pipelineRun: "agentrun-ci/r", uid: "u", at: Self.completion)))
        }
        #expect(heads[0] == heads[1])
    }

    @Test("a GitOps branch whose file names no images gets an images section for every pinned image")
    func noImagesYet() throws {
        let scratch = try Scratch()
        let repos = try ScenarioRepositories.prepare(directory: scratch.path + "/git", documents: [:])
        let source = try #require(repos.sourceHead())
        let head = try #require(try repos.promote(commit: source, pipelineRun: "agentrun-ci/r", at: Self.completion))
        let file = try git(["show", "\(head):\(repos.gitopsFile)"], gitDir: repos.originPath)
        #expect(file.hasSuffix("images:\n  - name: \(Self.manager)\n    newTag: \(source.prefix(7))"), "\(file)")
        #expect(repos.desiredImages(at: head) == [Self.manager: String(source.prefix(7))])
    }

    @Test("the git-mirror fetch brings origin's new commits into the mirror and dates FETCH_HEAD at the sandbox time")
    func mirrorFetch() throws {
        let scratch = try Scratch()
        let repos = try ScenarioRepositories.prepare(directory: scratch.path + "/git", documents: Scenario.documents())
        let commit = try Self.pushChange(repos, in: scratch)
        let promoted = try #require(try repos.promote(commit: commit, pipelineRun: "agentrun-ci/r", at: Self.completion))
        let heads = ["for-each-ref", "--format=%(refname) %(objectname)"]
        #expect(try git(heads, gitDir: repos.mirrorRepositoryPath) != (try git(heads, gitDir: repos.originPath)), "behind before")

        try repos.fetchMirror(at: Self.completion.addingTimeInterval(30))
        #expect(try git(heads, gitDir: repos.mirrorRepositoryPath) == (try git(heads, gitDir: repos.originPath)))
        #expect(try git(["rev-parse", "refs/heads/v0.1-gitops"], gitDir: repos.mirrorRepositoryPath) == promoted)
        let fetched =
            try FileManager.default.attributesOfItem(atPath: repos.mirrorRepositoryPath + "/FETCH_HEAD")[.modificationDate] as? Date
        #expect(fetched == Self.completion.addingTimeInterval(30))
    }
}
