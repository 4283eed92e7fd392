#if canImport(Glibc)
    @preconcurrency import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation

/// Real git repositories behind a scenario's invented commit ids.
///
/// A scenario's documents name commits (the PipelineRuns' `git-revision`s and `<prefix><7 hex>`
/// names, the manager's image tag, Argo CD's revisions), but real commit ids cannot be chosen. So
/// the history those documents imply (`ScenarioHistory`) is written deterministically — fixed
/// identity and dates, no user or system git configuration — into real repositories, and
/// `rewrite(_:)` turns every invented id in a document into the real one. The same scenario gives
/// the same real ids on every machine and every git ≥ 2.30.
///
/// Layout under `directory`:
/// - `origin.git` — the bare origin: branches `v0.1` and `v0.1-gitops`, and the YAML-only lane's
///   `v0.2` and `v0.2-gitops` (`YamlLane`);
/// - `<lane>` (`agentrun-v01` for prefix `agentrun-v01-ci-`) — the fixed source worktree: a clone of origin on `v0.1` tracking `origin/v0.1`, clean;
/// - `agentrun-v02` — the YAML-only lane's worktree: announced, never made here (the shell clones it);
/// - `git-mirror/github.com/pikasTech/agentrun.git` — a `git clone --mirror` of origin in a
///   git-mirror cache folder (`git-mirror`);
/// - `git-mirror/github.com/pikasTech/unidesk.git` — the resource-bundle repository's mirror
///   (`BundleRepository.swift`): what runs materialize their default bundle from;
/// - `scenario-commits.json` — the id map, the paths and the history, for tests and humans.
public struct ScenarioRepositories: Sendable {
    /// The bare origin repository: branches `sourceBranch` and `gitopsBranch`.
    public let originPath: String
    /// The fixed source worktree: a clone of origin on `sourceBranch` tracking `origin/<sourceBranch>`, clean.
    public let worktreePath: String
    /// The YAML-only lane's worktree (`<directory>/agentrun-v02`): absent until the shell clones it.
    public var yamlLaneWorktreePath: String {
        (originPath as NSString).deletingLastPathComponent + "/" + YamlLane.worktreeName
    }
    /// The git-mirror cache folder (holds `mirrorRepositoryPath`).
    public let mirrorPath: String
    /// The `git clone --mirror` of origin inside `mirrorPath` (`…/github.com/pikasTech/agentrun.git`).
    public let mirrorRepositoryPath: String
    /// The bundle repository's mirror inside `mirrorPath` (`…/github.com/pikasTech/unidesk.git`).
    public let bundleRepositoryPath: String
    /// Real ids of the bundle repository's `main`, oldest first; the last is the branch head.
    public let bundleCommits: [String]
    /// `<directory>/scenario-commits.json`.
    public let manifestPath: String
    public let sourceBranch: String
    public let gitopsBranch: String
    /// The file the GitOps commits change, relative to the repository root (`deploy/agentrun-v01/kustomization.yaml`).
    public let gitopsFile: String
    /// Invented id → real id, full 40-hex ids and 7-hex short ids both.
    public let commitMap: [String: String]
    /// Real ids of the source branch, oldest (the initial commit) first; the last is the branch head.
    public let sourceCommits: [String]
    /// Real ids of the GitOps branch as built, oldest (the initial commit) first.
    public let gitopsCommits: [String]
    /// True when this call built the repositories, false when it reopened them.
    public let freshlyBuilt: Bool
    /// The Tekton pipeline whose successful runs promote into the GitOps branch (`agentrun-v01-ci`
    /// for the run prefix `agentrun-v01-ci-`).
    public let pipeline: String
    /// The history the repositories were built from (namespace, pinned images, tag prefix).
    let history: ScenarioHistory

    /// The mirror's path inside the cache folder when none is given.
    public static let defaultMirrorRepository = "github.com/pikasTech/agentrun.git"
    static let manifestName = "scenario-commits.json"

    /// Builds the repositories under `directory` on first use, or reopens them when they are present
    /// and were built from the same scenario (anything else there is replaced). The history is
    /// derived from the scenario documents (file name → text, before any rewrite).
    public static func prepare(
        directory: String,
        documents: [String: String],
        pipelineRunPrefix: String = "agentrun-v01-ci-",
        sourceBranch: String = "v0.1",
        gitopsBranch: String = "v0.1-gitops",
        mirrorRepository: String = defaultMirrorRepository
    ) throws -> ScenarioRepositories {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        let lane = ScenarioHistory.laneName(prefix: pipelineRunPrefix)
        let layout = Layout(
            origin: root.appendingPathComponent("origin.git").path,
            worktree: root.appendingPathComponent(lane).path,
            mirror: root.appendingPathComponent("git-mirror").path,
            mirrorRepository: root.appendingPathComponent("git-mirror").appendingPathComponent(mirrorRepository).path,
            bundleRepository: root.appendingPathComponent("git-mirror").appendingPathComponent(bundleMirrorRepository).path,
            manifest: root.appendingPathComponent(manifestName).path)
        let history = ScenarioHistory(
            documents: documents, pipelineRunPrefix: pipelineRunPrefix,
            sourceBranch: sourceBranch, gitopsBranch: gitopsBranch)

        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        } catch {
            throw ScenarioRepositoriesError.fileSystem("cannot create \(root.path): \(error)")
        }
        // One preparer at a time per folder (other threads or processes wait).
        let lock = try FolderLock(path: root.appendingPathComponent(".scenario-repositories.lock").path)
        defer { lock.release() }

