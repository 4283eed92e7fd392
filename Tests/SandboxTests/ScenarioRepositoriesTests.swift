import Foundation
import SandboxCore
import Testing

/// The scenario's invented commit ids become real ones: deterministic repositories built from the
/// scenario documents, and a rewrite of the documents.
@Suite("ScenarioRepositories")
struct ScenarioRepositoriesTests {
    static let current = "3f9c2ab9fbfc2378abcf4db0d361388c746462c1"
    static let gitopsLatest = "7d346009055cb34f86c9e460807a08bc29d43416"
    static let runs = [
        "3f9c2ab9fbfc2378abcf4db0d361388c746462c1", "8d41e074b1bbe70036aa746bac519ea2eaca0bb4",
        "c07be1978be42b17e5ea63481501caba41c6e92d", "5b2e6f0fe64a7dc83a07d5a982222e5ff92ad393",
        "a1d9c44f115952392b9bdd92217bf0715cac06db", "e6f1b388fd5b70a5beb23b931cc19dfceffbc271",
    ]

    @Test("the default scenario: the source head is the current commit, short ids agree, the GitOps head is Argo's revision")
    func defaultScenario() throws {
        let directory = try Scratch()
        let repos = try ScenarioRepositories.prepare(directory: directory.path, documents: Scenario.documents())
        #expect(repos.freshlyBuilt)
        #expect(repos.sourceBranch == "v0.1")
        #expect(repos.gitopsBranch == "v0.1-gitops")

        let head = try #require(repos.commitMap[Self.current])
        #expect(repos.sourceHead() == head)
        #expect(repos.sourceCommits.last == head)
        #expect(repos.sourceCommits.count == 7, "an initial commit and one per PipelineRun")
        #expect(try git(["rev-parse", "HEAD"], in: repos.worktreePath) == head)

        for full in Self.runs {
            let real = try #require(repos.commitMap[full], "\(full) is mapped")
            let short = try #require(repos.commitMap[String(full.prefix(7))], "\(full.prefix(7)) is mapped")
            #expect(real.hasPrefix(short) && short.count == 7)
            #expect(repos.sourceCommits.contains(real))
        }
        // Oldest run first: e6f1b38, a1d9c44, 5b2e6f0, c07be19, 8d41e07, 3f9c2ab.
        let order = ["e6f1b38", "a1d9c44", "5b2e6f0", "c07be19", "8d41e07", "3f9c2ab"].map { repos.commitMap[$0] }
        #expect(repos.sourceCommits.dropFirst().map { String($0.prefix(7)) } == order.compactMap { $0 })
        let log = try git(["rev-list", "--reverse", "refs/heads/v0.1"], gitDir: repos.originPath)
        #expect(log.split(separator: "\n").map(String.init) == repos.sourceCommits)
        let trees = try repos.sourceCommits.map { try git(["rev-parse", "\($0)^{tree}"], gitDir: repos.originPath) }
        #expect(Set(trees).count == trees.count, "every commit changes the tree")

        // GitOps: Argo CD's history 41, 42 and the synced revision, which is the head.
        let gitopsHead = try #require(repos.gitopsHead())
        #expect(repos.commitMap[Self.gitopsLatest] == gitopsHead)
        #expect(repos.commitMap["7d34600"] == String(gitopsHead.prefix(7)))
        #expect(repos.gitopsCommits.count == 4)
        #expect(repos.gitopsCommits.last == gitopsHead)
        #expect(repos.commitMap["f426093050a0a3fd80fdc7f8636824b93aeb7f8d"] == repos.gitopsCommits[1])
        #expect(repos.commitMap["df0d4aa9239bd4ac5ba7c6bedf5a69a792b3f947"] == repos.gitopsCommits[2])
        let gitopsLog = try git(["rev-list", "--reverse", "refs/heads/v0.1-gitops"], gitDir: repos.originPath)
        #expect(gitopsLog.split(separator: "\n").map(String.init) == repos.gitopsCommits)
        #expect(repos.gitopsFile == "deploy/agentrun-v01/kustomization.yaml")
        let desired = try git(["show", "refs/heads/v0.1-gitops:\(repos.gitopsFile)"], gitDir: repos.originPath)
        let promoted = try #require(repos.commitMap["8d41e07"])
        #expect(desired.contains("  - name: registry.unidesk.lan/agentrun/manager\n    newTag: v01-\(promoted)\n"))
        #expect(desired.hasSuffix("  - name: registry.unidesk.lan/agentrun/runner\n    newTag: v01-\(promoted)"))
        let first = try git(["show", "\(repos.gitopsCommits[1]):\(repos.gitopsFile)"], gitDir: repos.originPath)
        #expect(first.contains("newTag: v01-\(try #require(repos.commitMap["5b2e6f0"]))"), "history 41 promoted 5b2e6f0")

        // The fixed worktree: on v0.1 tracking origin/v0.1, clean, origin is the bare repository.
        #expect(try git(["status", "--short", "--branch"], in: repos.worktreePath) == "## v0.1...origin/v0.1")
        #expect(try git(["remote", "get-url", "origin"], in: repos.worktreePath) == repos.originPath)

        // The mirror holds both branches at the same commits.
        #expect(repos.mirrorRepositoryPath == repos.mirrorPath + "/github.com/pikasTech/agentrun.git")
        let refs = try git(["for-each-ref", "--format=%(refname) %(objectname)"], gitDir: repos.mirrorRepositoryPath)
        #expect(refs.contains("refs/heads/v0.1 \(head)"))
        #expect(refs.contains("refs/heads/v0.1-gitops \(gitopsHead)"))
        #expect(try git(["config", "--bool", "remote.origin.mirror"], gitDir: repos.mirrorRepositoryPath) == "true")

        // scenario-commits.json records the map and the paths.
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: repos.manifestPath))) as? [String: Any])
        #expect(repos.manifestPath == directory.path + "/scenario-commits.json")
        #expect(manifest["commits"] as? [String: String] == repos.commitMap)
        #expect(manifest["worktreePath"] as? String == repos.worktreePath)
        #expect(manifest["originPath"] as? String == repos.originPath)
    }

    @Test("the rewrite renames runs, revisions and image tags, and leaves uids and PVC names alone")
    func rewrite() throws {
        let directory = try Scratch()
        let documents = try Scenario.documents()
        let repos = try ScenarioRepositories.prepare(directory: directory.path, documents: documents)
        let short = try #require(repos.commitMap["3f9c2ab"])

        let original = try #require(documents["agentrun-ci-pipelineruns.json"])
        let rewritten = repos.rewrite(original)
        #expect(rewritten.contains("\"agentrun-v01-ci-\(short)\""))
        #expect(rewritten.contains("\"agentrun-v01-ci-\(short)-swift-test\""))
        #expect(!rewritten.contains("agentrun-v01-ci-3f9c2ab"))
        #expect(!rewritten.contains(Self.current))
        let before = try Scenario.items(original)
        let after = try Scenario.items(rewritten)
        #expect(
            after.map { ($0["metadata"] as? [String: Any])?["uid"] as? String }
                == before.map { ($0["metadata"] as? [String: Any])?["uid"] as? String })
        let revisions = after.compactMap { item -> String? in
            let params = (item["spec"] as? [String: Any])?["params"] as? [[String: Any]] ?? []
            return params.first { $0["name"] as? String == "git-revision" }?["value"] as? String
        }
        #expect(Set(revisions) == Set(Self.runs.compactMap { repos.commitMap[$0] }))
        for item in after {
            let name = try #require((item["metadata"] as? [String: Any])?["name"] as? String)
            let revision = try #require(revisions.first { name == "agentrun-v01-ci-" + $0.prefix(7) }, "\(name) names its revision")
            #expect(repos.sourceCommits.contains(revision))
        }

        // PVC names (10 hex after pvc-) and uids stay; owner references follow the renamed runs.
        let pvcs = try #require(documents["agentrun-ci-pvcs.json"])
        let pvcsAfter = repos.rewrite(pvcs)
        #expect(try Scenario.items(pvcsAfter).map(Self.name) == Scenario.items(pvcs).map(Self.name))
        #expect(pvcsAfter.contains("\"pvc-882aa3a549\""))
        #expect(pvcsAfter.contains("\"agentrun-v01-ci-\(short)\""))
        #expect(pvcsAfter.components(separatedBy: "\"uid\"").count == pvcs.components(separatedBy: "\"uid\"").count)
        for uid in ["4f537f76-5dbb-451d-a6e5-230b3a9d7c47", "66e823a1-ac95-4c54-899b-65000097a00a"] {
            #expect(pvcsAfter.contains(uid))
        }

        // The manager runs the tag the GitOps head promotes; Argo CD's revision is the GitOps head.
        let deployment = repos.rewrite(try #require(documents["agentrun-v01-deployment-agentrun-manager.json"]))
        let tag = "v01-" + (try #require(repos.commitMap["8d41e07"]))
        #expect(deployment.contains("\"image\": \"registry.unidesk.lan/agentrun/manager:\(tag)\""))
        #expect(!deployment.contains("8d41e07"))
        let desired = try git(["show", "refs/heads/v0.1-gitops:\(repos.gitopsFile)"], gitDir: repos.originPath)
        #expect(desired.hasSuffix("newTag: \(tag)"))
        let application = repos.rewrite(try #require(documents["argocd-application-agentrun-g14-v01.json"]))
        let status = try #require(
            (try JSONSerialization.jsonObject(with: Data(application.utf8)) as? [String: Any])?["status"] as? [String: Any])
        #expect((status["sync"] as? [String: Any])?["revision"] as? String == repos.gitopsHead())

        // Only whole hex runs of 7 or 40 are ids.
        #expect(repos.rewrite("x-3f9c2ab-y") == "x-\(short)-y")
        #expect(repos.rewrite("ab3f9c2ab") == "ab3f9c2ab")
        #expect(repos.rewrite("3f9c2abf") == "3f9c2abf")
        #expect(repos.rewrite("3f9c2ab9fbfc") == "3f9c2ab9fbfc")
        #expect(repos.rewrite("rev \(Self.current).") == "rev \(repos.commitMap[Self.current]!).")
        #expect(repos.rewrite("0\(Self.current)") == "0\(Self.current)")
        #expect(repos.rewrite("名前 3f9c2ab ✓") == "名前 \(short) ✓")
    }

    @Test("the same scenario gives the same real ids in any folder")
    func deterministic() throws {
        let one = try Scratch()
        let two = try Scratch()
        let documents = try Scenario.documents()
        let first = try ScenarioRepositories.prepare(directory: one.path, documents: documents)
        let second = try ScenarioRepositories.prepare(directory: two.path + "/nested/deeper", documents: documents)
        #expect(first.commitMap == second.commitMap)
        #expect(first.sourceCommits == second.sourceCommits)
        #expect(first.gitopsCommits == second.gitopsCommits)
        #expect(first.commitMap.count == 18, "6 runs and 3 Argo revisions, full and short")
        // Pinned: a change here means every machine's ids changed (bump ScenarioHistory.currentFormat).
        #expect(first.sourceCommits.last == Self.pinnedSourceHead)
        #expect(first.gitopsCommits.last == Self.pinnedGitopsHead)
    }

    static let pinnedSourceHead = "fc4295e8257456093623c482d78d0681f55c470f"
    static let pinnedGitopsHead = "49973a6e900cd1440dc2db73bd3fba8cda88550a"

    @Test("prepare reopens what it built, rebuilds for another scenario, and reads the GitOps head live")
    func reopen() throws {
        let directory = try Scratch()
        let documents = try Scenario.documents()
        let clock = ContinuousClock()
        var built: ScenarioRepositories?
        let buildTime = try clock.measure {
            built = try ScenarioRepositories.prepare(directory: directory.path, documents: documents)
        }
        var reopened: ScenarioRepositories?
        let reopenTime = try clock.measure {
            reopened = try ScenarioRepositories.prepare(directory: directory.path, documents: documents)
        }
        let first = try #require(built)
        let again = try #require(reopened)
        print("ScenarioRepositories.prepare: build \(buildTime), reopen \(reopenTime)")
        #expect(first.freshlyBuilt)
        #expect(!again.freshlyBuilt)
        #expect(again.commitMap == first.commitMap)
        #expect(again.worktreePath == first.worktreePath)

        // A push to the GitOps branch shows in gitopsHead() and survives a reopen.
        let clone = directory.path + "/push"
        _ = try git(["clone", "--quiet", "--branch", "v0.1-gitops", first.originPath, clone], in: directory.path)
        try Data("bump\n".utf8).write(to: URL(fileURLWithPath: clone + "/NOTE"))
        _ = try git(["add", "NOTE"], in: clone)
        _ = try git(["-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "bump"], in: clone)
        _ = try git(["push", "--quiet", "origin", "v0.1-gitops"], in: clone)
        let pushed = try git(["rev-parse", "HEAD"], in: clone)
        #expect(first.gitopsHead() == pushed)
        let third = try ScenarioRepositories.prepare(directory: directory.path, documents: documents)
        #expect(!third.freshlyBuilt)
        #expect(third.gitopsHead() == pushed)

        // Another scenario (one run fewer) in the same folder: rebuilt from scratch.
        var fewer = documents
        fewer["agentrun-ci-pipelineruns.json"] = try Scenario.dropping(
            "agentrun-v01-ci-3f9c2ab", from: documents["agentrun-ci-pipelineruns.json"]!)
        let other = try ScenarioRepositories.prepare(directory: directory.path, documents: fewer)
        #expect(other.freshlyBuilt)
        #expect(other.commitMap[Self.current] == nil)
        #expect(other.sourceCommits.count == 6)
        #expect(other.sourceHead() == other.commitMap["8d41e074b1bbe70036aa746bac519ea2eaca0bb4"])
        #expect(other.gitopsHead() == other.commitMap[Self.gitopsLatest])
        #expect(try git(["status", "--short", "--branch"], in: other.worktreePath) == "## v0.1...origin/v0.1")

        // A broken build is not reopened: without the mirror, prepare builds again.
        try FileManager.default.removeItem(atPath: other.mirrorRepositoryPath)
        let repaired = try ScenarioRepositories.prepare(directory: directory.path, documents: fewer)
        #expect(repaired.freshlyBuilt)
        #expect(repaired.commitMap == other.commitMap)
    }

    @Test("concurrent preparers of one folder build once and agree")
    func concurrent() throws {
        let directory = try Scratch()
        let documents = try Scenario.documents()
        let results = Collected()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            results.add(Result { try ScenarioRepositories.prepare(directory: directory.path, documents: documents) })
        }
        let prepared = try results.all.map { try $0.get() }
        #expect(prepared.count == 4)
        #expect(prepared.filter(\.freshlyBuilt).count == 1)
        #expect(Set(prepared.map(\.commitMap)).count == 1)
        #expect(prepared.first?.sourceHead() == Self.pinnedSourceHead)
    }

    @Test("a scenario without PipelineRuns or Application still gets both branches, and an empty map")
    func emptyScenario() throws {
        let directory = try Scratch()
        let repos = try ScenarioRepositories.prepare(directory: directory.path, documents: ["empty-list.json": Scenario.emptyList])
        #expect(repos.commitMap.isEmpty)
        #expect(repos.sourceCommits.count == 1)
        #expect(repos.gitopsCommits.count == 1)
        #expect(repos.sourceHead() == repos.sourceCommits[0])
        #expect(repos.gitopsHead() == repos.gitopsCommits[0])
        #expect(try git(["status", "--short", "--branch"], in: repos.worktreePath) == "## v0.1...origin/v0.1")
        #expect(repos.rewrite("3f9c2ab") == "3f9c2ab")
        let refs = try git(["for-each-ref", "--format=%(refname)"], gitDir: repos.mirrorRepositoryPath)
        #expect(refs == "refs/heads/v0.1\nrefs/heads/v0.1-gitops\nrefs/heads/v0.2\nrefs/heads/v0.2-gitops", "and the YAML-only lane's")
    }

    @Test("errors name the git command that failed and what it said")
    func errors() throws {
        let directory = try Scratch()
        // A mirror path that is the origin itself: `git clone --mirror` refuses the non-empty folder.
        let error = try #require(throws: ScenarioRepositoriesError.self) {
            try ScenarioRepositories.prepare(directory: directory.path, documents: [:], mirrorRepository: "../origin.git")
        }
        #expect(error.description.contains("`git clone --quiet --mirror"), "\(error)")
        #expect(error.description.contains("already exists and is not an empty directory"), "\(error)")

        // A file where the folder must go.
        let blocked = directory.path + "/file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocked))
        #expect(throws: ScenarioRepositoriesError.self) {
            try ScenarioRepositories.prepare(directory: blocked + "/repos", documents: [:])
        }

        let repos = try ScenarioRepositories.prepare(directory: directory.path + "/ok", documents: [:])
        try FileManager.default.removeItem(atPath: repos.originPath)
        #expect(repos.gitopsHead() == nil)
    }

    static func name(_ item: [String: Any]) -> String? {
        (item["metadata"] as? [String: Any])?["name"] as? String
    }
}

