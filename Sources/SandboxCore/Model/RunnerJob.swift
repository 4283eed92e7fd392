/// The Kubernetes runner Job that carries one turn or send command, described by env names and
/// Secret metadata only: no field ever holds a secret value.
struct RunnerJob: Codable, Sendable, Equatable {
    var id: String
    var taskId: String
    var runId: String
    var commandId: String
    var status: RunnerJobStatus
    var jobName: String
    var podName: String
    var namespace: String
    var proxyEnv: [String]
    var noProxy: String
    var transientEnv: [TransientEnv]
    var valuesPrinted: Bool
    var bundles: [ResourceBundle]
    var createdAt: Timestamp
    @Nullable var finishedAt: Timestamp? = nil
}

/// A transient env var injected through `valueFrom.secretKeyRef` of the job's own Secret.
struct TransientEnv: Codable, Sendable, Equatable {
    var name: String
    var secretRef: SecretRef
}

/// A reference to one key of a Secret (metadata only).
struct SecretRef: Codable, Sendable, Equatable {
    var name: String
    var key: String
}

/// A materialized resource bundle (kind `gitbundle`): where it was asked to come from, where it
/// was actually fetched, and what it put in the workspace.
struct ResourceBundle: Codable, Sendable, Equatable {
    var kind: String
    var repoUrl: String
    var fetchRepoUrl: String
    var mirrorUsed: Bool
    var mirrorBaseUrl: String
    var requestedRef: String
    @Nullable var requestedCommit: String? = nil
    var commitId: String
    var tools: [String]
    var promptRefs: [String]
    var skillDirs: [String]
}
