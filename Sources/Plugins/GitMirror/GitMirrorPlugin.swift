import Commands
import FoundationEssentials

/// The lane's git-mirror cache: what it holds, whether it covers what the aipods need, and the
/// read URL the runner fetches for a GitHub repository. Git runs on the lane's node through its
/// bridge (the control-plane route), never through the queue's REST transport.
public struct GitMirrorPlugin: CommandPlugin {
    public init() {}

    public let name = "git-mirror"

    public var commands: [any Command] { [MirrorStatusCommand(), MirrorCoverageCommand(), MirrorRewriteCommand(), MirrorVerifyCommand()] }

    public var completionProviders: [String: CompletionProvider] {
        [
            // Runs the session has seen (listed, described, created): `run/ID`.
            Self.runProvider: { request in (request.session.recentIDs["run"] ?? []).map { CompletionCandidate("run/" + $0) } },
            Self.aipodProvider: { request in
                guard let lane = try? request.session.lane(node: request.option("node"), lane: request.option("lane")) else { return [] }
                return MirrorFacts(lane).bundles.map { CompletionCandidate($0.aipod, "\($0.repositories.count) bundle repositories") }
            },
        ]
    }

    static let aipodProvider = "git-mirror-aipod"
    static let runProvider = "git-mirror-run"
}

// MARK: - Reading the cache

/// One cached repository as the commands report it.
struct CachedRepository {
    let repository: MirrorCache.Repository
    let ageSeconds: Double?
    let stale: Bool

    init(_ repository: MirrorCache.Repository, now: Date, staleAfterHours: Int) {
        self.repository = repository
        ageSeconds = repository.fetched.flatMap(RFC3339.parse).map { max(0, now.timeIntervalSince($0)) }
        // Never fetched is stale too: the cache cannot say how old its heads are.
        stale = ageSeconds.map { $0 > Double(staleAfterHours) * 3600 } ?? true
    }

    var value: Value {
        .object([
            "path": .string(repository.path), "upstream": .optional(repository.upstream),
            "defaultBranch": .optional(repository.defaultBranch), "head": .optional(repository.head),
            "lastFetch": .optional(repository.fetched), "lastFetchAgeSeconds": ageSeconds.map { .int(Int($0)) } ?? .null,
            "stale": .bool(stale), "refs": repository.refCount.map { .int($0) } ?? .null,
            "sizeBytes": repository.sizeBytes.map { .int(Int($0)) } ?? .null,
        ])
    }

    var row: [String] {
        [
            repository.path, repository.defaultBranch ?? "–", String((repository.head ?? "–").prefix(7)),
            ageSeconds.map { Durations.age($0) + (stale ? " (stale)" : "") } ?? "never (stale)",
            repository.refCount.map(String.init) ?? "–", repository.sizeBytes.map(ByteSize.format) ?? "–",
        ]
    }

    static let columns: [Table.Column] = [
        .init("REPOSITORY"), .init("BRANCH"), .init("HEAD"), .init("FETCHED"), .init("REFS"), .init("SIZE"),
    ]
}

// MARK: - git-mirror status

/// `git-mirror status [--repo URL] [--raw]`: every cached repository, or one.
struct MirrorStatusCommand: Command {
    let signature = CommandSignature(
        "git-mirror status", summary: "The lane's git-mirror cache: each repository's upstream, branch, head, last fetch, refs and size",
        discussion:
            "Reads the cache folder (gitMirror.cacheDir) on the lane's node through its bridge: git plumbing and du, nothing fetched. A repository last fetched longer ago than gitMirror.staleAfterHours (default 24) is stale. --repo URL reports the repository a GitHub URL maps to (exit 1 when the cache lacks it: a mirror cache gap is G14/devops-infra infrastructure). --raw adds the raw listing.",
        options: [
            .node, .lane,
            Option("repo", "Only the cached repository of this GitHub URL", valueName: "URL"),
            .flag("raw", "Add the raw listing of the cache"),
        ],
        examples: [
            Example("git-mirror status", "What the default lane's mirror cache holds"),
            Example("git-mirror status --repo https://github.com/pikasTech/unidesk", "Is this repository cached, and how fresh?"),
        ])

