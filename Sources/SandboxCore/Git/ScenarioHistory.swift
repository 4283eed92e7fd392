import Foundation
import Wire

/// The git history a scenario implies, derived from its `kubectl get -o json` documents before any
/// rewrite: every invented commit id the documents name, when it was made, and what it changed.
///
/// - Source branch: an initial commit, then one commit per `<prefix><7 hex>` PipelineRun, oldest
///   `creationTimestamp` first, each pushed a minute before its run was created; the newest run's
///   commit is the branch head.
/// - GitOps branch (an orphan branch in the same repository): an initial commit, then one commit per
///   revision an Argo CD Application names (`status.history[]`, the sync revision, the last
///   operation's revisions), each made 30 s before Argo CD first saw it, each writing the image tags
///   of the source commit it promotes into `deploy/<namespace>/kustomization.yaml`. The
///   Application's `status.sync.revision` is always the branch head and promotes the tag the
///   scenario's manager Deployment runs.
///
/// Plain data, `Codable` and `Equatable`: it is stored in `scenario-commits.json` and compared on
/// reopen, so a changed scenario (or a changed layout, see `format`) rebuilds the repositories.
struct ScenarioHistory: Codable, Equatable, Sendable {
    /// Bump whenever the way commits are written, or the layout, changes: stored repositories are
    /// then rebuilt. 2: the git-mirror cache holds the bundle repository too.
    static let currentFormat = 2

    struct SourceCommit: Codable, Equatable, Sendable {
        /// The PipelineRun that built this commit; nil for the initial commit.
        var pipelineRun: String?
        /// The 7-hex id in the PipelineRun's name.
        var inventedShort: String?
        /// The run's `git-revision` parameter, when it is a full 40-hex id.
        var inventedFull: String?
        /// Author and committer date, RFC 3339 UTC.
        var date: String
        var message: String
    }

    struct GitopsCommit: Codable, Equatable, Sendable {
        /// The invented 40-hex revision Argo CD reports for this commit; nil for the initial commit.
        var inventedFull: String?
        var date: String
        /// The invented short id of the source commit whose images this commit promotes.
        var promotes: String?
    }

    var format: Int
    var pipelineRunPrefix: String
    var sourceBranch: String
    var gitopsBranch: String
    /// The file the GitOps commits change, relative to the repository root.
    var gitopsFile: String
    /// The namespace the GitOps file deploys to.
    var namespace: String
    /// Image names (without tag) the GitOps commits pin, sorted.
    var images: [String]
    /// What precedes the short id in an image tag (`v01-` for `manager:v01-8d41e07`).
    var tagPrefix: String
    var source: [SourceCommit]
    var gitops: [GitopsCommit]

    static let author = "AgentRun Sandbox"
    static let email = "sandbox@agentrun.invalid"

    // MARK: - Deriving