// MARK: - Support

/// The default scenario's documents, read from the source tree.
enum Scenario {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/SandboxCore/Resources/Scenarios/g14-healthy")

    static let emptyList =
        "{\n    \"apiVersion\": \"v1\",\n    \"items\": [],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n"

    static func documents() throws -> [String: String] {
        var documents: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".json") {
            documents[name] = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        }
        return documents
    }

    static func items(_ text: String) throws -> [[String: Any]] {
        let list = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        return list["items"] as? [[String: Any]] ?? []
    }

    static func dropping(_ name: String, from text: String) throws -> String {
        var list = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        list["items"] = (list["items"] as? [[String: Any]] ?? []).filter { ScenarioRepositoriesTests.name($0) != name }
        return String(decoding: try JSONSerialization.data(withJSONObject: list), as: UTF8.self)
    }
}

/// Results gathered from several threads.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<ScenarioRepositories, any Error>] = []

    func add(_ result: Result<ScenarioRepositories, any Error>) {
        lock.lock()
        results.append(result)
        lock.unlock()
    }

    var all: [Result<ScenarioRepositories, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}

/// A temporary folder removed when the value goes away.
final class Scratch: Sendable {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ars-scenario-repos-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        path = url.standardizedFileURL.path
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs git without the user's or the system's configuration; trimmed stdout, throws on failure.
func git(_ arguments: [String], in directory: String? = nil, gitDir: String? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["git"] + (gitDir.map { ["--git-dir=\($0)"] } ?? []) + arguments
    var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GIT_") }
    environment["HOME"] = "/dev/null"
    environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
    environment["GIT_CONFIG_NOSYSTEM"] = "1"
    environment["LC_ALL"] = "C"
    process.environment = environment
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let message = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw GitFailure(description: "git \(arguments.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))")
    }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

struct GitFailure: Error, CustomStringConvertible {
    let description: String
}

@Suite("ScenarioRepositories: the bundle repository's mirror")
struct BundleMirrorTests {
    /// Pinned: a change here means every machine's ids changed (bump ScenarioHistory.currentFormat).
    static let pinnedBundleHead = "fca557e3c55178620a40ba67534cfac131059a3e"