    struct Options: LaneScoped {
        let facts: MirrorFacts
        let cacheDir: String
        /// The `--repo` URL, rewritten by the lane's rule.
        let repo: MirrorRule.Rewrite?
        let raw: Bool
        var lane: LaneSettings { facts.lane }
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        let facts = MirrorFacts(try invocation.lane(in: session))
        var repo: MirrorRule.Rewrite?
        if let url = invocation.option("repo") {
            repo = try facts.requireRule().rewrite(url)
            guard repo?.cachePath != nil else {
                throw ArsError.usage(.mirrorNotGithub, "--repo \(url) is not a GitHub repository; the mirror caches GitHub only")
            }
        }
        return Options(facts: facts, cacheDir: try facts.requireCache(), repo: repo, raw: invocation.flag("raw"))
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let lane = options.lane
        let node = try NodeClient(session: session, lane: lane)
        if session.io.stderr.isTerminal { session.progress("reading the git-mirror cache \(lane.node):\(options.cacheDir) …") }
        let cache = try await MirrorCache.read(options.cacheDir, on: node)
        let now = session.clock.now()
        var repositories = cache.repositories.map { CachedRepository($0, now: now, staleAfterHours: options.facts.staleAfterHours) }
        var missing: String?
        if let path = options.repo?.cachePath {
            repositories = repositories.filter { $0.repository.path == path }
            if repositories.isEmpty { missing = path }
        }
        let total = repositories.compactMap(\.repository.sizeBytes).reduce(0, +)
        let oldest = repositories.compactMap(\.ageSeconds).max()
        let summary = Value.object([
            "repositories": .int(repositories.count), "sizeBytes": .int(Int(total)),
            "oldestFetchAgeSeconds": oldest.map { .int(Int($0)) } ?? .null, "stale": .int(repositories.filter(\.stale).count),
        ])
        var value = Object()
        value["apiVersion"] = "ars/v1"
        value["kind"] = "GitMirrorStatus"
        value["lane"] = .string(lane.qualifiedName)
        value["cacheDir"] = .string(options.cacheDir)
        value["baseUrl"] = .optional(options.facts.rule?.baseURL)
        value["repositories"] = .array(repositories.map(\.value))
        value["summary"] = summary
        var blocks: [HumanBlock] = []
        if let missing {
            value["missing"] = .string(missing)
            value["owner"] = .string(MirrorAttribution.owner)
            value["attribution"] = .string(MirrorAttribution.cacheGap)
            blocks.append(.summary("\(lane.node):\(options.cacheDir) does not hold \(missing)"))
            blocks.append(.warning(MirrorAttribution.cacheGap))
        } else {
            blocks.append(
                .summary(
                    "\(lane.node):\(options.cacheDir): \(repositories.count) repositor\(repositories.count == 1 ? "y" : "ies"), \(ByteSize.format(total))"
                        + (oldest.map { ", oldest fetch \(Durations.age($0)) ago" } ?? "")
                        + (repositories.contains(where: \.stale) ? ", \(repositories.filter(\.stale).count) stale" : "")))
            blocks.append(.table(Table(columns: CachedRepository.columns, rows: repositories.map(\.row))))
        }
        if options.raw {
            value["raw"] = .string(cache.raw)
            blocks.append(.section("raw listing", [.text(cache.raw.isEmpty ? "(empty)" : String(cache.raw.dropLast()))]))
        }
        blocks.append(.next(["git-mirror coverage \(options.facts.laneFlags)"]))
        return CommandOutput(.object(value), human: blocks, status: missing == nil ? 0 : 1)
    }
}

