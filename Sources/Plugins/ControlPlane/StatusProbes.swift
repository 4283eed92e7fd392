import Commands
import FoundationEssentials
import Synchronization

/// The three stages `control-plane status` observes, each through the node bridge. They run
/// concurrently and report progress events on stderr as they start and finish.
struct StatusProbes: Sendable {
    let facts: LaneFacts
    let node: NodeClient

    // MARK: source

    struct Source: Sendable {
        let preflight: SourceWorktree.Preflight
        /// HEAD of the fixed worktree.
        let commit: String?
        /// `origin`'s current heads, read with `git ls-remote` (nothing fetched, nothing written).
        let originHead: String?
        let gitopsLatest: String?
        let stderr: String

        /// The source stage could not run at all.
        static func unavailable(_ worktree: SourceWorktree) -> Source {
            Source(
                preflight: SourceWorktree.Preflight(worktree: worktree, result: RemoteResult(exitStatus: 255)),
                commit: nil, originHead: nil, gitopsLatest: nil, stderr: "")
        }
    }

    func source() async throws -> Source {
        let preflight = try await facts.worktree.preflight(node)
        guard preflight.exists else {
            return Source(preflight: preflight, commit: nil, originHead: nil, gitopsLatest: nil, stderr: preflight.stderr)
        }
        let script =
            "git rev-parse HEAD; git ls-remote origin "
            + ShellQuote.join(["refs/heads/\(facts.worktree.branch)", "refs/heads/\(facts.gitopsBranch)"])
        let result = try await node.script(script, in: facts.worktree.path)
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        var heads: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            if parts.count == 2 { heads[parts[1]] = parts[0] }
        }
        let commit = lines.first.flatMap { $0.count == 40 ? $0 : nil }
        return Source(
            preflight: preflight, commit: commit, originHead: heads["refs/heads/\(facts.worktree.branch)"],
            gitopsLatest: heads["refs/heads/\(facts.gitopsBranch)"], stderr: result.stderrText)
    }

    // MARK: runtime

    struct Runtime: Sendable {
        let runs: [PipelineRun]
        let application: Value?
        let deployment: Value?
        let pods: [Pod]
    }

    func runtime() async throws -> Runtime {
        async let runs = node.kubectlList([
            "-n", facts.ciNamespace, "get", "pipelineruns.tekton.dev", "-l", "tekton.dev/pipeline=\(facts.pipeline)",
        ])
        async let application = node.kubectlJSON(["-n", facts.argoNamespace, "get", "applications.argoproj.io", facts.argoName])
        async let deployment = node.kubectlJSON(["-n", facts.lane.namespace, "get", "deployment", facts.managerDeployment])
        async let pods = node.kubectlList(["-n", facts.lane.namespace, "get", "pods"])
        return Runtime(
            runs: try await runs.map(PipelineRun.init).filter { $0.name.hasPrefix(facts.runPrefix) },
            application: try await application, deployment: try await deployment, pods: try await pods.map(Pod.init))
    }

    // MARK: git-mirror

    /// The lane's mirror cache, when the catalogue names one (what the node has, read-only).
    func mirror() async throws -> MirrorCache? {
        guard let cacheDir = facts.mirrorCacheDir else { return nil }
        return try await MirrorCache.list(cacheDir, on: node)
    }

    /// Resolves a short commit (from an image tag) to the full id in the worktree's history.
    func resolve(short: String) async throws -> String? {
        guard short.count >= 7, short.allSatisfy(\.isHexDigit) else { return nil }
        let result = try await node.script("git rev-parse --verify -q " + ShellQuote.quote(short + "^{commit}"), in: facts.worktree.path)
        let text = result.stdoutText.trimmingWhitespace()
        return result.succeeded && text.count == 40 ? text : nil
    }
}

/// Progress events on stderr: `{"event":"agentrun.control-plane.status.progress","stage":"source","phase":"done","elapsedMs":41}`
/// (logfmt on a terminal).
final class ProgressEvents: Sendable {
    static let name = "agentrun.control-plane.status.progress"
    private let session: Session
    private let start = ContinuousClock.now
    private let timings = Mutex<[(stage: String, milliseconds: Int)]>([])
    /// Held while a line is written, so the three stages' lines never interleave.
    private let writing = Mutex(())

    init(session: Session) { self.session = session }

    /// Runs one stage between a `started` and a `done` (or `failed`) event.
    func stage<T: Sendable>(_ stage: String, _ body: () async throws -> T) async throws -> T {
        emit(stage, "started", nil)
        let began = ContinuousClock.now
        do {
            let value = try await body()
            let elapsed = Self.milliseconds(ContinuousClock.now - began)
            timings.withLock { $0.append((stage, elapsed)) }
            emit(stage, "done", elapsed)
            return value
        } catch {
            emit(stage, "failed", Self.milliseconds(ContinuousClock.now - began))
            throw error
        }
    }

    func milliseconds(of stage: String) -> Int? { timings.withLock { $0.first { $0.stage == stage }?.milliseconds } }

    private func emit(_ stage: String, _ phase: String, _ elapsed: Int?) {
        let event = Value.object([
            "event": .string(Self.name), "stage": .string(stage), "phase": .string(phase),
            "elapsedMs": elapsed.map { .int($0) },
        ])
        // One JSON object per line for programs; on a terminal the same event as logfmt, and only
        // when a stage ends.
        if session.io.stderr.isTerminal && phase == "started" { return }
        let line =
            session.io.stderr.isTerminal
            ? "\(Self.name) stage=\(stage) phase=\(phase)" + (elapsed.map { " elapsedMs=\($0)" } ?? "")
            : JSON.encode(event, pretty: false)
        writing.withLock { _ in session.progress(line) }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
