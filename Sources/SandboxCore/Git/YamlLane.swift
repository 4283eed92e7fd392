import Foundation
import Wire

/// The YAML-only lane every sandbox also serves, shaped like D601's `v02`: no CI, no kustomize
/// promotion; its desired state is a folder of plain manifests on a GitOps branch, which
/// `ars control-plane apply` writes and Argo CD syncs.
///
/// What the sandbox provides for it:
/// - in the scenario repositories' origin (`prepareBranches`), branch `v0.2` — `v0.1`'s head plus
///   one commit adding the legacy descriptor `deploy/deploy.json` — and branch `v0.2-gitops`, one
///   commit holding only a `README.md` (no `deploy/agentrun-v02/` yet). The lane's worktree
///   (`<git>/agentrun-v02`) is announced but never made: the shell clones it;
/// - the Secret's source file `<state>/secrets/agentrun-v02-db.env` (`writeSecretSource`), with
///   invented values made once per state;
/// - in the built-in scenario, namespace `agentrun-v02` (the manager Deployment, its ReplicaSet,
///   pod, Service and endpoints, the Secret `agentrun-v02-db` with an older password) and the
///   Argo CD Application `argocd/agentrun-local-v02`.
public enum YamlLane {
    public static let namespace = "agentrun-v02"
    public static let sourceBranch = "v0.2"
    public static let gitopsBranch = "v0.2-gitops"
    /// The folder of manifests on the GitOps branch Argo CD syncs.
    public static let gitopsPath = "deploy/agentrun-v02"
    /// The worktree's folder name inside the scenario repositories' folder.
    public static let worktreeName = "agentrun-v02"
    /// `<namespace>/<name>` of the Argo CD Application.
    public static let argoApp = "argocd/agentrun-local-v02"
    public static let secretName = "agentrun-v02-db"
    /// The Secret's source file, relative to the state folder.
    public static let secretSource = "secrets/agentrun-v02-db.env"
    /// The legacy deploy descriptor on the source branch (the shell's apply deletes it).
    public static let legacyDescriptor = "deploy/deploy.json"

    /// The GitOps branch's only commit as the sandbox writes it: fixed content, identity and date,
    /// so its id is the same on every machine — the scenario's Application names it as its sync
    /// revision (`argocd-application-agentrun-local-v02.json`).
    static let gitopsRootDate = "2025-11-18T08:50:00Z"
    static let gitopsReadme = """
        # agentrun GitOps — lane v02

        GitOps desired state of lane v02; written by ars control-plane apply.
        Argo CD syncs every manifest in `\(gitopsPath)/` from branch `\(gitopsBranch)`.

        """

    static let descriptor = """
        {
          "lane": "v02",
          "namespace": "agentrun-v02",
          "image": "registry.d601.unidesk.invalid/agentrun/manager",
          "replicas": 1
        }

        """

    // MARK: - Git