// MARK: - git-mirror coverage

/// `git-mirror coverage [--aipod NAME]`: the bundle repositories each aipod needs, against the cache.
struct MirrorCoverageCommand: Command {
    let signature = CommandSignature(
        "git-mirror coverage", summary: "Does the mirror cache hold every bundle repository the aipods need, freshly fetched?",
        discussion:
            "The repositories come from gitMirror.bundles in the catalogue (aipod → GitHub URLs). Each is covered, missing or stale (last fetched longer ago than gitMirror.staleAfterHours). Exit 0 when all are covered, 1 when one is missing or stale — a mirror cache gap, owned by G14/devops-infra infrastructure. The fix is in the cache, never an AipodSpec, task or prompt that names GitHub or a mirror.",
        options: [
            .node, .lane,
            Option("aipod", "Only this aipod's repositories", valueName: "NAME", completion: .provider(GitMirrorPlugin.aipodProvider)),
        ],
        examples: [
            Example("git-mirror coverage", "Every aipod's bundle repositories"),
            Example("git-mirror coverage --aipod Artificer -o json", "One aipod, for evidence"),
        ])

    struct Options: LaneScoped {
        let facts: MirrorFacts
        let cacheDir: String
        /// Aipod → each repository URL with its rewrite.
        let needs: [(aipod: String, repositories: [MirrorRule.Rewrite])]
        var lane: LaneSettings { facts.lane }
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        let facts = MirrorFacts(try invocation.lane(in: session))
        let rule = try facts.requireRule()
        var bundles = facts.bundles
        if let aipod = invocation.option("aipod") {
            bundles = bundles.filter { $0.aipod == aipod }
            guard !bundles.isEmpty else {
                let known = facts.bundles.map(\.aipod)
                throw ArsError.usage(
                    .badValue, "gitMirror.bundles of \(facts.lane.qualifiedName) names no aipod '\(aipod)'",
                    hint: Suggestions.hint(for: aipod, in: known)
                        ?? (known.isEmpty ? "declare gitMirror.bundles in the catalogue" : "aipods: \(known.joined(separator: ", "))"))
            }
        }
        guard !bundles.isEmpty else {
            throw MirrorFacts.missing(
                facts.lane, "gitMirror.bundles", example: "bundles: {Artificer: [https://github.com/pikasTech/unidesk]}")
        }
        var needs: [(aipod: String, repositories: [MirrorRule.Rewrite])] = []
        for entry in bundles {
            var rewrites: [MirrorRule.Rewrite] = []
            for url in entry.repositories { rewrites.append(try rule.rewrite(url)) }
            needs.append((entry.aipod, rewrites))
        }
        return Options(facts: facts, cacheDir: try facts.requireCache(), needs: needs)
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let lane = options.lane
        let node = try NodeClient(session: session, lane: lane)
        let cache = try await MirrorCache.read(options.cacheDir, on: node)
        let now = session.clock.now()
        var items: [Value] = []
        var rows: [[String]] = []
        var gaps = 0
        for (aipod, repositories) in options.needs {
            for rewrite in repositories {
                let cached = rewrite.cachePath.flatMap(cache.repository(atPath:)).map {
                    CachedRepository($0, now: now, staleAfterHours: options.facts.staleAfterHours)
                }
                let state: String
                if rewrite.cachePath == nil {
                    state = "not-mirrored"
                } else if let cached {
                    state = cached.stale ? "stale" : "covered"
                } else {
                    state = "missing"
                }
                let isGap = state == "missing" || state == "stale"
                if isGap { gaps += 1 }
                items.append(
                    .object([
                        "aipod": .string(aipod), "repoUrl": .string(rewrite.input), "cachePath": .optional(rewrite.cachePath),
                        "mirrorUrl": .optional(rewrite.mirrorURL), "state": .string(state),
                        "head": .optional(cached?.repository.head), "lastFetch": .optional(cached?.repository.fetched),
                        "owner": isGap ? .string(MirrorAttribution.owner) : .null,
                        "attribution": isGap ? .string(state == "missing" ? MirrorAttribution.cacheGap : MirrorAttribution.stale) : .null,
                    ]))
                rows.append([
                    aipod, rewrite.input, state == "covered" ? "✓ covered" : state == "not-mirrored" ? "– not GitHub" : "✗ \(state)",
                    cached.map { String(($0.repository.head ?? "–").prefix(7)) } ?? "–",
                    cached?.ageSeconds.map { Durations.age($0) } ?? "–",
                ])
            }
        }
        let value = Value.object([
            "apiVersion": "ars/v1", "kind": "GitMirrorCoverage", "lane": .string(lane.qualifiedName),
            "cacheDir": .string(options.cacheDir), "covered": .bool(gaps == 0), "items": .array(items),
        ])
        var blocks: [HumanBlock] = [
            .summary(
                gaps == 0
                    ? "\(lane.node):\(options.cacheDir) covers all \(items.count) bundle repositories"
                    : "\(gaps) of \(items.count) bundle repositories are missing or stale in \(lane.node):\(options.cacheDir)"),
            .table(Table(columns: [.init("AIPOD"), .init("REPOSITORY"), .init("STATE"), .init("HEAD"), .init("FETCHED")], rows: rows)),
        ]
        if gaps > 0 {
            blocks.append(
                .warning(
                    "owner: G14/devops-infra infrastructure — fill or refresh the mirror cache; never point an AipodSpec, task or prompt at GitHub or a mirror"
                ))
        }
        blocks.append(.next(["git-mirror status \(options.facts.laneFlags)"]))
        return CommandOutput(value, human: blocks, status: gaps == 0 ? 0 : 1)
    }
}

