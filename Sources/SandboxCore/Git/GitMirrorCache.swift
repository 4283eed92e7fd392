import Foundation
import Synchronization

/// The sandbox's git-mirror cache folder (`<state>/git/git-mirror`) as the simulated runner
/// reads it when it materializes resource bundles, its fetches, and its failure modes.
///
/// Materialization (`materialize(_:)`): a GitHub bundle whose repository is in the cache
/// (`<cache>/github.com/<owner>/<name>.git`, e.g. the default bundle's
/// `github.com/pikasTech/unidesk.git`) reports the real head of the requested branch there
/// (`git rev-parse refs/heads/<ref>`), or the pinned commit when the request pins one; a
/// repository (or branch) not in the cache keeps the invented id of `RunnerFacts.materialize`.
///
/// Fetches (`fetch(at:)`, the cluster's 60 s git-mirror timer): origin's mirror runs
/// `git remote update`, and every mirror's `FETCH_HEAD` is dated at the sandbox time of the fetch.
///
/// Faults, armed with `POST /api/v1/admin/mirror-faults` and kept (in memory) until cleared; each
/// affects the runs materialized after it is armed:
/// - `{"fault": "mirror-missing"}` — the bundle repository (`github.com/pikasTech/unidesk.git`)
///   is removed from the cache; bundles from it get the invented commit id;
/// - `{"fault": "mirror-stale"}` — both mirrors' `FETCH_HEAD`s are dated 30 days before sandbox
///   now, and the cache stops fetching;
/// - `{"fault": "rollout-commit", "commit": "<40 hex>"}` — bundles report that commit as
///   `commitId`, with no pin (`requestedCommit: null`);
/// - `{"fault": "mirror-unused"}` — bundles report `mirrorUsed: false` and `fetchRepoUrl` = `repoUrl`;
/// - `{"fault": "fetch-url-mismatch"}` — bundles report `mirrorUsed: true` but the `fetchRepoUrl`
///   `<mirrorBaseUrl>/github.com/someone-else/<name>.git`.
/// (`mirror-unused` and `fetch-url-mismatch` exclude each other: the later one wins.)
/// `GET /api/v1/admin/mirror-faults` shows what is armed; `DELETE /api/v1/admin/mirror-faults`
/// (and `DELETE /api/v1/admin/faults`) clears everything: a removed repository is rebuilt (with
/// the same commits) and a stale cache fetches at once.
final class GitMirrorCache: Sendable {
    /// What is armed, as `/admin/mirror-faults` reports it.
    struct Armed: Codable, Sendable, Equatable {
        var mirrorMissing = false
        var mirrorStale = false
        /// The date the stale `FETCH_HEAD`s carry (30 days before the sandbox time of arming).
        @Nullable var staleFetchAt: Timestamp? = nil
        @Nullable var rolloutCommit: String? = nil
        var mirrorUnused = false
        var fetchUrlMismatch = false
    }

    /// The fault names `POST /admin/mirror-faults` accepts.
    static let faults = ["mirror-missing", "mirror-stale", "rollout-commit", "mirror-unused", "fetch-url-mismatch"]
    /// How far before sandbox now a stale mirror last fetched.
    static let staleAge: Int64 = 30 * 86_400_000

    /// The cache folder.
    let mirrorPath: String
    /// Origin's `git clone --mirror` (fetches from origin).
    let originMirrorPath: String
    /// The bundle repository's mirror (never fetched: its upstream is GitHub).
    let bundleRepositoryPath: String
    private let repositories: ScenarioRepositories
    private let armed = Mutex(Armed())

    init(repositories: ScenarioRepositories) {
        self.repositories = repositories
        mirrorPath = repositories.mirrorPath
        originMirrorPath = repositories.mirrorRepositoryPath
        bundleRepositoryPath = repositories.bundleRepositoryPath
    }

    /// What is armed now.
    var current: Armed { armed.withLock { $0 } }

    // MARK: - Fetching

    /// At server start: the bundle mirror was fetched now, and so was origin's mirror if it never
    /// was (its next fetches come from the cluster's timer). Nothing while the cache is stale.
    func started(at now: Timestamp) throws {
        try armed.withLock { armed in
            guard !armed.mirrorStale else { return }
            if !armed.mirrorMissing { try Self.date(fetchHead: bundleRepositoryPath, at: now) }
            if !FileManager.default.fileExists(atPath: originMirrorPath + "/FETCH_HEAD") {
                try Self.date(fetchHead: originMirrorPath, at: now)
            }
        }
    }

    /// One fetch of the cache at sandbox time `date`: origin's mirror runs `git remote update`;
    /// every mirror's `FETCH_HEAD` is dated `date`. A stale cache does not fetch.
    func fetch(at date: Date) throws {
        try armed.withLock { armed in
            guard !armed.mirrorStale else { return }
            if !armed.mirrorMissing, FileManager.default.fileExists(atPath: bundleRepositoryPath + "/HEAD") {
                try Self.date(fetchHead: bundleRepositoryPath, at: Timestamp(date))
            }
            try repositories.fetchMirror(at: date)
        }
    }