    @Test("the git-mirror cache holds a fetched bare mirror of unidesk with stable commits; a removed one is rebuilt on reopen")
    func bundleMirror() throws {
        let directory = try Scratch()
        let repos = try ScenarioRepositories.prepare(directory: directory.path, documents: [:])
        #expect(repos.bundleRepositoryPath == repos.mirrorPath + "/github.com/pikasTech/unidesk.git")
        #expect(repos.bundleCommits.count == 2)
        #expect(repos.bundleCommits.last == Self.pinnedBundleHead)
        let path = repos.bundleRepositoryPath
        #expect(try git(["rev-parse", "--is-bare-repository"], gitDir: path) == "true")
        #expect(try git(["for-each-ref", "--format=%(refname) %(objectname)"], gitDir: path) == "refs/heads/main \(Self.pinnedBundleHead)")
        #expect(try git(["symbolic-ref", "HEAD"], gitDir: path) == "refs/heads/main")
        #expect(try git(["config", "remote.origin.url"], gitDir: path) == "https://github.com/pikasTech/unidesk.git")
        #expect(try git(["show", "main:prompts/aipods/artificer.md"], gitDir: path).hasPrefix("# Artificer"))
        let fetchHead = try String(contentsOfFile: path + "/FETCH_HEAD", encoding: .utf8)
        #expect(fetchHead.hasPrefix(Self.pinnedBundleHead + "\t\tbranch 'main' of https://github.com/pikasTech/unidesk"))

        // Reopened as is; a removed bundle mirror comes back with the same commits, the rest untouched.
        let source = repos.sourceHead()
        try FileManager.default.removeItem(atPath: path)
        let reopened = try ScenarioRepositories.prepare(directory: directory.path, documents: [:])
        #expect(!reopened.freshlyBuilt)
        #expect(reopened.bundleCommits == repos.bundleCommits)
        #expect(try git(["rev-parse", "refs/heads/main"], gitDir: path) == Self.pinnedBundleHead)
        #expect(reopened.sourceHead() == source)

        // A manifest from before the bundle mirror (no bundle fields) rebuilds everything.
        let data = try Data(contentsOf: URL(fileURLWithPath: repos.manifestPath))
        var manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(manifest.removeValue(forKey: "bundleCommits") != nil && manifest.removeValue(forKey: "bundleRepositoryPath") != nil)
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: repos.manifestPath))
        let rebuilt = try ScenarioRepositories.prepare(directory: directory.path, documents: [:])
        #expect(rebuilt.freshlyBuilt)
        #expect(rebuilt.bundleCommits == repos.bundleCommits)
    }
}
