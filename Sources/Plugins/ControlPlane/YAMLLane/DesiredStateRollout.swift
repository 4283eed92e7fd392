import Commands
import FoundationEssentials

/// What `apply` (and `trigger-current`) does to a YAML-only lane, decided from an observation
/// before anything is written: make sure the source worktree and branch exist, take
/// `deploy/deploy.json` out of the source branch in a commit of its own, and commit the rendered
/// desired state to the GitOps branch. `execute` carries it out, checking at each step that the
/// world is still the one the plan read.
struct DesiredStateRollout: Sendable {
    enum SourceStep: Sendable, Equatable {
        /// The worktree is there, clean, on the branch: fast-forward it to origin's head.
        case update
        /// Clone origin's branch into the worktree's path.
        case clone
        /// Clone `source.from`, create the branch there and push it to origin.
        case createBranch(from: String)
    }

    struct FileChange: Sendable {
        enum Kind: String, Sendable { case added, changed, removed, unchanged }
        var path: String
        var kind: Kind
        var diff: LineDiff

        var value: Value {
            [
                "path": .string(path), "change": .string(kind.rawValue), "added": .int(diff.added), "removed": .int(diff.removed),
                "diff": .string(diff.unified()),
            ]
        }
        var summary: String {
            switch kind {
            case .added: "+ \(path) (new, \(diff.added) lines)"
            case .removed: "− \(path) (removed, \(diff.removed) lines)"
            case .changed: "~ \(path) (+\(diff.added) −\(diff.removed))"
            case .unchanged: "= \(path)"
            }
        }
    }

    let facts: YAMLLaneFacts
    let observation: LaneObservation
    let sourceStep: SourceStep
    /// The commit the lane builds from before any migration commit: origin's source branch head,
    /// or the `source.from` head it will be created at.
    let baseCommit: String
    let removesLegacyFile: Bool
    /// Rendered for `baseCommit`, or for the pending commit while `deploy/deploy.json` must go first.
    let desired: DesiredState
    let changes: [FileChange]

    init(facts: YAMLLaneFacts, observation: LaneObservation) throws(ArsError) {
        self.facts = facts
        self.observation = observation
        let worktree = observation.worktree
        if worktree.exists {
            guard worktree.ok else { throw worktree.notReady(node: facts.lane.node, path: facts.worktree.path, laneFlags: facts.laneFlags) }
            guard let head = observation.sourceHead else {
                throw ArsError(
                    .refused, code: .branchMissing,
                    "origin has no branch \(facts.worktree.branch), though the worktree \(facts.worktree.path) is on it",
                    hint: "push the branch, or check source.branch of lane \(facts.lane.qualifiedName); nothing was changed")
            }
            sourceStep = .update
            baseCommit = head
        } else if let head = observation.sourceHead {
            sourceStep = .clone
            baseCommit = head
        } else if let from = facts.sourceFrom, let head = observation.fromHead {
            sourceStep = .createBranch(from: from)
            baseCommit = head
        } else {
            throw ArsError(
                .refused, code: .branchMissing,
                "origin has no branch \(facts.worktree.branch) for lane \(facts.lane.qualifiedName)"
                    + (facts.sourceFrom.map { " and no branch \($0) (source.from) to create it from" } ?? ""),
                hint: facts.sourceFrom == nil
                    ? "declare source.from (the branch to create it from) in the lane, or push the branch; nothing was changed"
                    : "check source.from of the lane; nothing was changed")
        }
        removesLegacyFile = observation.legacyDeployJSON
        desired = DesiredState(facts: facts, commit: removesLegacyFile ? nil : baseCommit)
        let violations = ExposureGuard.violations(in: desired.manifests)
        guard violations.isEmpty else {
            throw ArsError(
                .refused, code: .forbiddenExposure,
                "the rendered desired state would add \(violations.joined(separator: ", ")): \(ExposureGuard.rule)",
                hint: "nothing was changed")
        }
        changes = Self.changes(from: observation.gitopsFiles, to: desired.files)
    }