        if let reopened = reopen(layout: layout, history: history) {
            // A bundle mirror removed meanwhile (the mirror-missing fault) comes back as it was.
            if !FileManager.default.fileExists(atPath: layout.bundleRepository + "/HEAD") {
                try buildBundleMirror(at: layout.bundleRepository)
            }
            // State from before the YAML-only lane gains its branches; pushed ones stay as they are.
            if let fork = reopened.sourceCommits.last { try YamlLane.prepareBranches(origin: layout.origin, fork: fork) }
            return reopened
        }

        let yamlLaneWorktree = root.appendingPathComponent(YamlLane.worktreeName).path
        for path in [layout.manifest, layout.origin, layout.worktree, yamlLaneWorktree, layout.mirror] {
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw ScenarioRepositoriesError.fileSystem("cannot remove the stale \(path): \(error)")
            }
        }
        return try build(layout: layout, history: history)
    }

    /// `text` with every invented id replaced by its real one: full 40-hex ids, and 7-hex short
    /// ids, each only where it is a whole run of hex digits (never part of a longer one).
    public func rewrite(_ text: String) -> String {
        CommitIds.rewrite(text, map: commitMap)
    }

    /// The current head of the GitOps branch in origin, read with git on each call; nil on error.
    public func gitopsHead() -> String? {
        head(of: gitopsBranch)
    }

    /// The current head of the source branch in origin, read with git on each call; nil on error.
    public func sourceHead() -> String? {
        head(of: sourceBranch)
    }

    /// The current head of `branch` in origin, read with git on each call; nil when origin has no such branch.
    public func branchHead(_ branch: String) -> String? {
        head(of: branch)
    }

    private func head(of branch: String) -> String? {
        guard let git = try? GitProcess(),
            let output = try? git.run(
                ["--git-dir=\(originPath)", "rev-parse", "--verify", "--quiet", "refs/heads/\(branch)^{commit}"],
                check: false),
            output.status == 0
        else { return nil }
        let id = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return CommitIds.isHex(id, length: 40) ? id : nil
    }

    // MARK: - Building

    struct Layout: Codable, Equatable {
        var origin: String
        var worktree: String
        var mirror: String
        var mirrorRepository: String
        var bundleRepository: String
        var manifest: String
    }

    /// What `scenario-commits.json` holds.
    struct Manifest: Codable {
        var originPath: String
        var worktreePath: String
        var mirrorPath: String
        var mirrorRepositoryPath: String
        var bundleRepositoryPath: String
        var sourceBranch: String
        var gitopsBranch: String
        var gitopsFile: String
        /// Invented id → real id.
        var commits: [String: String]
        var sourceCommits: [String]
        var gitopsCommits: [String]
        var bundleCommits: [String]
        var history: ScenarioHistory
    }

    private static func reopen(layout: Layout, history: ScenarioHistory) -> ScenarioRepositories? {
        let files = FileManager.default
        guard let data = files.contents(atPath: layout.manifest),
            let manifest = try? JSONDecoder().decode(Manifest.self, from: data),
            manifest.history == history,
            manifest.originPath == layout.origin, manifest.worktreePath == layout.worktree,
            manifest.mirrorPath == layout.mirror, manifest.mirrorRepositoryPath == layout.mirrorRepository,
            manifest.bundleRepositoryPath == layout.bundleRepository, !manifest.bundleCommits.isEmpty,
            files.fileExists(atPath: layout.origin + "/HEAD"),
            files.fileExists(atPath: layout.worktree + "/.git/HEAD"),
            files.fileExists(atPath: layout.mirrorRepository + "/HEAD")
        else { return nil }
        return ScenarioRepositories(layout: layout, manifest: manifest, freshlyBuilt: false)
    }

    private init(layout: Layout, manifest: Manifest, freshlyBuilt: Bool) {
        originPath = layout.origin
        worktreePath = layout.worktree
        mirrorPath = layout.mirror
        mirrorRepositoryPath = layout.mirrorRepository
        bundleRepositoryPath = layout.bundleRepository
        bundleCommits = manifest.bundleCommits
        manifestPath = layout.manifest
        sourceBranch = manifest.sourceBranch
        gitopsBranch = manifest.gitopsBranch
        gitopsFile = manifest.gitopsFile
        commitMap = manifest.commits
        sourceCommits = manifest.sourceCommits
        gitopsCommits = manifest.gitopsCommits
        self.freshlyBuilt = freshlyBuilt
        history = manifest.history
        var pipeline = manifest.history.pipelineRunPrefix
        while pipeline.hasSuffix("-") { pipeline.removeLast() }
        self.pipeline = pipeline
    }

    private static func build(layout: Layout, history: ScenarioHistory) throws -> ScenarioRepositories {
        let git = try GitProcess()
        let gitDir = "--git-dir=\(layout.origin)"
        try git.run(["-c", "init.defaultBranch=\(history.sourceBranch)", "init", "--bare", "--quiet", layout.origin])

        // Source branch.
        let sourceStream = ScenarioHistory.fastImportStream(
            branch: history.sourceBranch,
            commits: history.source.indices.map { index in
                (history.source[index].date, history.source[index].message, history.sourceFiles(upTo: index))
            })
        let sourceCommits = try fastImport(
            git: git, gitDir: gitDir, stream: sourceStream,
            count: history.source.count, origin: layout.origin)

        var map: [String: String] = [:]
        var realShort: [String: String] = [:]
        for (commit, real) in zip(history.source, sourceCommits) {
            if let short = commit.inventedShort {
                map[short] = String(real.prefix(7))
                realShort[short] = String(real.prefix(7))
            }
            if let full = commit.inventedFull { map[full] = real }
        }

        // GitOps branch: an orphan branch whose files name the real short ids.
        let gitopsStream = ScenarioHistory.fastImportStream(
            branch: history.gitopsBranch,
            commits: history.gitops.indices.map { index in
                (
                    history.gitops[index].date,
                    history.gitopsMessage(index, realShort: realShort),
                    history.gitopsFiles(upTo: index, realShort: realShort)
                )
            })
        let gitopsCommits = try fastImport(
            git: git, gitDir: gitDir, stream: gitopsStream,
            count: history.gitops.count, origin: layout.origin)
        for (commit, real) in zip(history.gitops, gitopsCommits) {
            if let full = commit.inventedFull {
                map[full] = real
                map[String(full.prefix(7))] = String(real.prefix(7))
            }
        }

        // The YAML-only lane's branches, forked from the source branch's head.
        if let fork = sourceCommits.last { try YamlLane.prepareBranches(origin: layout.origin, fork: fork) }

        // The fixed worktree and the mirror.
        try git.run(["clone", "--quiet", "--no-hardlinks", "--branch", history.sourceBranch, layout.origin, layout.worktree])
        try FileManager.default.createDirectory(
            atPath: (layout.mirrorRepository as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try git.run(["clone", "--quiet", "--mirror", "--no-hardlinks", layout.origin, layout.mirrorRepository])
        let bundleCommits = try buildBundleMirror(at: layout.bundleRepository)

        let manifest = Manifest(
            originPath: layout.origin, worktreePath: layout.worktree,
            mirrorPath: layout.mirror, mirrorRepositoryPath: layout.mirrorRepository, bundleRepositoryPath: layout.bundleRepository,
            sourceBranch: history.sourceBranch, gitopsBranch: history.gitopsBranch, gitopsFile: history.gitopsFile,
            commits: map, sourceCommits: sourceCommits, gitopsCommits: gitopsCommits, bundleCommits: bundleCommits,
            history: history)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(manifest).write(to: URL(fileURLWithPath: layout.manifest), options: .atomic)
        } catch {
            throw ScenarioRepositoriesError.fileSystem("cannot write \(layout.manifest): \(error)")
        }
        return ScenarioRepositories(layout: layout, manifest: manifest, freshlyBuilt: true)
    }

    /// Runs `git fast-import` on `stream` and returns the real ids of marks 1…`count`.
    static func fastImport(git: GitProcess, gitDir: String, stream: String, count: Int, origin: String) throws -> [String] {
        let marks = origin + "/ars-fast-import-\(UUID().uuidString).marks"
        defer { try? FileManager.default.removeItem(atPath: marks) }
        try git.run([gitDir, "fast-import", "--quiet", "--done", "--export-marks=\(marks)"], input: stream)
        guard let text = try? String(contentsOfFile: marks, encoding: .utf8) else {
            throw ScenarioRepositoriesError.fileSystem("git fast-import wrote no marks file at \(marks)")
        }
        var ids: [Int: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, parts[0].hasPrefix(":"), let mark = Int(parts[0].dropFirst()) else { continue }
            ids[mark] = String(parts[1])
        }
        let ordered = (1...count).compactMap { ids[$0] }
        guard ordered.count == count, ordered.allSatisfy({ CommitIds.isHex($0, length: 40) }) else {
            throw ScenarioRepositoriesError.fileSystem("git fast-import marks in \(marks) are incomplete: \(text)")
        }
        return ordered
    }
}

/// An exclusive `flock` on a file, held until `release()`.
private struct FolderLock {
    let descriptor: Int32

    init(path: String) throws {
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ScenarioRepositoriesError.fileSystem("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let message = String(cString: strerror(errno))
                close(descriptor)
                throw ScenarioRepositoriesError.fileSystem("cannot lock \(path): \(message)")
            }
        }
    }

    func release() {
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