    /// Reads the scenario documents (file name → text; documents that are not JSON are ignored).
    init(documents: [String: String], pipelineRunPrefix: String, sourceBranch: String, gitopsBranch: String) {
        let objects = ScenarioHistory.objects(in: documents)
        let lane = ScenarioHistory.laneName(prefix: pipelineRunPrefix)

        // Source: one commit per PipelineRun named <prefix><7 hex>.
        struct Run { var name: String; var short: String; var full: String?; var created: Int64; var succeededAt: Int64? }
        var runs: [Run] = []
        var seen = Set<String>()
        for object in objects where object.string("kind") == "PipelineRun" {
            guard let name = object.string("metadata", "name"), name.hasPrefix(pipelineRunPrefix) else { continue }
            let short = String(name.dropFirst(pipelineRunPrefix.count))
            guard CommitIds.isHex(short, length: 7), seen.insert(name).inserted else { continue }
            let created = (object.string("metadata", "creationTimestamp") ?? object.string("status", "startTime"))
                .flatMap(RFC3339.seconds)
            var full: String?
            for param in object.array("spec", "params") {
                if param.string("name") == "git-revision", let value = param.string("value"), CommitIds.isHex(value, length: 40) {
                    full = value
                }
            }
            let succeeded = object.array("status", "conditions").contains {
                $0.string("type") == "Succeeded" && $0.string("status") == "True"
            }
            let completed = object.string("status", "completionTime").flatMap(RFC3339.seconds)
            runs.append(
                Run(
                    name: name, short: short, full: full, created: created ?? 0,
                    succeededAt: succeeded ? completed : nil))
        }
        runs.sort { ($0.created, $0.name) < ($1.created, $1.name) }
        let shorts = Set(runs.map(\.short))

        // The manager Deployment: the first Deployment whose container image is tagged with a run's short id.
        var namespace = lane
        var images = Set<String>()
        var tagPrefix = ""
        var managerShort: String?
        deployments: for object in objects where object.string("kind") == "Deployment" {
            let containers =
                object.array("spec", "template", "spec", "containers")
                + object.array("spec", "template", "spec", "initContainers")
            for container in containers {
                guard let image = container.string("image"),
                    let tagged = ScenarioHistory.taggedImage(image, shorts: shorts)
                else { continue }
                managerShort = tagged.short
                tagPrefix = tagged.tagPrefix
                namespace = object.string("metadata", "namespace") ?? lane
                // Every image reference in the Deployment pinned to a run (the runner image in env, …).
                for text in object.allStrings() {
                    if let other = ScenarioHistory.taggedImage(text, shorts: shorts) { images.insert(other.name) }
                }
                break deployments
            }
        }

        // GitOps: every revision the Argo CD Applications name, with the moment Argo CD first saw it.
        var firstSeen: [String: Int64] = [:]
        var head: (revision: String, reconciled: Int64)?
        func saw(_ revision: String?, at time: Int64?) {
            guard let revision, CommitIds.isHex(revision, length: 40) else { return }
            let time = time ?? Int64.max
            firstSeen[revision] = min(firstSeen[revision] ?? Int64.max, time)
        }
        // The YAML-only lane's Application follows its own branch (`YamlLane`), not this history.
        for object in objects
        where object.string("kind") == "Application"
            && (object.string("apiVersion") ?? "").hasPrefix("argoproj.io/")
            && object.string("spec", "source", "targetRevision") != YamlLane.gitopsBranch
        {
            for entry in object.array("status", "history") {
                saw(
                    entry.string("revision"),
                    at: (entry.string("deployStartedAt") ?? entry.string("deployedAt")).flatMap(RFC3339.seconds))
            }
            let started = object.string("status", "operationState", "startedAt").flatMap(RFC3339.seconds)
            saw(object.string("status", "operationState", "syncResult", "revision"), at: started)
            saw(object.string("status", "operationState", "operation", "sync", "revision"), at: started)
            let reconciled = object.string("status", "reconciledAt").flatMap(RFC3339.seconds)
            if let revision = object.string("status", "sync", "revision"), CommitIds.isHex(revision, length: 40) {
                saw(revision, at: reconciled)
                let when = reconciled ?? Int64.min
                if head == nil || when > head!.reconciled { head = (revision, when) }
            }
        }
        var order = firstSeen.keys.filter { $0 != head?.revision }.sorted {
            (firstSeen[$0]!, $0) < (firstSeen[$1]!, $1)
        }
        if let head { order.append(head.revision) }

        // Dates: source commits a minute before their run; GitOps commits 30 s before Argo CD saw them
        // (never earlier than the commit before); both initial commits an hour before anything else.
        let known = runs.map { $0.created - 60 } + order.compactMap { firstSeen[$0] }.filter { $0 != Int64.max }.map { $0 - 30 }
        let base = (known.min() ?? RFC3339.seconds("2025-01-01T01:00:00Z")!) - 3600

        var source = [
            SourceCommit(
                pipelineRun: nil, inventedShort: nil, inventedFull: nil,
                date: RFC3339.string(base), message: "Initial commit\n")
        ]
        for (index, run) in runs.enumerated() {
            source.append(
                SourceCommit(
                    pipelineRun: run.name, inventedShort: run.short, inventedFull: run.full,
                    date: RFC3339.string(max(run.created - 60, base + 1)),
                    message: "\(sourceBranch): change \(index + 1)\n"))
        }

        var gitops = [GitopsCommit(inventedFull: nil, date: RFC3339.string(base), promotes: nil)]
        var previous = base
        for revision in order {
            let seenAt = firstSeen[revision] ?? Int64.max
            let date = max(seenAt == Int64.max ? previous + 60 : seenAt - 30, previous + 1)
            previous = date
            var promotes: String?
            if revision == head?.revision, let managerShort {
                promotes = managerShort
            } else {
                // The newest successful run finished by then; else the newest run created by then; else the oldest.
                promotes =
                    runs.last { ($0.succeededAt ?? Int64.max) <= date }?.short
                    ?? runs.last { $0.created <= date }?.short
                    ?? runs.first?.short
            }
            gitops.append(GitopsCommit(inventedFull: revision, date: RFC3339.string(date), promotes: promotes))
        }

        if images.isEmpty { images = ["registry.unidesk.lan/agentrun/manager"] }
        self.format = ScenarioHistory.currentFormat
        self.pipelineRunPrefix = pipelineRunPrefix
        self.sourceBranch = sourceBranch
        self.gitopsBranch = gitopsBranch
        self.gitopsFile = "deploy/\(namespace)/kustomization.yaml"
        self.namespace = namespace
        self.images = images.sorted()
        self.tagPrefix = tagPrefix
        self.source = source
        self.gitops = gitops
    }

