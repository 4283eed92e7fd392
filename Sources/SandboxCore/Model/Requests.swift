/// The body of `POST /tasks`.
struct CreateTaskRequest: Codable, Sendable, Equatable {
    var aipod: String
    var prompt: String
    var name: String?
    var labels: [String: String]?
    var runner: RunnerSpec?
}

/// What the caller asks of the runner (`--runner-json-file` on the client side). Only names:
/// a transient env value never travels in a request.
struct RunnerSpec: Codable, Sendable, Equatable {
    @Nullable var bundles: [BundleRequest]? = nil
    @Nullable var transientEnv: [String]? = nil
}

/// One requested resource bundle: a repository URL without credentials and a ref or commit.
struct BundleRequest: Codable, Sendable, Equatable {
    @Nullable var kind: String? = nil
    var repoUrl: String
    @Nullable var ref: String? = nil
    @Nullable var commit: String? = nil
    @Nullable var tools: [String]? = nil
    @Nullable var promptRefs: [String]? = nil
    @Nullable var skillDirs: [String]? = nil
}

/// The body of `POST /tasks/apply`.
struct ApplyRequest: Codable, Sendable {
    var items: [TaskManifest]
}

/// One task manifest of an `apply`: created, or updated while still `created`, by `name`.
struct TaskManifest: Codable, Sendable, Equatable {
    var kind: String?
    var name: String
    var aipod: String
    var prompt: String
    var labels: [String: String]?
    var runner: RunnerSpec?
}

/// The body of `POST /tasks/{id}/steer` and `POST /sessions/{id}/send`.
struct MessageRequest: Codable, Sendable {
    var message: String
}

/// The optional body of `POST /tasks/{id}/ack`.
struct AckRequest: Codable, Sendable {
    var by: String?
}

/// The body of `POST /admin/faults`.
struct FaultRequest: Codable, Sendable {
    var kind: String
    var count: Int?
    var delayMs: Int?
}

/// The body of `POST /admin/mirror-faults` (see `GitMirrorCache`): `fault` is `mirror-missing`,
/// `mirror-stale`, `rollout-commit` (with `commit`, 40 hex), `mirror-unused` or `fetch-url-mismatch`.
struct MirrorFaultRequest: Codable, Sendable {
    var fault: String
    var commit: String?
}

/// The body of `POST /admin/egress-faults`.
struct EgressFaultRequest: Codable, Sendable {
    var fault: String
}

/// The body of `POST /admin/clock`.
struct ClockRequest: Codable, Sendable {
    var advanceMs: Int64
}
