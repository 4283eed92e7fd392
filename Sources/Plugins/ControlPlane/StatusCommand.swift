import Commands
import FoundationEssentials

/// `control-plane status`: the lane's whole CI/CD picture, read-only.
struct StatusCommand: Command {
    let signature = CommandSignature(
        "control-plane status", summary: "Source commit, PipelineRun, GitOps, Argo CD, workload and git mirror of a lane (read-only)",
        discussion: """
            Observes the fixed source worktree (commit, origin heads), the PipelineRun for that commit, the GitOps branch's latest commit, the Argo CD Application (sync revision, sync and health), the manager Deployment and Pods, the manager's source commit and the git-mirror cache, and says whether Argo's revision is the GitOps latest. The three stages (source, runtime, git-mirror) run concurrently and report agentrun.control-plane.status.progress events on stderr.
            With --pipeline-run NAME or --source-commit SHA it reports that target as succeeded, historically-succeeded, running, failed, missing or source-mismatch, with what was checked.
            Exit 0 whatever it sees, 3 when a stage could not be read: status is an observation, polled while a rollout is under way, so a ✗ row (Argo behind the GitOps latest, a run still running) is a fact to read, not a failure. A closeout asserts what it needs instead: assert s.alignment.argoMatchesGitops, or wait control-plane status until … (worktree check, a gate before work starts, exits 1 on a ✗).
            """,
        options: [
            .node, .lane,
            Option.flag("full", "Add the stdout/stderr tails of every remote command"),
            Option.flag("raw", "Add the git-mirror cache's raw output"),
            Option("pipeline-run", "Report on this PipelineRun", valueName: "NAME"),
            Option("source-commit", "Report on the PipelineRun of this commit", valueName: "SHA"),
        ],
        examples: [
            Example("control-plane status", "The compact commander view of the default lane"),
            Example("control-plane status --pipeline-run agentrun-v01-ci-3f9c2ab", "Did this run succeed?"),
            Example("control-plane status --node G14 --lane v01 --full", "With remote output tails"),
        ])

    /// A historic lane's facts, or a YAML-only lane's.
    enum Facts: Sendable {
        case historic(LaneFacts)
        case yamlOnly(YAMLLaneFacts)
    }