    static func changes(from current: [String: String], to files: [DesiredState.File]) -> [FileChange] {
        var changes = files.map { file in
            let old = current[file.path]
            let diff = LineDiff(old: old ?? "", new: file.text)
            return FileChange(path: file.path, kind: old == nil ? .added : diff.isEmpty ? .unchanged : .changed, diff: diff)
        }
        let rendered = Set(files.map(\.path))
        for (path, text) in current.sorted(by: { $0.key < $1.key }) where !rendered.contains(path) {
            changes.append(FileChange(path: path, kind: .removed, diff: LineDiff(old: text, new: "")))
        }
        return changes
    }

    var gitopsChanges: Bool { changes.contains { $0.kind != .unchanged } }

    /// Nothing to write: the worktree and branch exist, no deploy/deploy.json, GitOps current.
    var isInSync: Bool { sourceStep == .update && !removesLegacyFile && !gitopsChanges }

    /// One line per write, in order.
    var actions: [String] {
        let worktree = facts.worktree
        var actions: [String] = []
        switch sourceStep {
        case .update:
            if isInSync { return [] }
            actions.append("fast-forward \(worktree.path) to \(worktree.upstream) \(Kube.short(baseCommit)) (if behind)")
        case .clone:
            actions.append("clone \(worktree.branch) (\(Kube.short(baseCommit))) of \(worktree.remote) into \(worktree.path)")
        case .createBranch(let from):
            actions.append(
                "create branch \(worktree.branch) at \(from) \(Kube.short(baseCommit)) in \(worktree.path) (cloned from \(worktree.remote)) and push it to origin"
            )
        }
        if removesLegacyFile {
            actions.append(
                "delete \(LaneObservation.legacyDeployFile) from \(worktree.branch) in its own commit and push it (the catalogue is the deployment truth)"
            )
        }
        if gitopsChanges {
            let counted = FileChange.Kind.allCases.compactMap { kind -> String? in
                let n = changes.count { $0.kind == kind }
                return kind == .unchanged || n == 0 ? nil : "\(n) \(kind.rawValue)"
            }
            actions.append(
                "commit the desired state for \(removesLegacyFile ? "that commit" : Kube.short(baseCommit)) to \(facts.gitopsBranch):\(facts.gitopsPath) (\(counted.joined(separator: ", "))) and push it"
            )
        }
        return actions
    }

    /// What the plan id rests on.
    var observedKeys: [String] {
        [
            "source=\(observation.sourceHead ?? "none")", "from=\(observation.fromHead ?? "none")",
            "gitops=\(observation.gitopsHead ?? "none")",
            "legacy=\(removesLegacyFile)", "worktree=\(observation.worktree.exists)",
        ]
    }
    var decidedKeys: [String] { desired.files.map { "\($0.path)=\(SHA256.hex($0.text))" } }
    var planID: String { WriteGate.planID(observed: observedKeys, decided: decidedKeys) }

    /// The value's `desiredState` and `changes` fields.
    var details: [(String, Value)] {
        [
            (
                "source",
                ["branch": .string(facts.worktree.branch), "head": .string(baseCommit), "removesDeployJson": .bool(removesLegacyFile)]
            ),
            (
                "gitops",
                ["branch": .string(facts.gitopsBranch), "path": .string(facts.gitopsPath), "head": .optional(observation.gitopsHead)]
            ),
            ("changes", .array(changes.map(\.value))),
            ("artifactCatalog", desired.artifactCatalog),
            ("manifests", .array(desired.manifests)),
        ]
    }

    // MARK: - Carrying it out

    struct Outcome: Sendable {
        /// The source commit the desired state names (after the migration commit, if any).
        var commit: String
        var gitopsCommit: String?
        var done: [String]
    }