    /// `agentrun-v01` for `agentrun-v01-ci-`.
    static func laneName(prefix: String) -> String {
        var name = prefix
        while name.hasSuffix("-") { name.removeLast() }
        if name.hasSuffix("-ci") { name.removeLast(3) }
        return name.isEmpty ? "agentrun" : name
    }

    /// `registry/x/manager:v01-8d41e07` → (`registry/x/manager`, `v01-`, `8d41e07`) when the tag ends in a known short id.
    static func taggedImage(_ text: String, shorts: Set<String>) -> (name: String, tagPrefix: String, short: String)? {
        guard let colon = text.lastIndex(of: ":"), !text.contains(where: { $0.isWhitespace }) else { return nil }
        let name = String(text[..<colon])
        let tag = String(text[text.index(after: colon)...])
        guard !name.isEmpty, !tag.contains("/"), tag.count >= 7 else { return nil }
        let short = String(tag.suffix(7))
        let tagPrefix = String(tag.dropLast(7))
        guard shorts.contains(short), !(tagPrefix.last.map(CommitIds.isHexCharacter) ?? false) else { return nil }
        return (name, tagPrefix, short)
    }

    /// Every top-level object of every JSON document, `List` items unwrapped, in file-name order.
    static func objects(in documents: [String: String]) -> [JSONNode] {
        var found: [JSONNode] = []
        for name in documents.keys.sorted() {
            guard let text = documents[name],
                let value = try? JSON.decode(text)
            else { continue }
            let node = JSONNode(value)
            if node.string("kind") == "List" || node.string("kind")?.hasSuffix("List") == true {
                found += node.array("items")
            } else if node.string("kind") != nil {
                found.append(node)
            }
        }
        return found
    }

    // MARK: - Writing

    /// Files of source commit `index` (0 = initial).
    func sourceFiles(upTo index: Int) -> [(path: String, content: String)] {
        if index == 0 {
            return [
                (
                    "README.md",
                    """
                    # agentrun

                    The AgentRun service, branch `\(sourceBranch)`: a stand-in history written by
                    ars-sandbox, one commit per CI run of the scenario.

                    """
                ),
                ("CHANGES.md", "# Changes\n\n"),
            ]
        }
        var changes = "# Changes\n\n"
        for step in 1...index {
            changes += "- change \(step) (\(source[step].date))\n"
        }
        return [("CHANGES.md", changes)]
    }