    struct Options: LaneScoped {
        let facts: Facts
        let target: StatusReport.Target?
        let full: Bool
        let raw: Bool
        var lane: LaneSettings {
            switch facts {
            case .historic(let facts): facts.lane
            case .yamlOnly(let facts): facts.lane
            }
        }
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        if invocation.option("pipeline-run") != nil && invocation.option("source-commit") != nil {
            throw ArsError.usage(.badValue, "--pipeline-run and --source-commit exclude each other", hint: "ask about one target at a time")
        }
        if let run = invocation.option("pipeline-run"),
            run.count > 253 || run.wholeMatch(of: #/[a-z0-9]([-a-z0-9.]*[a-z0-9])?/#) == nil
        {
            throw ArsError.usage(
                .badValue, "--pipeline-run '\(run)' is not a Kubernetes object name (lower-case letters, digits, '-' and '.')")
        }
        if let sha = invocation.option("source-commit"), sha.count < 7 || sha.count > 40 || !sha.allSatisfy(\.isHexDigit) {
            throw ArsError.usage(.badValue, "--source-commit needs a commit id of 7 to 40 hex digits (got '\(sha)')")
        }
        let target: StatusReport.Target? =
            if let name = invocation.option("pipeline-run") { .pipelineRun(name) } else if let sha = invocation.option("source-commit") {
                .sourceCommit(sha)
            } else { nil }
        let lane = try invocation.lane(in: session)
        if lane.yamlOnly {
            if target != nil {
                throw ArsError.usage(
                    .badValue, "--pipeline-run and --source-commit are for the historic lane; \(lane.qualifiedName) is YAML-only",
                    hint: "control-plane status --node \(lane.node) --lane \(lane.name) shows the run for its source head")
            }
            return Options(facts: .yamlOnly(try YAMLLaneFacts(lane)), target: nil, full: invocation.flag("full"), raw: false)
        }
        return Options(
            facts: .historic(try LaneFacts(lane)), target: target, full: invocation.flag("full"), raw: invocation.flag("raw"))
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let facts: LaneFacts
        switch options.facts {
        case .historic(let historic): facts = historic
        case .yamlOnly(let yamlOnly): return try await YAMLLaneStatus(facts: yamlOnly, full: options.full).run(in: session)
        }
        let node = try facts.node(in: session)
        let probes = StatusProbes(facts: facts, node: node)
        let progress = ProgressEvents(session: session)
        // A stage that fails leaves the others standing: the report shows what could be seen and
        // says what could not (exit 3). Only when every stage fails is the error the answer.
        async let source = Self.attempt { try await progress.stage("source") { try await probes.source() } }
        async let runtime = Self.attempt { try await progress.stage("runtime") { try await probes.runtime() } }
        async let mirror = Self.attempt { try await progress.stage("git-mirror") { try await probes.mirror() } }
        let (sourceResult, runtimeResult, mirrorResult) = try await (source, runtime, mirror)
        var failures: [(String, ArsError)] = []
        for (stage, error) in [("source", sourceResult.error), ("runtime", runtimeResult.error), ("git-mirror", mirrorResult.error)] {
            if let error { failures.append((stage, error)) }
        }
        if failures.count == 3 || (failures.count == 2 && facts.mirrorCacheDir == nil), let first = failures.first { throw first.1 }

        var report = StatusReport(
            facts: facts,
            source: sourceResult.value ?? .unavailable(facts.worktree),
            runtime: runtimeResult.value ?? StatusProbes.Runtime(runs: [], application: nil, deployment: nil, pods: []),
            mirror: mirrorResult.value ?? nil, now: session.clock.now())
        report.failures = failures
        if let runtime = runtimeResult.value { await explainEmptySelections(runtime, facts: facts, node: node, session: session) }
        if runtimeResult.value != nil, sourceResult.value != nil, let short = report.managerShortCommit {
            report.managerCommit = try? await probes.resolve(short: short)
        }
        report.stageMilliseconds = ["source", "runtime", "git-mirror"].compactMap { stage in
            progress.milliseconds(of: stage).map { (stage, $0) }
        }
        return report.output(target: options.target, full: options.full ? node.exchanges : nil, raw: options.raw)
    }
}

extension StatusCommand {
    /// When the lane's runs or Argo CD Application are missing but their namespaces hold others,
    /// says on stderr what is there (one extra read, only then).
    func explainEmptySelections(_ runtime: StatusProbes.Runtime, facts: LaneFacts, node: NodeClient, session: Session) async {
        if runtime.runs.isEmpty, let all = try? await node.kubectlList(["-n", facts.ciNamespace, "get", "pipelineruns.tekton.dev"]) {
            let names = all.compactMap { $0.lookup("metadata.name")?.stringValue }
            if let notice = EmptySelection.notice(
                kind: "PipelineRun", namespace: facts.ciNamespace, wanted: facts.runPrefix + "*", matched: false, found: names)
            {
                session.warn(notice)
            }
        }
        if runtime.application == nil,
            let all = try? await node.kubectlList(["-n", facts.argoNamespace, "get", "applications.argoproj.io"])
        {
            let names = all.compactMap { $0.lookup("metadata.name")?.stringValue }
            if let notice = EmptySelection.notice(
                kind: "Argo CD Application", namespace: facts.argoNamespace, wanted: facts.argoName, matched: false, found: names)
            {
                session.warn(notice)
            }
        }
    }

    /// A stage's value or its error (cancellation still ends the command).
    static func attempt<T: Sendable>(_ body: () async throws -> T) async throws -> (value: T?, error: ArsError?) {
        do {
            return (try await body(), nil)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return (nil, ErrorReport.normalize(error))
        }
    }
}