    func execute(node: NodeClient) async throws -> Outcome {
        let worktree = facts.worktree
        let q = ShellQuote.quote
        var done: [String] = []
        let sourceScript: String
        switch sourceStep {
        case .update:
            sourceScript =
                "git fetch -q origin \(q(worktree.branch)) && git merge -q --ff-only \(q(worktree.upstream)) && git rev-parse HEAD"
        case .clone:
            sourceScript =
                "git clone -q --branch \(q(worktree.branch)) \(q(worktree.remote)) \(q(worktree.path)) && git -C \(q(worktree.path)) rev-parse HEAD"
        case .createBranch(let from):
            sourceScript = """
                git clone -q --branch \(q(from)) \(q(worktree.remote)) \(q(worktree.path)) || exit 1
                cd \(q(worktree.path)) && git checkout -q -b \(q(worktree.branch)) && git push -q -u origin \(q(worktree.branch)) || { cd / && rm -rf \(q(worktree.path)); exit 1; }
                git rev-parse HEAD
                """
        }
        let sourceDirectory = sourceStep == .update ? worktree.path : "/"
        let source = try await node.script(sourceScript, in: sourceDirectory)
        guard source.succeeded else { throw node.failure(.script(sourceScript, in: sourceDirectory), source) }
        let head = source.stdoutText.trimmingWhitespace()
        guard head == baseCommit else {
            throw ArsError(
                .refused, code: .planChanged,
                "origin's \(worktree.branch) moved to \(Kube.short(head)) after the plan read \(Kube.short(baseCommit)); the worktree is at \(Kube.short(head)) and nothing else was written",
                hint: "plan again: control-plane apply \(facts.laneFlags) --dry-run")
        }
        switch sourceStep {
        case .update: break
        case .clone: done.append("cloned \(worktree.branch) into \(worktree.path)")
        case .createBranch(let from): done.append("created \(worktree.branch) from \(from) at \(Kube.short(head)) and pushed it")
        }

        var commit = head
        var desired = self.desired
        if removesLegacyFile {
            let script = Self.removalScript(facts: facts)
            let removal = try await node.script(script, in: worktree.path)
            guard removal.succeeded else {
                var error = node.failure(.script(script, in: worktree.path), removal)
                if removal.exitStatus == 73 {
                    error = ArsError(
                        .remote, code: .pushFailed,
                        "origin refused the commit that removes \(LaneObservation.legacyDeployFile) from \(worktree.branch); the worktree was reset to \(Kube.short(head))",
                        hint: "plan again: control-plane apply \(facts.laneFlags) --dry-run")
                }
                error.message += done.isEmpty ? "" : " (done before: \(done.joined(separator: "; ")))"
                throw error
            }
            commit = removal.stdoutText.trimmingWhitespace()
            done.append("removed \(LaneObservation.legacyDeployFile) from \(worktree.branch) in \(Kube.short(commit)) and pushed it")
            desired = DesiredState(facts: facts, commit: commit)
        }

        let changes = Self.changes(from: observation.gitopsFiles, to: desired.files)
        guard changes.contains(where: { $0.kind != .unchanged }) else {
            return Outcome(commit: commit, gitopsCommit: observation.gitopsHead, done: done)
        }
        let script = Self.gitopsScript(facts: facts, parent: observation.gitopsHead, files: desired.files, commit: commit)
        let pushed = try await node.script(script, in: worktree.path)
        guard pushed.succeeded else {
            var error =
                switch pushed.exitStatus {
                case 75:
                    ArsError(
                        .refused, code: .planChanged,
                        "origin's \(facts.gitopsBranch) moved after the plan read \(Kube.short(observation.gitopsHead)); the desired state was not committed",
                        hint: "plan again: control-plane apply \(facts.laneFlags) --dry-run")
                case 73:
                    ArsError(
                        .remote, code: .pushFailed, "origin refused the desired-state commit on \(facts.gitopsBranch)",
                        hint: "check the node's push access to \(worktree.remote)")
                default: node.failure(.script(script, in: worktree.path), pushed)
                }
            error.message += done.isEmpty ? "" : " (done before: \(done.joined(separator: "; ")))"
            throw error
        }
        let gitopsCommit = pushed.stdoutText.split(separator: "\n").last.map(String.init) ?? ""
        done.append(
            "committed the desired state for \(Kube.short(commit)) to \(facts.gitopsBranch) as \(Kube.short(gitopsCommit)) and pushed it")
        return Outcome(commit: commit, gitopsCommit: gitopsCommit, done: done)
    }