// MARK: - git-mirror rewrite

/// `git-mirror rewrite URL`: the read URL the runner fetches for a repository.
struct MirrorRewriteCommand: Command {
    let signature = CommandSignature(
        "git-mirror rewrite", summary: "The mirror read URL the runner fetches for a GitHub repository URL, and how the rule applied",
        discussion:
            "By the lane's rule: https://github.com/OWNER/NAME (or git@github.com:OWNER/NAME.git) is fetched from <gitMirror.baseUrl>/github.com/OWNER/NAME.git; other hosts are not mirrored. Nothing is read or sent. A URL that carries credentials (user:password@, a token as user, a query) is refused with exit 2 and shown only redacted.",
        positionals: [Positional("url", "A repository URL, as a task's bundle would name it")],
        options: [.node, .lane],
        examples: [Example("git-mirror rewrite https://github.com/pikasTech/unidesk", "Where the runner fetches unidesk from")])

    struct Options: LaneScoped {
        let lane: LaneSettings
        let rewrite: MirrorRule.Rewrite
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        let url = invocation.argument("url") ?? ""
        let facts = MirrorFacts(try invocation.lane(in: session))
        do {
            return Options(lane: facts.lane, rewrite: try facts.requireRule().rewrite(url))
        } catch {
            // The credential part of a refused URL is a secret from now on: never echoed, not
            // even by history.
            if error.code == .mirrorCredentials { Self.registerCredentials(in: url, session: session) }
            throw error
        }
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let rewrite = options.rewrite
        return CommandOutput(
            rewrite.value,
            human: [
                .summary(rewrite.mirrorURL.map { "\(rewrite.input) → \($0)" } ?? "\(rewrite.input) is not mirrored (host \(rewrite.host))"),
                .fields(rewrite.steps.enumerated().map { ("\($0.offset + 1)", $0.element) }),
            ])
    }

    static func registerCredentials(in url: String, session: Session) {
        let (user, query) = MirrorRule.sensitiveParts(url)
        for part in [user, query].compactMap({ $0 }) { session.registerSecret(String(url[part])) }
    }
}
