import Foundation
import Wire

/// What the sandbox's simulated controllers do to the scenario repositories as sandbox time
/// passes: CI promotes a built commit into the GitOps branch, Argo CD reads the desired image
/// tags from it, and the git-mirror cache fetches from origin.
extension ScenarioRepositories {
    /// Promotes the image built from `commit` (a revision origin has: a full or short id, or a
    /// branch) on the GitOps branch, as the CI pipeline's last task does: a new commit on top of
    /// the branch's head that sets every image tag of the GitOps file to `<tag prefix><first 7 of
    /// the commit>`, dated `date` with the fixed identity. `pipelineRun` (`namespace/name`) and
    /// `uid` go into the message, and a run whose promotion is already on the branch is not
    /// promoted again (so a replayed completion, after a restart, changes nothing).
    ///
    /// Returns the GitOps head after the promotion; nil when origin does not have `commit`.
    @discardableResult
    public func promote(commit: String, pipelineRun: String, uid: String = "", at date: Date) throws -> String? {
        let git = try GitProcess()
        let gitDir = "--git-dir=\(originPath)"
        guard Self.isRevision(commit), let full = resolve(git: git, "\(commit)^{commit}") else { return nil }

        let runLine = "PipelineRun: \(pipelineRun)"
        let marker = uid.isEmpty ? runLine : "PipelineRun-UID: \(uid)"
        let branch = "refs/heads/\(gitopsBranch)"
        let head = resolve(git: git, "\(branch)^{commit}")
        if head != nil {
            let earlier = try git.run([gitDir, "log", "-1", "--format=%H", "--fixed-strings", "--grep=\(marker)", branch])
            if !earlier.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return head }
        }

        let current = head.flatMap { try? git.run([gitDir, "show", "\($0):\(gitopsFile)"], check: true).stdout }
        let tag = history.tagPrefix + String(full.prefix(7))
        let stamp = RFC3339.string(Int64(date.timeIntervalSince1970.rounded(.down)))
        let promoted = history.promotedKustomization(current, tag: tag, date: stamp)
        let verb = current.map { ScenarioHistory.tags(in: $0).values.contains(tag) } == true ? "redeploy" : "promote"
        var message = "\(history.namespace): \(verb) \(tag)\n\n\(runLine)\n"
        if !uid.isEmpty { message += "PipelineRun-UID: \(uid)\n" }
        message += "Source-Commit: \(full)\n"

        let stream = ScenarioHistory.fastImportStream(
            branch: gitopsBranch, from: head, commits: [(stamp, message, [(gitopsFile, promoted)])])
        return try Self.fastImport(git: git, gitDir: gitDir, stream: stream, count: 1, origin: originPath).last
    }

    /// The image tags the GitOps file names at `revision` (image name → `newTag`); empty when
    /// the revision or the file cannot be read.
    public func desiredImages(at revision: String) -> [String: String] {
        guard Self.isRevision(revision), let git = try? GitProcess(),
            let output = try? git.run(["--git-dir=\(originPath)", "show", "\(revision):\(gitopsFile)"], check: false), output.status == 0
        else { return [:] }
        return ScenarioHistory.tags(in: output.stdout)
    }

    /// One fetch of the git-mirror cache from origin (`git remote update --prune` in the mirror
    /// repository); `FETCH_HEAD`'s modification time becomes `date`, the sandbox time of the fetch.
    public func fetchMirror(at date: Date) throws {
        let git = try GitProcess()
        try git.run(["--git-dir=\(mirrorRepositoryPath)", "remote", "update", "--prune"])
        let fetchHead = mirrorRepositoryPath + "/FETCH_HEAD"
        if !FileManager.default.fileExists(atPath: fetchHead) {
            FileManager.default.createFile(atPath: fetchHead, contents: nil)
        }
        do {
            try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: fetchHead)
        } catch {
            throw ScenarioRepositoriesError.fileSystem("cannot date \(fetchHead): \(error)")
        }
    }

    /// The full id `revision` names in origin; nil when it names no commit.
    private func resolve(git: GitProcess, _ revision: String) -> String? {
        guard let output = try? git.run(["--git-dir=\(originPath)", "rev-parse", "--verify", "--quiet", revision], check: false),
            output.status == 0
        else { return nil }
        let id = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return CommitIds.isHex(id, length: 40) ? id : nil
    }

    /// A revision that can go on git's command line as one: no option, no whitespace or control
    /// characters, no revision syntax beyond names.
    static func isRevision(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first != "-", text.utf8.count <= 255 else { return false }
        return text.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_./".unicodeScalars.contains($0)
        } && !text.contains("..")
    }
}

extension ScenarioHistory {
    /// `current` (the GitOps file at the branch head) with every `newTag:` set to `tag` and the
    /// promotion comment counted on; without a file, or a file without images, the file as this
    /// history writes it, naming `tag` for every pinned image.
    func promotedKustomization(_ current: String?, tag: String, date: String) -> String {
        guard let current, !Self.tags(in: current).isEmpty else {
            var text =
                current ?? """
                    # Desired state of \(namespace), promoted from branch \(sourceBranch).
                    # Promotion 1 (\(date)).
                    apiVersion: kustomize.config.k8s.io/v1beta1
                    kind: Kustomization
                    namespace: \(namespace)
                    resources:
                      - ../../base/agentrun

                    """
            if !text.hasSuffix("\n") { text += "\n" }
            text += "images:\n" + images.map { "  - name: \($0)\n    newTag: \(tag)\n" }.joined()
            return text
        }
        var lines = current.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for index in lines.indices {
            let line = lines[index]
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("newTag:") {
                lines[index] = String(repeating: " ", count: line.count - trimmed.count) + "newTag: \(tag)"
            } else if line.hasPrefix("# Promotion "), let number = Int(line.dropFirst("# Promotion ".count).prefix { $0.isNumber }) {
                lines[index] = "# Promotion \(number + 1) (\(date))."
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The `images:` of a kustomization: name → `newTag`.
    static func tags(in kustomization: String) -> [String: String] {
        var tags: [String: String] = [:]
        var name: String?
        for raw in kustomization.split(separator: "\n") {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("- ") {
                line = String(line.dropFirst(2)).trimmingCharacters(in: .whitespaces)
                name = nil
            }
            if line.hasPrefix("name:") {
                name = Self.scalar(line.dropFirst("name:".count))
            } else if line.hasPrefix("newTag:"), let current = name {
                tags[current] = Self.scalar(line.dropFirst("newTag:".count))
            }
        }
        return tags
    }

    /// A plain or quoted YAML scalar.
    private static func scalar(_ text: Substring) -> String {
        var value = text.trimmingCharacters(in: .whitespaces)
        if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
            value = String(value.dropFirst().dropLast())
        }
        return value
    }
}
