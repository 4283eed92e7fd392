import CommandModel
import FoundationEssentials

/// The lane's fixed source worktree on its node (`G14:/root/agentrun-v01` on `v0.1`, origin
/// `git@github.com:pikasTech/agentrun.git`), from the catalogue's `source` mapping.
public struct SourceWorktree: Sendable, Equatable {
    public var path: String
    public var branch: String
    public var remote: String

    /// The lane's worktree, or a usage error naming the missing catalogue key.
    public init(lane: LaneSettings) throws(ArsError) {
        guard let path = lane.raw.lookup("source.worktree")?.stringValue,
            let branch = lane.raw.lookup("source.branch")?.stringValue,
            let remote = lane.raw.lookup("source.remote")?.stringValue
        else {
            throw ArsError.usage(
                .noSourceWorktree, "lane \(lane.qualifiedName) declares no fixed source worktree",
                hint: "add source.worktree, source.branch and source.remote to the lane in the catalogue (docs/config.md)")
        }
        self.path = path
        self.branch = branch
        self.remote = remote
    }

    /// `origin/v0.1`.
    public var upstream: String { "origin/\(branch)" }

    /// The runbook's own preflight, run in the worktree:
    /// `pwd; git status --short --branch; git remote -v`.
    public static let preflightScript = "pwd; git status --short --branch; git remote -v"

    /// Runs the preflight through the node's bridge and reads what it printed.
    public func preflight(_ node: NodeClient) async throws -> Preflight {
        let result = try await node.script(Self.preflightScript, in: path)
        // git itself missing on the node is not a worktree that fails its checks: say what is wrong.
        if result.exitStatus == 127 || result.stderrText.contains(#/git: (command )?not found/#) {
            throw ArsError(
                .remote, code: .gitMissing,
                "git is not installed on node \(node.node.name) (the preflight's shell said: \(NodeExchange.tail(result.stderrText, lines: 1)))",
                hint: "install git on the node (apt-get install git); nothing was checked or changed")
        }
        return Preflight(worktree: self, result: result)
    }

    /// What the preflight found, and whether each expectation holds.
    public struct Preflight: Sendable {
        public struct Check: Sendable, Equatable {
            public var name: String
            public var ok: Bool
            public var expected: String
            public var found: String
        }

        /// False when the folder could not be entered (missing worktree).
        public var exists: Bool
        public var directory: String?
        /// `v0.1` (nil when detached or missing).
        public var branch: String?
        /// `origin/v0.1` (nil when the branch tracks nothing).
        public var upstream: String?
        public var ahead = 0
        public var behind = 0
        /// `git status --short` lines other than the branch line.
        public var changes: [String] = []
        public var originFetchURL: String?
        public var checks: [Check] = []
        public var stderr: String

        public var ok: Bool { checks.allSatisfy(\.ok) }
        public var failures: [Check] { checks.filter { !$0.ok } }

        /// The refusal of a write that needs the worktree ready: each failed check with what was
        /// expected. `laneFlags` are the flags `worktree check` needs to show the same lane.
        public func notReady(node: String, path: String, laneFlags: String) -> ArsError {
            ArsError(
                .refused, code: .worktreeNotReady,
                "the fixed source worktree \(node):\(path) is not ready: "
                    + failures.map { "\($0.name) \($0.found) (expected \($0.expected))" }.joined(separator: "; "),
                hint: "fix it first ('worktree check\(laneFlags.isEmpty ? "" : " " + laneFlags)' shows each check); nothing was changed")
        }

        public init(worktree: SourceWorktree, result: RemoteResult) {
            stderr = result.stderrText
            let lines = result.stdoutText.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            exists = result.succeeded && lines.first.map { $0.hasPrefix("/") } == true
            if exists {
                directory = lines.first
                for line in lines.dropFirst() {
                    if line.hasPrefix("## ") {
                        parseBranchLine(String(line.dropFirst(3)))
                    } else if line.hasPrefix("origin\t") || line.hasPrefix("origin ") {
                        let rest = line.dropFirst("origin".count).trimmingSpaces()
                        if rest.hasSuffix("(fetch)") {
                            originFetchURL = String(rest.dropLast("(fetch)".count)).trimmingSpaces()
                        }
                    } else if line.count > 3, line.dropFirst(2).first == " " || line.hasPrefix("??") {
                        changes.append(line)
                    }
                }
            }
            let missing =
                "missing: "
                + (NodeExchange.tail(result.stderrText, lines: 1).isEmpty
                    ? "cannot enter the folder" : NodeExchange.tail(result.stderrText, lines: 1))
            checks = [
                Check(
                    name: "path", ok: exists && directory == worktree.path, expected: worktree.path,
                    found: exists ? directory ?? "" : missing),
                Check(
                    name: "branch", ok: exists && branch == worktree.branch && upstream == worktree.upstream,
                    expected: "\(worktree.branch)...\(worktree.upstream)", found: exists ? branchDescription : "–"),
                Check(
                    name: "origin", ok: exists && originFetchURL == worktree.remote, expected: worktree.remote,
                    found: exists ? originFetchURL ?? "no origin remote" : "–"),
                Check(
                    name: "clean", ok: exists && changes.isEmpty, expected: "no changes",
                    found: exists
                        ? (changes.isEmpty
                            ? "clean"
                            : "\(changes.count) changed: " + changes.prefix(3).joined(separator: ", ") + (changes.count > 3 ? ", …" : ""))
                        : "–"),
            ]
        }

        /// `v0.1...origin/v0.1 [behind 2]` as git printed it.
        public var branchDescription: String {
            var text = branch ?? "(detached)"
            if let upstream { text += "...\(upstream)" } else if branch != nil { text += " (no upstream)" }
            var counts: [String] = []
            if ahead > 0 { counts.append("ahead \(ahead)") }
            if behind > 0 { counts.append("behind \(behind)") }
            if !counts.isEmpty { text += " [\(counts.joined(separator: ", "))]" }
            return text
        }

        /// `v0.1...origin/v0.1 [ahead 1, behind 2]`, `HEAD (no branch)`, `No commits yet on main`.
        private mutating func parseBranchLine(_ line: String) {
            if line.hasPrefix("HEAD (no branch)") { return }
            var rest = Substring(line)
            if let bracket = rest.firstRange(of: " [") {
                let counts = rest[bracket.upperBound...].dropLast()
                for part in counts.split(separator: ",") {
                    let words = part.split(separator: " ")
                    if words.count == 2, let number = Int(words[1]) {
                        if words[0] == "ahead" { ahead = number } else if words[0] == "behind" { behind = number }
                    }
                }
                rest = rest[..<bracket.lowerBound]
            }
            if let dots = rest.firstRange(of: "...") {
                branch = String(rest[..<dots.lowerBound])
                upstream = String(rest[dots.upperBound...])
            } else {
                branch = String(rest)
            }
        }
    }
}