    /// Files of GitOps commit `index` (0 = initial); `realShort` maps an invented short id to the real one.
    func gitopsFiles(upTo index: Int, realShort: [String: String]) -> [(path: String, content: String)] {
        var kustomization = """
            # Desired state of \(namespace), promoted from branch \(sourceBranch).
            # Promotion \(index) (\(gitops[index].date)).
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            namespace: \(namespace)
            resources:
              - ../../base/agentrun

            """
        if let invented = gitops[index].promotes, let real = realShort[invented] {
            kustomization += "images:\n"
            for image in images {
                kustomization += "  - name: \(image)\n    newTag: \(tagPrefix)\(real)\n"
            }
        }
        var files = [(path: gitopsFile, content: kustomization)]
        if index == 0 {
            files.insert(
                (
                    "README.md",
                    """
                    # agentrun GitOps

                    Desired state of the AgentRun lanes; Argo CD syncs `\(gitopsFile)` from branch
                    `\(gitopsBranch)`. Written by ars-sandbox.

                    """
                ), at: 0)
        }
        return files
    }

    /// The commit message of GitOps commit `index`.
    func gitopsMessage(_ index: Int, realShort: [String: String]) -> String {
        guard index > 0 else { return "\(namespace): initial desired state\n" }
        guard let invented = gitops[index].promotes, let real = realShort[invented] else {
            return "\(namespace): promotion \(index)\n"
        }
        let previous = gitops[index - 1].promotes
        let verb = previous == invented ? "redeploy" : "promote"
        return "\(namespace): \(verb) \(tagPrefix)\(real)\n"
    }

    /// A `git fast-import` stream writing `commits` (files per commit, cumulative) onto `branch`, marks 1…;
    /// the first commit continues `parent` when given (else it is a root).
    static func fastImportStream(
        branch: String, from parent: String? = nil, commits: [(date: String, message: String, files: [(path: String, content: String)])]
    ) -> String {
        var stream = ""
        func data(_ text: String) {
            stream += "data \(text.utf8.count)\n" + text + "\n"
        }
        for (index, commit) in commits.enumerated() {
            let seconds = RFC3339.seconds(commit.date) ?? 0
            stream += "commit refs/heads/\(branch)\n"
            stream += "mark :\(index + 1)\n"
            stream += "author \(author) <\(email)> \(seconds) +0000\n"
            stream += "committer \(author) <\(email)> \(seconds) +0000\n"
            data(commit.message)
            if index == 0, let parent { stream += "from \(parent)\n" }
            for file in commit.files {
                stream += "M 100644 inline \(file.path)\n"
                data(file.content)
            }
        }
        stream += "done\n"
        return stream
    }
}

// MARK: - Helpers

/// A read-only view of a decoded JSON document (Wire's `Value`, as ars reads it).
struct JSONNode: Sendable {
    let value: Value

    init(_ value: Value) { self.value = value }

    func node(_ path: [String]) -> Value? {
        var current: Value? = value
        for key in path { current = current?[key] }
        return current
    }

    func string(_ path: String...) -> String? { node(path)?.stringValue }

    func array(_ path: String...) -> [JSONNode] { (node(path)?.arrayValue ?? []).map(JSONNode.init) }

    /// Every string value anywhere below this node (object members in key order).
    func allStrings() -> [String] {
        var found: [String] = []
        func walk(_ value: Value) {
            switch value {
            case .string(let text): found.append(text)
            case .array(let items): items.forEach(walk)
            case .object(let object):
                for key in object.keys.sorted() { if let member = object[key] { walk(member) } }
            default: break
            }
        }
        walk(value)
        return found
    }
}

/// Commit-id text.
enum CommitIds {
    static func isHexCharacter(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return isHexByte(ascii)
    }

    static func isHexByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)
    }

    /// Exactly `length` lowercase hex digits.
    static func isHex(_ text: String, length: Int) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// `text` with every maximal run of hex digits that is 7 or 40 long and a key of `map` replaced
    /// by its value; single pass, so a replacement is never replaced again.
    static func rewrite(_ text: String, map: [String: String]) -> String {
        if map.isEmpty { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            guard isHexByte(bytes[index]) else {
                out.append(bytes[index])
                index += 1
                continue
            }
            var end = index
            while end < bytes.count && isHexByte(bytes[end]) { end += 1 }
            let length = end - index
            if length == 7 || length == 40,
                let real = map[String(decoding: bytes[index..<end], as: UTF8.self)]
            {
                out += Array(real.utf8)
            } else {
                out += bytes[index..<end]
            }
            index = end
        }
        return String(decoding: out, as: UTF8.self)
    }
}
