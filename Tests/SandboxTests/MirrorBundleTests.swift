import Foundation
import Testing

/// Resource bundles materialized through the sandbox's git-mirror cache: the real bundle
/// repository's mirror, its `FETCH_HEAD`, and the faults `/admin/mirror-faults` arms.
@Suite("Git-mirror: bundles materialize from the real mirror; mirror faults")
struct MirrorBundleTests {
    static let mirrorBaseUrl = "http://git-mirror.devops-infra.svc.cluster.local:8080"
    static let unideskFetchUrl = mirrorBaseUrl + "/github.com/pikasTech/unidesk.git"
    static let rollout = "89abcdef0123456789abcdef0123456789abcdef"

    @Test("the default bundle reports the real head of main in the unidesk mirror; both mirrors were fetched at the start")
    func realCommit() async throws {
        try await withSandbox(speed: frozen) { sandbox in
            let unidesk = Self.unidesk(sandbox)
            let head = try git(["rev-parse", "refs/heads/main"], gitDir: unidesk)
            let files = try git(["ls-tree", "-r", "--name-only", head], gitDir: unidesk).split(separator: "\n").map(String.init)
            #expect(
                Set(files) == [
                    "tools/trans", "tools/agentrun-cli", "prompts/aipods/artificer.md", ".agents/skills/agentrun-closeout/SKILL.md",
                    ".agents/skills/artificer/SKILL.md",
                ])
            #expect(try git(["ls-tree", head, "tools/trans"], gitDir: unidesk).hasPrefix("100755 "))
            #expect(try git(["config", "--bool", "remote.origin.mirror"], gitDir: unidesk) == "true")

            // Both mirrors look fetched at the sandbox's start.
            for repository in [unidesk, Self.mirror(sandbox) + "/github.com/pikasTech/agentrun.git"] {
                #expect(try Self.fetchedAt(repository) == SandboxInstance.start, "\(repository)")
            }

            let bundle = try await Self.materialized(sandbox, frozen: true)
            #expect(bundle["repoUrl"].string == "https://github.com/pikasTech/unidesk")
            #expect(bundle["requestedRef"].string == "main")
            #expect(bundle["requestedCommit"].isNull)
            #expect(bundle["mirrorUsed"] == .bool(true))
            #expect(bundle["fetchRepoUrl"].string == Self.unideskFetchUrl)
            let commit = try #require(bundle["commitId"].string)
            #expect(commit == head)
            _ = try git(["cat-file", "-e", "\(commit)^{commit}"], gitDir: unidesk)

            // The runner job stores the same bundle.
            let tasks = try await sandbox.data("/tasks")["items"].array
            let job = try await sandbox.data("/runnerjobs/\(tasks.first?["runnerJobId"].string ?? "")")
            #expect(job["bundles"][0]["commitId"].string == head)
        }
    }

    @Test("a pinned commit is reported as pinned; a repository not in the cache keeps the invented commit")
    func pinnedAndUncached() async throws {
        try await withSandbox { sandbox in
            let unidesk = Self.unidesk(sandbox)
            let previous = try git(["rev-parse", "refs/heads/main~1"], gitDir: unidesk)
            let body = """
                {"aipod": "Artificer", "prompt": "pinned", "runner": {"bundles": [
                  {"repoUrl": "https://github.com/pikasTech/unidesk.git", "ref": "main", "commit": "\(previous)"},
                  {"repoUrl": "https://github.com/pikasTech/HWLAB.git", "ref": "v0.2"}]}}
                """
            let created = try await sandbox.post("/tasks", body)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["data"]["id"].string)
            let dispatched = try await sandbox.post("/tasks/\(id)/dispatch").json["data"]
            let events = try await sandbox.follow(run: dispatched["runId"].string ?? "")
            let bundles = try #require(events.first { $0["type"].string == "resource-bundle-materialized" })["data"]["bundles"].array
            #expect(bundles.count == 2)
            #expect(bundles[0]["commitId"].string == previous)
            #expect(bundles[0]["requestedCommit"].string == previous)
            _ = try git(["cat-file", "-e", "\(previous)^{commit}"], gitDir: unidesk)
            let uncached = try #require(bundles[1]["commitId"].string)
            #expect(uncached.count == 40 && uncached.allSatisfy(\.isHexDigit))
            #expect(throws: GitFailure.self) { try git(["cat-file", "-e", "\(uncached)^{commit}"], gitDir: unidesk) }
            #expect(bundles[1]["mirrorUsed"] == .bool(true))
        }
    }

    @Test("mirror-missing removes the unidesk mirror from the cache; clearing rebuilds it with the same commits")
    func mirrorMissing() async throws {
        try await withSandbox { sandbox in
            let unidesk = Self.unidesk(sandbox)
            let head = try git(["rev-parse", "refs/heads/main"], gitDir: unidesk)
            let armed = try await sandbox.post("/admin/mirror-faults", #"{"fault": "mirror-missing"}"#)
            #expect(armed.status == 200, "\(armed.text)")
            #expect(armed.json["data"]["mirrorMissing"] == .bool(true))
            #expect(!FileManager.default.fileExists(atPath: unidesk))
            let listing = try FileManager.default.contentsOfDirectory(atPath: Self.mirror(sandbox) + "/github.com/pikasTech")
            #expect(listing == ["agentrun.git"])

            let bundle = try await Self.materialized(sandbox)
            let commit = try #require(bundle["commitId"].string)
            #expect(commit != head && commit.count == 40)
            #expect(bundle["fetchRepoUrl"].string == Self.unideskFetchUrl)

            let cleared = try await sandbox.send("DELETE", "/admin/mirror-faults")
            #expect(cleared.json["data"]["mirrorMissing"] == .bool(false))
            #expect(try git(["rev-parse", "refs/heads/main"], gitDir: unidesk) == head)
            #expect(try await Self.materialized(sandbox)["commitId"].string == head)
        }
    }

    @Test("mirror-stale dates both FETCH_HEADs 30 days back and stops fetching; clearing fetches at once")
    func mirrorStale() async throws {
        try await withSandbox(speed: frozen) { sandbox in
            let repositories = [Self.unidesk(sandbox), Self.mirror(sandbox) + "/github.com/pikasTech/agentrun.git"]
            let armed = try await sandbox.post("/admin/mirror-faults", #"{"fault": "mirror-stale"}"#)
            #expect(armed.status == 200, "\(armed.text)")
            #expect(armed.json["data"]["mirrorStale"] == .bool(true))
            #expect(armed.json["data"]["staleFetchAt"].string == "2026-04-01T08:00:00.000Z")
            for repository in repositories {
                #expect(try Self.fetchedAt(repository) == "2026-04-01T08:00:00Z", "\(repository)")
            }
            // The cluster's 60 s fetches do not happen while the cache is stale.
            _ = try await sandbox.advanceClock(180_000)
            for repository in repositories {
                #expect(try Self.fetchedAt(repository) == "2026-04-01T08:00:00Z", "\(repository)")
            }
            // Materialization still reads the (stale) mirror.
            let bundle = try await Self.materialized(sandbox, frozen: true)
            #expect(bundle["commitId"].string == (try git(["rev-parse", "refs/heads/main"], gitDir: repositories[0])))

            let cleared = try await sandbox.send("DELETE", "/admin/faults")
            #expect(cleared.status == 200)
            let state = try await sandbox.data("/admin/mirror-faults")
            #expect(state["mirrorStale"] == .bool(false) && state["staleFetchAt"].isNull)
            for repository in repositories {
                #expect(try Self.fetchedAt(repository) > "2026-05-01T08:03:00Z", "\(repository)")
            }
        }
    }

    @Test("rollout-commit, mirror-unused and fetch-url-mismatch change what the next bundles report; clearing restores them")
    func bundleFaults() async throws {
        try await withSandbox { sandbox in
            let head = try git(["rev-parse", "refs/heads/main"], gitDir: Self.unidesk(sandbox))

            let rollout = try await sandbox.post("/admin/mirror-faults", #"{"fault": "rollout-commit", "commit": "\#(Self.rollout)"}"#)
            #expect(rollout.json["data"]["rolloutCommit"].string == Self.rollout)
            var bundle = try await Self.materialized(sandbox)
            #expect(bundle["commitId"].string == Self.rollout)
            #expect(bundle["requestedCommit"].isNull)
            #expect(bundle["mirrorUsed"] == .bool(true) && bundle["fetchRepoUrl"].string == Self.unideskFetchUrl)
            _ = try await sandbox.send("DELETE", "/admin/mirror-faults")

            _ = try await sandbox.post("/admin/mirror-faults", #"{"fault": "mirror-unused"}"#)
            bundle = try await Self.materialized(sandbox)
            #expect(bundle["mirrorUsed"] == .bool(false))
            #expect(bundle["fetchRepoUrl"] == bundle["repoUrl"])
            #expect(bundle["commitId"].string == head)

            let mismatch = try await sandbox.post("/admin/mirror-faults", #"{"fault": "fetch-url-mismatch"}"#)
            #expect(mismatch.json["data"]["fetchUrlMismatch"] == .bool(true))
            #expect(mismatch.json["data"]["mirrorUnused"] == .bool(false), "the later of the two wins")
            bundle = try await Self.materialized(sandbox)
            #expect(bundle["mirrorUsed"] == .bool(true))
            #expect(bundle["fetchRepoUrl"].string == Self.mirrorBaseUrl + "/github.com/someone-else/unidesk.git")
            #expect(bundle["commitId"].string == head)

            let cleared = try await sandbox.send("DELETE", "/admin/mirror-faults")
            #expect(cleared.json["data"]["fetchUrlMismatch"] == .bool(false))
            bundle = try await Self.materialized(sandbox)
            #expect(bundle["commitId"].string == head && bundle["requestedCommit"].isNull)
            #expect(bundle["mirrorUsed"] == .bool(true) && bundle["fetchRepoUrl"].string == Self.unideskFetchUrl)
        }
    }

    @Test("a bad mirror fault is a 400 naming the field")
    func badRequests() async throws {
        try await withSandbox { sandbox in
            for (body, field) in [
                (#"{"fault": "meteor"}"#, "fault"), (#"{"fault": "rollout-commit"}"#, "commit"),
                (#"{"fault": "rollout-commit", "commit": "abc123"}"#, "commit"),
            ] {
                let reply = try await sandbox.post("/admin/mirror-faults", body)
                #expect(reply.status == 400, "\(body)")
                #expect(reply.json["error"]["details"]["field"].string == field, "\(body): \(reply.text)")
            }
            #expect(try await sandbox.data("/admin/mirror-faults")["rolloutCommit"].isNull)
        }
    }

    // MARK: - Helpers

    static func mirror(_ sandbox: SandboxClient) -> String {
        sandbox.instance.stateDirectory.appendingPathComponent("git/git-mirror").path
    }

    static func unidesk(_ sandbox: SandboxClient) -> String {
        mirror(sandbox) + "/github.com/pikasTech/unidesk.git"
    }

    /// `FETCH_HEAD`'s modification time, as RFC 3339 seconds in UTC.
    static func fetchedAt(_ repository: String) throws -> String {
        let attributes = try FileManager.default.attributesOfItem(atPath: repository + "/FETCH_HEAD")
        let date = try #require(attributes[.modificationDate] as? Date)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// Runs a task on the default bundle until its bundle is materialized; returns that bundle
    /// from the `resource-bundle-materialized` event. `frozen`: the sandbox clock only moves when
    /// told, so it is moved past the turn.
    static func materialized(_ sandbox: SandboxClient, frozen: Bool = false) async throws -> JSON {
        let task = try await sandbox.startTask("materialize the default bundle")
        if frozen { _ = try await sandbox.advanceClock(defaultTurn + 1) }
        let events = try await sandbox.follow(run: task["runId"].string ?? "") {
            $0["type"].string == "resource-bundle-materialized"
        }
        let event = try #require(events.first { $0["type"].string == "resource-bundle-materialized" })
        let bundles = event["data"]["bundles"].array
        #expect(bundles.count == 1)
        return try #require(bundles.first)
    }
}