    /// Without an identity of its own on the node, git commits as `ars`.
    private static let identity =
        #"ident=""; git config user.email >/dev/null 2>&1 || ident="-c user.name=ars -c user.email=ars@agentrun.invalid""#

    static func removalScript(facts: YAMLLaneFacts) -> String {
        let q = ShellQuote.quote
        let message =
            "Remove \(LaneObservation.legacyDeployFile): lane \(facts.lane.qualifiedName)'s deployment truth is the UniDesk lane catalogue\n\nWritten by ars control-plane apply \(facts.laneFlags)."
        return """
            set -u
            \(identity)
            before=$(git rev-parse HEAD) || exit 70
            git rm -q -- \(q(LaneObservation.legacyDeployFile)) && git $ident commit -q -m \(q(message)) || exit 74
            git push -q origin \(q("HEAD:refs/heads/" + facts.worktree.branch)) || { git reset -q --hard "$before"; exit 73; }
            git rev-parse HEAD
            """
    }

    /// Commits `files` on top of `parent` (nil: a first commit) with git's plumbing in the
    /// worktree's repository, through a scratch index: the worktree's files, index and branch are
    /// not touched. Exit 75: origin's GitOps branch is no longer `parent`; 73: push refused.
    static func gitopsScript(facts: YAMLLaneFacts, parent: String?, files: [DesiredState.File], commit: String) -> String {
        let q = ShellQuote.quote
        let branch = facts.gitopsBranch
        var delimiter = "ARS_FILE_END"
        while files.contains(where: { $0.text.contains(delimiter) }) { delimiter += "_" }
        var lines = [
            "set -u", identity,
            #"scratch=$(mktemp -d "${TMPDIR:-/tmp}/ars-gitops.XXXXXX") || exit 70"#, #"trap 'rm -rf "$scratch"' EXIT"#,
            #"GIT_INDEX_FILE="$scratch/index""#, "export GIT_INDEX_FILE",
        ]
        if let parent {
            lines += [
                "parent=\(q(parent))",
                "git fetch -q origin \(q(branch)) || exit 72",
                #"[ "$(git rev-parse FETCH_HEAD)" = "$parent" ] || exit 75"#,
                #"git read-tree "$parent" || exit 70"#,
                "git rm -r -q --cached --ignore-unmatch -- \(q(facts.gitopsPath)) \(q(facts.artifactsPath)) >/dev/null || exit 70",
            ]
        } else {
            lines += ["parent=", "git read-tree --empty || exit 70"]
        }
        // Each file through a scratch file: a here-document inside $(…) is where POSIX shells disagree.
        for file in files {
            let text = file.text.hasSuffix("\n") ? file.text : file.text + "\n"
            lines.append("cat > \"$scratch/file\" <<'\(delimiter)' || exit 70\n\(text)\(delimiter)")
            lines.append(#"blob=$(git hash-object -w -- "$scratch/file") || exit 70"#)
            lines.append(#"git update-index --add --cacheinfo "100644,$blob,""# + q(file.path) + " || exit 70")
        }
        let message =
            "lane \(facts.lane.qualifiedName): desired state for \(Kube.short(commit))\n\nRendered from the UniDesk lane catalogue by ars control-plane apply \(facts.laneFlags).\nSource: \(facts.worktree.branch) \(commit)"
        lines += [
            "tree=$(git write-tree) || exit 70",
            #"if [ -n "$parent" ] && [ "$tree" = "$(git rev-parse "$parent^{tree}")" ]; then echo "$parent"; exit 0; fi"#,
            "commit=$(git $ident commit-tree \"$tree\" ${parent:+-p \"$parent\"} -m \(q(message))) || exit 70",
            "git push -q origin \"$commit:\(q("refs/heads/" + branch))\" || exit 73",
            #"echo "$commit""#,
        ]
        return lines.joined(separator: "\n")
    }
}

extension DesiredStateRollout.FileChange.Kind: CaseIterable {}