    /// Creates the lane's branches in `origin` when they are missing: `v0.2` from `fork` (the
    /// source branch's head as built) plus the descriptor commit, and the orphan `v0.2-gitops`.
    /// A branch that exists — whoever pushed to it since — is left alone.
    static func prepareBranches(origin: String, fork: String) throws {
        let git = try GitProcess()
        let gitDir = "--git-dir=\(origin)"
        func exists(_ branch: String) throws -> Bool {
            try git.run([gitDir, "rev-parse", "--verify", "--quiet", "refs/heads/\(branch)"], check: false).status == 0
        }
        if try !exists(sourceBranch) {
            let parentDate = try git.run([gitDir, "log", "-1", "--format=%ct", fork]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let date = RFC3339.string((Int64(parentDate) ?? 0) + 60)
            let stream = ScenarioHistory.fastImportStream(
                branch: sourceBranch, from: fork,
                commits: [(date, "deploy: lane v02 descriptor (legacy)\n", [(legacyDescriptor, descriptor)])])
            _ = try ScenarioRepositories.fastImport(git: git, gitDir: gitDir, stream: stream, count: 1, origin: origin)
        }
        if try !exists(gitopsBranch) {
            let stream = ScenarioHistory.fastImportStream(
                branch: gitopsBranch,
                commits: [(gitopsRootDate, "\(namespace): GitOps branch of the YAML-only lane\n", [("README.md", gitopsReadme)])])
            _ = try ScenarioRepositories.fastImport(git: git, gitDir: gitDir, stream: stream, count: 1, origin: origin)
        }
    }

    // MARK: - The Secret's source file

    /// Writes `<state>/secrets/agentrun-v02-db.env` (folder 0700, file 0600) with invented values
    /// when it is missing; an existing file is kept as it is. Answers its path.
    @discardableResult
    public static func writeSecretSource(stateDirectory: URL) throws -> String {
        let file = stateDirectory.appendingPathComponent(secretSource)
        let folder = file.deletingLastPathComponent()
        let files = FileManager.default
        do {
            try files.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try files.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path)
            if !files.fileExists(atPath: file.path) {
                let password = randomPassword()
                let text = """
                    # Materialised by platform-db postgres export-secrets (sandbox: invented values)
                    POSTGRES_PASSWORD=\(password)
                    DATABASE_URL=postgres://agentrun:\(password)@platform-db.d601.unidesk.invalid:5432/agentrun_v02?sslmode=require

                    """
                guard files.createFile(atPath: file.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                    throw ScenarioRepositoriesError.fileSystem("cannot write \(file.path)")
                }
                try files.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
            }
            // An existing file keeps its mode: a source others can read is for secret-sync to refuse, not for the sandbox to mend.
        } catch let error as ScenarioRepositoriesError {
            throw error
        } catch {
            throw ScenarioRepositoriesError.fileSystem("cannot write the Secret source \(file.path): \(error)")
        }
        return file.path
    }

    /// 32 URL-safe characters from the system's random source.
    static func randomPassword() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}

// MARK: - The announcement

extension YamlLane {
    /// The `yamlLane` object of the listening line: where the shell finds the lane (absolute paths).
    static func announcement(repositories: ScenarioRepositories, secretSource: String) -> String {
        let members = [
            ("namespace", namespace), ("sourceBranch", sourceBranch), ("gitopsBranch", gitopsBranch), ("gitopsPath", gitopsPath),
            ("worktree", repositories.yamlLaneWorktreePath), ("argoApp", argoApp), ("secretSource", secretSource),
            ("secretName", secretName),
        ]
        return "{" + members.map { #""\#($0.0)":\#(KubeJSON.string($0.1).text)"# }.joined(separator: ",") + "}"
    }
}

// MARK: - Directory sources

extension ScenarioRepositories {
    /// The manifests directly under `path` at `revision` in origin (`*.yaml`, `*.yml`, `*.json`:
    /// file name → text), what Argo CD's directory source reads; nil when `path` is not a folder there.
    public func manifests(at revision: String, path: String) -> [String: String]? {
        let folder = path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard Self.isRevision(revision), !folder.isEmpty, let git = try? GitProcess(),
            let listing = try? git.run(["--git-dir=\(originPath)", "ls-tree", "-z", "\(revision):\(folder)"], check: false),
            listing.status == 0
        else { return nil }
        var files: [String: String] = [:]
        for entry in listing.stdout.split(separator: "\0") {
            // `<mode> <type> <object>\t<name>`
            guard let tab = entry.firstIndex(of: "\t") else { continue }
            let fields = entry[..<tab].split(separator: " ")
            let name = String(entry[entry.index(after: tab)...])
            guard fields.count == 3, fields[1] == "blob", KubeManifests.isManifest(name),
                let blob = try? git.run(["--git-dir=\(originPath)", "cat-file", "blob", String(fields[2])], check: false),
                blob.status == 0
            else { continue }
            files[name] = blob.stdout
        }
        return files
    }
}
