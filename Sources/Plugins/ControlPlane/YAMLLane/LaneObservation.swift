import Commands
import FoundationEssentials

/// What a YAML-only lane looks like now, read without changing anything: origin's heads of the
/// source, `source.from` and GitOps branches, whether the source branch still carries
/// `deploy/deploy.json`, the files the lane owns in the GitOps branch, the fixed source worktree,
/// and the live objects the desired state names.
///
/// The branches are read like `kubectl diff` reads a cluster: into a scratch bare repository in
/// the node's `$TMPDIR` (borrowing the worktree's objects when it exists), removed when the read
/// ends. The worktree, its refs and origin are not touched.
struct LaneObservation: Sendable {
    static let legacyDeployFile = "deploy/deploy.json"

    var sourceHead: String?
    var fromHead: String?
    var gitopsHead: String?
    /// Whether origin's source branch (or, while it is missing, the branch it will be created
    /// from) has `deploy/deploy.json`.
    var legacyDeployJSON = false
    /// The lane's files in the GitOps branch now (path → text).
    var gitopsFiles: [String: String] = [:]
    var worktree: SourceWorktree.Preflight
    /// `Namespace`, `Deployment`, `Service` as the cluster has them (nil: absent).
    var live: [String: Value] = [:]

    /// Reads it all at once: the branches, the worktree and the live objects.
    static func read(_ facts: YAMLLaneFacts, node: NodeClient) async throws -> LaneObservation {
        async let branches = node.script(branchScript(facts), in: "/")
        async let preflight = facts.worktree.preflight(node)
        let namespace = facts.lane.namespace
        async let namespaceObject = node.kubectlJSON(["get", "namespace", namespace])
        async let deployment = node.kubectlJSON(["-n", namespace, "get", "deployment", facts.manager.deployment])
        async let service = node.kubectlJSON(["-n", namespace, "get", "service", facts.manager.deployment])

        var observation = LaneObservation(worktree: try await preflight)
        let result = try await branches
        switch result.exitStatus {
        case 0: break
        case 71:
            throw ArsError(
                .remote, code: .originUnreadable,
                "cannot list origin's branches (\(facts.worktree.remote)) from \(facts.lane.node): \(NodeExchange.tail(result.stderrText, lines: 2))",
                hint: "check the node's access to the lane's source.remote; nothing was changed")
        default: throw node.failure(.script(branchScript(facts), in: "/"), result)
        }
        try observation.parse(result.stdout, facts: facts)
        for (kind, value) in [
            ("Namespace", try await namespaceObject), ("Deployment", try await deployment), ("Service", try await service),
        ] {
            if let value { observation.live[kind] = value }
        }
        return observation
    }

    /// The read, as one POSIX shell script run in `/` on the lane's node. Prints `head REF SHA`
    /// lines, `legacy` when the source branch has `deploy/deploy.json`, and each GitOps file as
    /// `file BYTES PATH`, the bytes, and a newline.
    static func branchScript(_ facts: YAMLLaneFacts) -> String {
        let q = ShellQuote.quote
        let remote = q(facts.worktree.remote)
        let source = "refs/heads/" + facts.worktree.branch
        let gitops = "refs/heads/" + facts.gitopsBranch
        var refs = [source, gitops]
        if let from = facts.sourceFrom { refs.append("refs/heads/" + from) }
        return """
            set -u
            tmp=$(mktemp -d "${TMPDIR:-/tmp}/ars-plan.XXXXXX") || exit 70
            trap 'rm -rf "$tmp"' EXIT
            heads=$(git ls-remote \(remote) \(refs.map(q).joined(separator: " "))) || exit 71
            printf '%s\\n' "$heads" | while read -r sha ref; do [ -n "$sha" ] && printf 'head %s %s\\n' "$ref" "$sha"; done
            refs=$(printf '%s\\n' "$heads" | awk 'NF == 2 { print "+" $2 ":" $2 }')
            [ -n "$refs" ] || exit 0
            git init -q --bare "$tmp/r" || exit 70
            if [ -d \(q(facts.worktree.path + "/.git/objects")) ]; then echo \(q(facts.worktree.path + "/.git/objects")) > "$tmp/r/objects/info/alternates"; fi
            git -C "$tmp/r" fetch -q --no-tags \(remote) $refs || exit 72
            for r in \(([source] + (facts.sourceFrom.map { ["refs/heads/" + $0] } ?? [])).map(q).joined(separator: " ")); do
              if git -C "$tmp/r" rev-parse -q --verify "$r" >/dev/null; then
                if git -C "$tmp/r" cat-file -e "$r:\(legacyDeployFile)" 2>/dev/null; then echo legacy; fi
                break
              fi
            done
            if git -C "$tmp/r" rev-parse -q --verify \(q(gitops)) >/dev/null; then
              git -C "$tmp/r" ls-tree -r --name-only \(q(gitops)) -- \(q(facts.gitopsPath + "/")) \(q(facts.artifactsPath)) | while IFS= read -r f; do
                printf 'file %s %s\\n' "$(git -C "$tmp/r" cat-file -s "\(gitops):$f")" "$f"
                git -C "$tmp/r" cat-file blob "\(gitops):$f"
                printf '\\n'
              done
            fi
            """
    }

    private mutating func parse(_ output: Data, facts: YAMLLaneFacts) throws(ArsError) {
        let bytes = [UInt8](output)
        var index = 0
        func line() -> String? {
            guard index < bytes.count else { return nil }
            let end = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            defer { index = end + 1 }
            return String(decoding: bytes[index..<end], as: UTF8.self)
        }
        while let text = line() {
            let words = text.split(separator: " ", maxSplits: 2).map(String.init)
            switch words.first {
            case "head" where words.count == 3:
                switch words[1] {
                case "refs/heads/" + facts.worktree.branch: sourceHead = words[2]
                case "refs/heads/" + facts.gitopsBranch: gitopsHead = words[2]
                case facts.sourceFrom.map { "refs/heads/" + $0 }: fromHead = words[2]
                default: break
                }
            case "legacy": legacyDeployJSON = true
            case "file" where words.count == 3:
                guard let size = Int(words[1]), index + size <= bytes.count else {
                    throw ArsError(.remote, code: .badResponse, "the node's read of the GitOps branch was cut short at \(words[2])")
                }
                gitopsFiles[words[2]] = String(decoding: bytes[index..<(index + size)], as: UTF8.self)
                index += size + 1
            default: continue
            }
        }
    }
}
