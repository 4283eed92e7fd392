import Foundation

/// The resource-bundle repository in the git-mirror cache: a bare mirror of
/// `https://github.com/pikasTech/unidesk` at `<mirror>/github.com/pikasTech/unidesk.git`, whose
/// `main` holds what the default bundle of the Artificer aipod asks for (`tools/trans`,
/// `tools/agentrun-cli`, `prompts/aipods/artificer.md`, the `agentrun-closeout` and `artificer`
/// skills). Its contents are invented and small; it is written with `git fast-import`, fixed
/// identity and dates, so its commit ids are the same on every machine:
/// `main~1` adds the tools and the prompt, `main` the skills.
extension ScenarioRepositories {
    /// The bundle repository's path inside the cache folder.
    public static let bundleMirrorRepository = "github.com/pikasTech/unidesk.git"
    /// The upstream the bundle mirror claims to mirror (its `remote.origin.url`; never fetched).
    static let bundleUpstream = "https://github.com/pikasTech/unidesk.git"
    /// The branch the bundle mirror's commits are on.
    static let bundleBranch = "main"

    /// The bundle repository's commits, oldest first: date (seconds since 1970, UTC), message,
    /// files (path, mode, content).
    /// Changing them changes the ids: bump `ScenarioHistory.currentFormat` so stored caches rebuild.
    static let bundleHistory: [(seconds: Int64, message: String, files: [(path: String, mode: String, content: String)])] = [
        (
            1_762_419_600,  // 2025-11-06T09:00:00Z
            "tools: trans and agentrun-cli; the Artificer prompt\n",
            [
                (
                    "tools/trans", "100755",
                    "#!/bin/sh\n# trans: the bridge the runner uses to reach lab nodes (sandbox stand-in).\nexec echo \"trans $*\"\n"
                ),
                (
                    "tools/agentrun-cli", "100755",
                    "#!/bin/sh\n# agentrun-cli: queue client inside the runner (sandbox stand-in).\nexec echo \"agentrun-cli $*\"\n"
                ),
                (
                    "prompts/aipods/artificer.md",
                    "100644",
                    "# Artificer\n\nYou build and repair tools for the AgentRun lanes. Work in the checked-out\nbundle, run its tools, close out with the agentrun-closeout skill.\n"
                ),
            ]
        ),
        (
            1_762_423_200,  // 2025-11-06T10:00:00Z
            "skills: agentrun-closeout and artificer\n",
            [
                (
                    ".agents/skills/agentrun-closeout/SKILL.md", "100644",
                    "---\nname: agentrun-closeout\ndescription: Close out an AgentRun turn with a summary and the evidence.\n---\n\nSummarize what changed, list the evidence, stop.\n"
                ),
                (
                    ".agents/skills/artificer/SKILL.md", "100644",
                    "---\nname: artificer\ndescription: The Artificer aipod's working rules.\n---\n\nPrefer small, tested changes to the bundle's tools.\n"
                ),
            ]
        ),
    ]

    /// Writes the bundle mirror at `path` (anything there is replaced) and returns the real ids of
    /// its commits, oldest first (the last is `main`'s head). It is a bare repository configured
    /// as a mirror of `bundleUpstream`, with a `FETCH_HEAD` naming `main` (a mirror that was fetched).
    @discardableResult
    static func buildBundleMirror(at path: String) throws -> [String] {
        let files = FileManager.default
        do {
            if files.fileExists(atPath: path) { try files.removeItem(atPath: path) }
            try files.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            throw ScenarioRepositoriesError.fileSystem("cannot prepare \(path): \(error)")
        }
        let git = try GitProcess()
        let gitDir = "--git-dir=\(path)"
        try git.run(["-c", "init.defaultBranch=\(bundleBranch)", "init", "--bare", "--quiet", path])
        try git.run([gitDir, "config", "remote.origin.url", bundleUpstream])
        try git.run([gitDir, "config", "remote.origin.fetch", "+refs/*:refs/*"])
        try git.run([gitDir, "config", "remote.origin.mirror", "true"])
        let commits = try fastImport(
            git: git, gitDir: gitDir, stream: bundleStream(), count: bundleHistory.count, origin: path)
        let head = commits.last ?? ""
        let upstream = String(bundleUpstream.dropLast(".git".count))
        let fetchHead = path + "/FETCH_HEAD"
        guard files.createFile(atPath: fetchHead, contents: Data("\(head)\t\tbranch '\(bundleBranch)' of \(upstream)\n".utf8)) else {
            throw ScenarioRepositoriesError.fileSystem("cannot write \(fetchHead)")
        }
        return commits
    }

    /// The `git fast-import` stream of `bundleHistory` on `bundleBranch`.
    static func bundleStream() -> String {
        var stream = ""
        func data(_ text: String) {
            stream += "data \(text.utf8.count)\n" + text + "\n"
        }
        let identity = "\(ScenarioHistory.author) <\(ScenarioHistory.email)>"
        for (index, commit) in bundleHistory.enumerated() {
            stream += "commit refs/heads/\(bundleBranch)\n"
            stream += "mark :\(index + 1)\n"
            stream += "author \(identity) \(commit.seconds) +0000\n"
            stream += "committer \(identity) \(commit.seconds) +0000\n"
            data(commit.message)
            for file in commit.files {
                stream += "M \(file.mode) inline \(file.path)\n"
                data(file.content)
            }
        }
        stream += "done\n"
        return stream
    }
}