    // MARK: - Faults

    /// Arms a fault at sandbox time `now`; a 400 names the bad field.
    func arm(_ request: MirrorFaultRequest, now: Timestamp) throws -> Armed {
        guard Self.faults.contains(request.fault) else {
            throw APIError.badRequest(
                field: "fault", "fault must be one of \(Self.faults.joined(separator: ", ")) (got \"\(request.fault)\")")
        }
        var commit: String?
        if request.fault == "rollout-commit" {
            guard let given = request.commit?.lowercased(), CommitIds.isHex(given, length: 40) else {
                throw APIError.badRequest(field: "commit", "a rollout-commit fault needs commit: a full 40-hex commit id")
            }
            commit = given
        }
        return try armed.withLock { armed in
            switch request.fault {
            case "mirror-missing":
                if FileManager.default.fileExists(atPath: bundleRepositoryPath) {
                    do {
                        try FileManager.default.removeItem(atPath: bundleRepositoryPath)
                    } catch {
                        throw APIError.internal("cannot remove \(bundleRepositoryPath): \(error)")
                    }
                }
                armed.mirrorMissing = true
            case "mirror-stale":
                let stale = now.adding(milliseconds: -Self.staleAge)
                for repository in [originMirrorPath, bundleRepositoryPath]
                where FileManager.default.fileExists(atPath: repository + "/HEAD") {
                    try Self.date(fetchHead: repository, at: stale)
                }
                armed.mirrorStale = true
                armed.staleFetchAt = stale
            case "rollout-commit":
                armed.rolloutCommit = commit
            case "mirror-unused":
                armed.mirrorUnused = true
                armed.fetchUrlMismatch = false
            default:
                armed.fetchUrlMismatch = true
                armed.mirrorUnused = false
            }
            return armed
        }
    }

    /// Disarms everything at sandbox time `now`: a removed bundle repository is rebuilt (the same
    /// commits) and dated fetched now; a stale cache fetches now.
    func clear(now: Timestamp) throws -> Armed {
        try armed.withLock { armed in
            let was = armed
            armed = Armed()
            if was.mirrorMissing || !FileManager.default.fileExists(atPath: bundleRepositoryPath + "/HEAD") {
                try ScenarioRepositories.buildBundleMirror(at: bundleRepositoryPath)
                try Self.date(fetchHead: bundleRepositoryPath, at: now)
            }
            if was.mirrorStale {
                try Self.date(fetchHead: bundleRepositoryPath, at: now)
                try repositories.fetchMirror(at: now.date)
            }
            return armed
        }
    }

    // MARK: - Materialization

    /// Materializes one requested bundle through the cache (see the type's description), then
    /// applies the armed faults.
    func materialize(_ request: BundleRequest) -> ResourceBundle {
        var bundle = RunnerFacts.materialize(request)
        guard let repository = RunnerFacts.mirrorRepository(for: request.repoUrl) else { return bundle }
        let faults = current
        if request.commit == nil, let head = Self.head(of: bundle.requestedRef, in: mirrorPath + "/" + repository) {
            bundle.commitId = head
        }
        if let rollout = faults.rolloutCommit {
            bundle.commitId = rollout
            bundle.requestedCommit = nil
        }
        if faults.mirrorUnused {
            bundle.mirrorUsed = false
            bundle.fetchRepoUrl = bundle.repoUrl
        }
        if faults.fetchUrlMismatch {
            let name = repository.split(separator: "/").last.map(String.init) ?? "bundle.git"
            bundle.mirrorUsed = true
            bundle.fetchRepoUrl = "\(RunnerFacts.mirrorBaseUrl)/github.com/someone-else/\(name)"
        }
        return bundle
    }

    /// The head of branch `ref` in the bare repository at `path`; nil when the repository or the
    /// branch is not there.
    static func head(of ref: String, in path: String) -> String? {
        guard ScenarioRepositories.isRevision(ref), FileManager.default.fileExists(atPath: path + "/HEAD"),
            let git = try? GitProcess(),
            let output = try? git.run(
                ["--git-dir=\(path)", "rev-parse", "--verify", "--quiet", "refs/heads/\(ref)^{commit}"], check: false),
            output.status == 0
        else { return nil }
        let id = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return CommitIds.isHex(id, length: 40) ? id : nil
    }

    /// Dates `<repository>/FETCH_HEAD` (created empty if missing) at `at`.
    private static func date(fetchHead repository: String, at: Timestamp) throws {
        let fetchHead = repository + "/FETCH_HEAD"
        if !FileManager.default.fileExists(atPath: fetchHead) {
            FileManager.default.createFile(atPath: fetchHead, contents: nil)
        }
        do {
            try FileManager.default.setAttributes([.modificationDate: at.date], ofItemAtPath: fetchHead)
        } catch {
            throw ScenarioRepositoriesError.fileSystem("cannot date \(fetchHead): \(error)")
        }
    }
}

extension Timestamp {
    /// The same instant as a `Date`.
    var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// `date` to the millisecond (rounded down).
    init(_ date: Date) {
        self.init(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
