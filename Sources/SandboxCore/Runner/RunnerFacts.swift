import Foundation

/// The facts of the simulated `agentrun-v01` lane: namespace, egress env, Secret wiring and
/// gitbundle materialization through the git mirror. Values follow the G14 v0.1 lane as the
/// operators' fixtures describe it; all of them are derived deterministically.
enum RunnerFacts {
    static let namespace = "agentrun-v01"
    static let proxyEnv = ["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"]
    static let noProxy =
        "localhost,127.0.0.1,::1,10.42.0.0/16,10.43.0.0/16,.svc,.svc.cluster.local,.cluster.local,hyueapi.com,.hyueapi.com"
    /// The transient env every runner job receives through its per-job Secret.
    static let requiredTransientEnv = "HWLAB_API_KEY"
    static let mirrorBaseUrl = "http://git-mirror.devops-infra.svc.cluster.local:8080"
    static let runnerImage = "registry.unidesk.lan/agentrun/runner:v01-8d41e07"
    static let rolloutMountPath = "/var/lib/codex/rollouts"

    // MARK: - Runner job

    /// A pending runner job for `command`, with its Job and Pod names and Secret references.
    static func runnerJob(id: String, command: AgentCommand, task: AgentTask, at: Timestamp) -> RunnerJob {
        let jobName = "agentrun-runner-" + StableHash.kubernetesSuffix(id, length: 5)
        let podName = jobName + "-" + StableHash.kubernetesSuffix(id + "/pod", length: 5)
        var names = [requiredTransientEnv]
        for name in task.runner?.transientEnv ?? [] where !names.contains(name) {
            names.append(name)
        }
        return RunnerJob(
            id: id, taskId: task.id, runId: command.runId, commandId: command.id, status: .pending,
            jobName: jobName, podName: podName, namespace: namespace,
            proxyEnv: proxyEnv, noProxy: noProxy,
            transientEnv: names.map { TransientEnv(name: $0, secretRef: SecretRef(name: jobName + "-env", key: $0)) },
            valuesPrinted: false, bundles: [], createdAt: at, finishedAt: nil)
    }

    // MARK: - Bundles

    /// The bundles a task asks for, or its aipod's default bundle.
    static func requestedBundles(for task: AgentTask) -> [BundleRequest] {
        if let bundles = task.runner?.bundles, !bundles.isEmpty { return bundles }
        let aipod = task.aipod.lowercased()
        return [
            BundleRequest(
                kind: "gitbundle", repoUrl: "https://github.com/pikasTech/unidesk", ref: "main", commit: nil,
                tools: ["tools/trans", "tools/agentrun-cli"],
                promptRefs: ["prompts/aipods/\(aipod).md"],
                skillDirs: [".agents/skills/agentrun-closeout", ".agents/skills/\(aipod)"])
        ]
    }

    /// Materializes one requested bundle: GitHub URLs are fetched through the mirror, the
    /// requested ref resolves to a deterministic commit unless a commit is pinned.
    static func materialize(_ request: BundleRequest) -> ResourceBundle {
        let ref = request.ref ?? "main"
        let mirrored = mirrorURL(for: request.repoUrl)
        return ResourceBundle(
            kind: request.kind ?? "gitbundle",
            repoUrl: request.repoUrl,
            fetchRepoUrl: mirrored ?? request.repoUrl,
            mirrorUsed: mirrored != nil,
            mirrorBaseUrl: mirrorBaseUrl,
            requestedRef: ref,
            requestedCommit: request.commit?.lowercased(),
            commitId: request.commit?.lowercased() ?? StableHash.hex(normalizedRepo(request.repoUrl) + "@" + ref, length: 40),
            tools: request.tools ?? [],
            promptRefs: request.promptRefs ?? [],
            skillDirs: request.skillDirs ?? [])
    }

    /// The mirror read URL for a GitHub repository, nil for any other host.
    static func mirrorURL(for repoUrl: String) -> String? {
        let prefix = "https://github.com/"
        guard repoUrl.lowercased().hasPrefix(prefix) else { return nil }
        return "\(mirrorBaseUrl)/github.com/\(normalizedRepo(repoUrl)).git"
    }

    /// The path of a GitHub repository's mirror inside the git-mirror cache folder
    /// (`github.com/<owner>/<name>.git`); nil for any other host, or an owner or name that is not
    /// one plain path component.
    static func mirrorRepository(for repoUrl: String) -> String? {
        guard mirrorURL(for: repoUrl) != nil else { return nil }
        let parts = normalizedRepo(repoUrl).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2,
            parts.allSatisfy({ part in
                !part.isEmpty && part.first != "."
                    && part.unicodeScalars.allSatisfy {
                        $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0))
                    }
            })
        else { return nil }
        return "github.com/\(parts[0])/\(parts[1]).git"
    }

    /// `owner/name` of a repository URL, without a trailing `.git` or slash.
    static func normalizedRepo(_ repoUrl: String) -> String {
        var path = repoUrl
        if let range = path.range(of: "://") { path = String(path[range.upperBound...]) }
        if let slash = path.firstIndex(of: "/") { path = String(path[path.index(after: slash)...]) }
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix(".git") { path.removeLast(4) }
        return path
    }

    /// The workspace directory a bundle is checked out into.
    static func workspacePath(_ bundle: ResourceBundle) -> String {
        "/workspace/" + (normalizedRepo(bundle.repoUrl).split(separator: "/").last.map(String.init) ?? "bundle")
    }

    // MARK: - Session

    /// The Codex thread id of a session.
    static func threadId(sessionId: String) -> String {
        let hex = StableHash.hex("thread/" + sessionId, length: 32)
        let parts = [
            hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20),
        ]
        return "thr-" + parts.joined(separator: "-")
    }
}
