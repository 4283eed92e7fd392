import CommandModel
import FoundationEssentials

/// A node's git-mirror cache as it is on disk: the bare repositories under the cache folder,
/// read through the node's bridge with one script. Shared by `control-plane status` (one
/// alignment row) and the `git-mirror` commands.
public struct MirrorCache: Sendable {
    public struct Repository: Sendable {
        /// Path inside the cache folder: `github.com/pikasTech/agentrun.git`.
        public var path: String
        /// Branch heads: `v0.1` → commit.
        public var heads: [String: String] = [:]
        /// When it was last fetched (`FETCH_HEAD`'s time), RFC 3339.
        public var fetched: String?
        /// `remote.origin.url`, when the mirror has one.
        public var upstream: String?
        /// The branch `HEAD` names.
        public var defaultBranch: String?
        public var refCount: Int?
        public var sizeBytes: Int64?

        public init(path: String, heads: [String: String] = [:], fetched: String? = nil) {
            self.path = path
            self.heads = heads
            self.fetched = fetched
        }

        /// The head commit of the default branch.
        public var head: String? { defaultBranch.flatMap { heads[$0] } }
    }

    public let cacheDir: String
    public let repositories: [Repository]
    /// The script's own output, for `--raw`.
    public let raw: String
    public let exitStatus: Int32
    public let stderr: String

    public init(cacheDir: String, repositories: [Repository], raw: String, exitStatus: Int32, stderr: String) {
        self.cacheDir = cacheDir
        self.repositories = repositories
        self.raw = raw
        self.exitStatus = exitStatus
        self.stderr = stderr
    }

    /// Lists every bare repository with its heads, last fetch, upstream, default branch, ref
    /// count and size. Read-only: git's plumbing and `du`, nothing fetched.
    public static let script = """
        find . -maxdepth 5 -type d -name '*.git' -prune | LC_ALL=C sort | while read -r repo; do
          printf 'repo %s\\n' "${repo#./}"
          git --git-dir="$repo" for-each-ref --format='head %(refname:short) %(objectname)' refs/heads
          if [ -f "$repo/FETCH_HEAD" ]; then printf 'fetched %s\\n' "$(date -u -r "$repo/FETCH_HEAD" +%Y-%m-%dT%H:%M:%SZ)"; fi
          printf 'upstream %s\\n' "$(git --git-dir="$repo" config --get remote.origin.url 2>/dev/null)"
          printf 'default %s\\n' "$(git --git-dir="$repo" symbolic-ref --short HEAD 2>/dev/null)"
          printf 'refs %s\\n' "$(git --git-dir="$repo" for-each-ref | wc -l | tr -d ' ')"
          printf 'size %s\\n' "$(du -sk "$repo" 2>/dev/null | cut -f1)"
        done
        """

    /// Lists the cache folder on the node, whatever the script's exit status (`exitStatus` and
    /// `stderr` say how it went; status shows an unreadable cache as a row, not an error).
    public static func list(_ cacheDir: String, on node: NodeClient) async throws -> MirrorCache {
        let result = try await node.script(script, in: cacheDir)
        return parse(result.stdoutText, cacheDir: cacheDir, exitStatus: result.exitStatus, stderr: result.stderrText)
    }

    /// Reads the cache folder on the node. A folder that is missing or unreadable is a remote
    /// error that names it.
    public static func read(_ cacheDir: String, on node: NodeClient) async throws -> MirrorCache {
        let result = try await node.script(script, in: cacheDir)
        guard result.succeeded else {
            throw ArsError(
                .remote, code: .mirrorUnreadable,
                "cannot read the git-mirror cache \(node.node.name):\(cacheDir): \(NodeExchange.tail(result.stderrText, lines: 2))",
                hint: "check gitMirror.cacheDir of the lane in the catalogue; a missing cache is a G14/devops-infra infrastructure gap")
        }
        return parse(result.stdoutText, cacheDir: cacheDir, exitStatus: result.exitStatus, stderr: result.stderrText)
    }

    /// Reads the script's output.
    public static func parse(_ text: String, cacheDir: String, exitStatus: Int32 = 0, stderr: String = "") -> MirrorCache {
        var repositories: [Repository] = []
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard let key = words.first else { continue }
            if key == "repo", words.count >= 2 {
                repositories.append(Repository(path: words.dropFirst().joined(separator: " ")))
                continue
            }
            guard !repositories.isEmpty else { continue }
            let rest = words.dropFirst().joined(separator: " ")
            let last = repositories.count - 1
            switch key {
            case "head" where words.count == 3: repositories[last].heads[words[1]] = words[2]
            case "fetched" where words.count == 2: repositories[last].fetched = words[1]
            case "upstream": repositories[last].upstream = rest.isEmpty ? nil : rest
            case "default": repositories[last].defaultBranch = rest.isEmpty ? nil : rest
            case "refs": repositories[last].refCount = Int(rest)
            case "size": repositories[last].sizeBytes = Int64(rest).map { $0 * 1024 }
            default: break
            }
        }
        return MirrorCache(cacheDir: cacheDir, repositories: repositories, raw: text, exitStatus: exitStatus, stderr: stderr)
    }

    /// The cached repository of a remote: `git@github.com:pikasTech/agentrun.git` →
    /// `…/github.com/pikasTech/agentrun.git`, else the one with the same base name.
    public func repository(for remote: String) -> Repository? {
        var path = remote
        if let scheme = path.firstRange(of: "://") { path = String(path[scheme.upperBound...]) }
        if let at = path.firstIndex(of: "@"), !path[..<at].contains("/") { path = String(path[path.index(after: at)...]) }
        path = path.replacing(":", with: "/")
        while path.hasSuffix("/") { path.removeLast() }
        if !path.hasSuffix(".git") { path += ".git" }
        let base = Paths.lastComponent(path)
        return repositories.first { $0.path == path || $0.path.hasSuffix("/" + path) }
            ?? repositories.first { Paths.lastComponent($0.path) == base }
    }

    /// The repository at exactly this path inside the cache.
    public func repository(atPath path: String) -> Repository? { repositories.first { $0.path == path } }
}
