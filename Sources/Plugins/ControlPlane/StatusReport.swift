import Commands
import FoundationEssentials

/// What `control-plane status` observed, and its renderings: the stable value (kind
/// `ControlPlaneStatus`) and the compact commander view.
struct StatusReport: Sendable {
    let facts: LaneFacts
    let source: StatusProbes.Source
    let runtime: StatusProbes.Runtime
    let mirror: MirrorCache?
    let now: Date
    var managerCommit: String?
    var stageMilliseconds: [(String, Int)] = []
    /// Stages that could not run, with why (the report shows the others).
    var failures: [(String, ArsError)] = []

    func failed(_ stage: String) -> ArsError? { failures.first { $0.0 == stage }?.1 }

    init(facts: LaneFacts, source: StatusProbes.Source, runtime: StatusProbes.Runtime, mirror: MirrorCache?, now: Date) {
        self.facts = facts
        self.source = source
        self.runtime = runtime
        self.mirror = mirror
        self.now = now
    }

    enum Target: Sendable {
        case pipelineRun(String)
        case sourceCommit(String)
    }

    // MARK: Derived facts

    /// The run for a commit: the one pinned to it, else the one named for it.
    func run(for commit: String?) -> PipelineRun? {
        guard let commit, !commit.isEmpty else { return nil }
        return runtime.runs.first { $0.commit == commit }
            ?? runtime.runs.first { $0.commit?.hasPrefix(commit) == true && commit.count >= 7 }
            ?? runtime.runs.first { $0.name == facts.runName(for: commit) }
    }

    var sourceRun: PipelineRun? { run(for: source.commit) }

    var managerImage: String? {
        let containers = runtime.deployment?.lookup("spec.template.spec.containers")?.arrayValue ?? []
        return (containers.first { $0["name"]?.stringValue == "manager" } ?? containers.first)?["image"]?.stringValue
    }

    /// `registry/agentrun/manager:v01-8d41e07` → `8d41e07`.
    var managerShortCommit: String? {
        guard let image = managerImage, let colon = image.lastIndex(of: ":") else { return nil }
        let tag = image[image.index(after: colon)...]
        let last = tag.split(separator: "-").last.map(String.init) ?? String(tag)
        return last.count >= 7 && last.allSatisfy(\.isHexDigit) ? last : nil
    }

    var argoRevision: String? { runtime.application?.lookup("status.sync.revision")?.stringValue }
    var argoMatchesGitops: Bool? {
        guard let argoRevision, let latest = source.gitopsLatest else { return nil }
        return argoRevision == latest
    }
    var managerMatchesSource: Bool? {
        guard let commit = source.commit else { return nil }
        if let managerCommit { return managerCommit == commit }
        return managerShortCommit.map { commit.hasPrefix($0) }
    }
    var refreshPending: Bool { runtime.application?.lookup("metadata.annotations")?["argocd.argoproj.io/refresh"] != nil }

    var desiredReplicas: Int { runtime.deployment?.lookup("spec.replicas")?.intValue ?? 1 }
    var readyReplicas: Int { runtime.deployment?.lookup("status.readyReplicas")?.intValue ?? 0 }

    var managerPods: [Pod] {
        runtime.pods.filter { $0.name.hasPrefix(facts.managerDeployment + "-") && $0.object.label("job-name") == nil }
    }

    var mirrorRepository: MirrorCache.Repository? {
        mirror.flatMap { $0.repository(for: facts.mirrorRepository ?? facts.worktree.remote) }
    }

    // MARK: Target verdicts

    /// What `--pipeline-run` or `--source-commit` came to: the value and the human fields are
    /// both read from this, never from each other.
    struct TargetVerdict {
        enum Verdict: String {
            case succeeded, running, failed, missing
            case historicallySucceeded = "historically-succeeded"
            case sourceMismatch = "source-mismatch"
        }
        let target: Target
        let verdict: Verdict
        let run: PipelineRun?
        let nameMatchesCommit: Bool?
        let pinnedMatches: Bool?
        let isCurrent: Bool?

        var requested: String {
            switch target {
            case .pipelineRun(let name): name
            case .sourceCommit(let sha): sha
            }
        }

        func value(now: Date) -> Value {
            let requested: Value =
                switch target {
                case .pipelineRun(let name): .object(["pipelineRun": .string(name)])
                case .sourceCommit(let sha): .object(["sourceCommit": .string(sha)])
                }
            return .object([
                "requested": requested,
                "verdict": .string(verdict.rawValue),
                "pipelineRun": run.map { $0.view(now: now) },
                "targetValidation": .object([
                    "exists": .bool(run != nil),
                    "pinnedCommit": .optional(run?.commit),
                    "nameMatchesPinnedCommit": .optional(nameMatchesCommit),
                    "pinnedCommitMatchesTarget": .optional(pinnedMatches),
                    "isCurrentSourceCommit": .optional(isCurrent),
                    "pipeline": .optional(run?.pipeline),
                    "state": .optional(run?.state.rawValue),
                    "reason": .optional(run?.reason),
                ]),
            ])
        }

        var fields: [(String, String)] {
            [("target", requested), ("verdict", verdict.rawValue), ("run", run?.name ?? "–"), ("pinned commit", run?.commit ?? "–")]
        }
    }

    func verdict(_ target: Target) -> TargetVerdict {
        let run: PipelineRun? =
            switch target {
            case .pipelineRun(let name): runtime.runs.first { $0.name == name }
            case .sourceCommit(let sha): self.run(for: sha)
            }
        let targetCommit: String? =
            switch target {
            case .pipelineRun: run?.commit
            case .sourceCommit(let sha): sha
            }
        let nameMatchesCommit = run.map { run in run.commit.map { run.name == facts.runName(for: $0) } ?? false }
        let pinnedMatches: Bool? =
            switch target {
            case .sourceCommit(let sha): run.map { $0.commit?.hasPrefix(sha) == true || (sha.count == 40 && $0.commit == sha) }
            case .pipelineRun: nameMatchesCommit
            }
        let isCurrent = targetCommit.flatMap { commit in source.commit.map { $0.hasPrefix(commit) || commit.hasPrefix($0) } }
        let verdict: TargetVerdict.Verdict
        if let run {
            if pinnedMatches == false {
                verdict = .sourceMismatch
            } else {
                switch run.state {
                case .running: verdict = .running
                case .failed: verdict = .failed
                case .succeeded: verdict = isCurrent == true ? .succeeded : .historicallySucceeded
                }
            }
        } else {
            verdict = .missing
        }
        return TargetVerdict(
            target: target, verdict: verdict, run: run, nameMatchesCommit: nameMatchesCommit, pinnedMatches: pinnedMatches,
            isCurrent: isCurrent)
    }

    // MARK: Rendering

    func output(target: Target?, full exchanges: [NodeExchange]?, raw: Bool) -> CommandOutput {
        var value = self.value
        var next = self.next
        let targetVerdict = target.map(verdict)
        if let targetVerdict {
            value = value.setting("target", targetVerdict.value(now: now))
            if let name = targetVerdict.run?.name {
                next.insert(
                    ShellQuote.join([
                        "kubectl", "--node", facts.lane.node, "-n", facts.ciNamespace, "describe", "pipelineruns.tekton.dev", name,
                    ]), at: 0)
            }
        }
        if let exchanges {
            value = value.setting(
                "remote",
                .array(
                    exchanges.map { exchange in
                        .object([
                            "command": .string(exchange.display), "exitStatus": .int(Int(exchange.exitStatus)),
                            "durationMs": .int(Int(exchange.duration * 1000)),
                            "stdoutTail": .string(NodeExchange.tail(exchange.stdout, lines: 20)),
                            "stderrTail": .string(NodeExchange.tail(exchange.stderr, lines: 20)),
                        ])
                    }))
        }
        if raw, let mirror { value = value.setting("gitMirrorRaw", .string(mirror.raw)) }
        value = value.setting("next", .array(next.map(Value.string)))

        var blocks: [HumanBlock] = [.summary(summaryLine)]
        if let targetVerdict { blocks.append(.fields(targetVerdict.fields)) }
        blocks.append(.fields([("stages", stageMilliseconds.map { "\($0.0) \($0.1) ms" }.joined(separator: " · "))]))
        blocks.append(.table(Table(columns: [.init("ALIGNMENT"), .init(""), .init("DETAIL")], rows: alignmentRows)))
        if let exchanges {
            blocks.append(
                .section(
                    "remote commands",
                    exchanges.map { exchange in
                        .text(
                            "$ \(exchange.display)  (exit \(exchange.exitStatus), \(Int(exchange.duration * 1000)) ms)"
                                + tailText("stdout", exchange.stdout) + tailText("stderr", exchange.stderr))
                    }))
        }
        if raw, let mirror {
            blocks.append(.section("git-mirror raw (\(mirror.cacheDir))", [.text(mirror.raw.isEmpty ? "(empty)" : mirror.raw)]))
        }
        blocks.append(.next(next))
        for (stage, error) in failures {
            blocks.insert(.warning("\(stage) stage failed: \(error.message)" + (error.hint.map { " (\($0))" } ?? "")), at: 1)
        }
        // What could be seen is shown; that something could not is a remote failure (exit 3).
        return CommandOutput(value, human: blocks, status: failures.isEmpty ? 0 : 3)
    }

    private func tailText(_ name: String, _ text: String) -> String {
        let tail = NodeExchange.tail(text, lines: 20)
        return tail.isEmpty
            ? ""
            : "\n  \(name):\n" + tail.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
    }

    var summaryLine: String {
        var parts = ["\(facts.lane.qualifiedName)"]
        if let error = failed("source") {
            parts.append("source unavailable (\(Self.lastLine(error.message)))")
        } else if let commit = source.commit {
            parts.append(
                "source \(Kube.short(commit))"
                    + (source.preflight.ok ? "" : " (worktree: \(source.preflight.failures.map(\.name).joined(separator: ", ")) failed)"))
        } else {
            parts.append("source unknown (worktree \(source.preflight.exists ? "unreadable" : "missing"))")
        }
        if let error = failed("runtime") {
            parts.append("runtime unavailable (\(Self.lastLine(error.message)))")
            return parts.joined(separator: " · ")
        }
        if let run = sourceRun {
            let age = run.duration(now: now).map { " " + Durations.age($0) } ?? ""
            parts.append("run \(run.name) \(run.state.rawValue)\(age)")
        } else if let commit = source.commit {
            parts.append("run \(facts.runName(for: commit)) missing")
        }
        if let app = runtime.application {
            let sync = app.lookup("status.sync.status")?.stringValue ?? "?"
            let health = app.lookup("status.health.status")?.stringValue ?? "?"
            let alignment = argoMatchesGitops.map { $0 ? " = gitops latest" : " ≠ gitops latest \(Kube.short(source.gitopsLatest))" } ?? ""
            parts.append("argo \(sync)/\(health) \(Kube.short(argoRevision))\(alignment)")
        } else {
            parts.append("argo app \(facts.argoNamespace)/\(facts.argoName) missing")
        }
        if runtime.deployment != nil {
            parts.append("manager \(readyReplicas)/\(desiredReplicas) ready @ \(managerShortCommit ?? "?")")
        } else {
            parts.append("manager deployment missing")
        }
        return parts.joined(separator: " · ")
    }

    static func lastLine(_ text: String) -> String {
        text.split(separator: "\n").last.map(String.init) ?? text
    }

    var alignmentRows: [[String]] {
        func mark(_ ok: Bool?) -> String { ok.map { $0 ? "✓" : "✗" } ?? "?" }
        var rows: [[String]] = []
        rows.append([
            "worktree preflight", mark(source.preflight.ok),
            source.preflight.ok
                ? "clean, \(source.preflight.branchDescription)"
                : source.preflight.failures.map { "\($0.name): \($0.found)" }.joined(separator: "; "),
        ])
        rows.append([
            "source = origin/\(facts.worktree.branch)", mark(source.commit.flatMap { c in source.originHead.map { $0 == c } }),
            "\(Kube.short(source.commit)) vs \(Kube.short(source.originHead))",
        ])
        rows.append([
            "run for source", sourceRun?.state == .running ? "…" : mark(sourceRun.map { $0.state == .succeeded } ?? false),
            sourceRun.map { "\($0.name) \($0.state.rawValue)" } ?? "none",
        ])
        rows.append([
            "argo revision = gitops latest", mark(argoMatchesGitops),
            "\(Kube.short(argoRevision)) vs \(Kube.short(source.gitopsLatest))" + (refreshPending ? " (refresh pending)" : ""),
        ])
        rows.append(["manager = source commit", mark(managerMatchesSource), "\(managerShortCommit ?? "?") vs \(Kube.short(source.commit))"])
        rows.append([
            "workload ready", mark(runtime.deployment == nil ? nil : readyReplicas >= desiredReplicas),
            "\(readyReplicas)/\(desiredReplicas)" + podProblems.map { "; \($0)" }.joined(),
        ])
        if let mirror {
            let repo = mirrorRepository
            let inSync = repo.flatMap { r in source.originHead.map { r.heads[facts.worktree.branch] == $0 } }
            rows.append([
                "git mirror = origin", mark(inSync),
                repo.map { "\($0.path) \(Kube.short($0.heads[facts.worktree.branch]))" }
                    ?? "no mirror of \(facts.worktree.remote) in \(mirror.cacheDir)",
            ])
        }
        return rows
    }

    /// `agentrun-manager-… ImagePullBackOff`, for pods that wait or were lost.
    var podProblems: [String] {
        runtime.pods.compactMap { pod in
            let reasons = pod.waitingReasons + pod.terminatedReasons
            return reasons.isEmpty ? nil : "\(pod.name) \(reasons.joined(separator: ","))"
        }
    }

    var next: [String] {
        var commands: [String] = []
        let flags = facts.laneFlags
        if !source.preflight.ok { commands.append("worktree check \(flags)") }
        if let commit = source.commit {
            if let run = sourceRun {
                commands.append("control-plane status \(flags) --pipeline-run \(run.name)")
                if run.state == .failed { commands.append("control-plane trigger-current \(flags) --dry-run") }
            } else {
                commands.append("control-plane trigger-current \(flags) --dry-run")
            }
            if source.originHead != nil && source.originHead != commit {
                commands.append("control-plane trigger-current \(flags) --dry-run")
            }
        }
        if argoMatchesGitops == false && !refreshPending { commands.append("control-plane refresh \(flags) --dry-run") }
        commands.append("kubectl --node \(ShellQuote.quote(facts.lane.node)) -n \(facts.lane.namespace) get pods")
        commands.append("control-plane status \(flags) --full")
        var seen = Set<String>()
        return commands.filter { seen.insert($0).inserted }
    }

    var value: Value {
        let app = runtime.application
        let repo = mirrorRepository
        return .object([
            "apiVersion": "ars/v1", "kind": "ControlPlaneStatus",
            "lane": .string(facts.lane.qualifiedName), "node": .string(facts.lane.node),
            "observedAt": .string(Kube.format(now)),
            "summary": .string(summaryLine),
            "source": .object([
                "worktree": .string(facts.worktree.path), "branch": .string(facts.worktree.branch),
                "tracking": .string(source.preflight.branchDescription),
                "commit": .optional(source.commit), "shortCommit": source.commit.map { .string(Kube.short($0)) },
                "originHead": .optional(source.originHead),
                "upToDate": .optional(source.commit.flatMap { c in source.originHead.map { $0 == c } }),
                "clean": .bool(source.preflight.exists && source.preflight.changes.isEmpty),
                "preflightOk": .bool(source.preflight.ok),
            ]),
            "pipelineRun": sourceRun.map { $0.view(now: now) }
                ?? .object([
                    "name": source.commit.map { .string(facts.runName(for: $0)) }, "state": "missing", "commit": .optional(source.commit),
                ]),
            "gitops": .object(["branch": .string(facts.gitopsBranch), "latest": .optional(source.gitopsLatest)]),
            "argo": .object([
                "application": .string("\(facts.argoNamespace)/\(facts.argoName)"),
                "exists": .bool(app != nil),
                "syncStatus": .optional(app?.lookup("status.sync.status")?.stringValue),
                "healthStatus": .optional(app?.lookup("status.health.status")?.stringValue),
                "revision": .optional(argoRevision),
                "operationPhase": .optional(app?.lookup("status.operationState.phase")?.stringValue),
                "operationRevision": .optional(app?.lookup("status.operationState.syncResult.revision")?.stringValue),
                "reconciledAt": .optional(app?.lookup("status.reconciledAt")?.stringValue),
                "refreshPending": .bool(refreshPending),
                "conditions": .array((app?.lookup("status.conditions")?.arrayValue ?? []).compactMap { $0["type"] }),
            ]),
            "alignment": .object([
                "argoMatchesGitops": .optional(argoMatchesGitops),
                "managerMatchesSource": .optional(managerMatchesSource),
                "sourceMatchesOrigin": .optional(source.commit.flatMap { c in source.originHead.map { $0 == c } }),
                "refreshPending": .bool(refreshPending),
            ]),
            "workload": .object([
                "namespace": .string(facts.lane.namespace), "deployment": .string(facts.managerDeployment),
                "exists": .bool(runtime.deployment != nil),
                "desired": .int(desiredReplicas), "ready": .int(readyReplicas),
                "available": .int(runtime.deployment?.lookup("status.availableReplicas")?.intValue ?? 0),
                "updated": .int(runtime.deployment?.lookup("status.updatedReplicas")?.intValue ?? 0),
                "pods": .array(
                    runtime.pods.map { pod in
                        .object([
                            "name": .string(pod.name), "phase": .string(pod.phase), "ready": .bool(pod.ready),
                            "waiting": .array(pod.waitingReasons.map(Value.string)),
                            "terminated": .array(pod.terminatedReasons.map(Value.string)),
                        ])
                    }),
                "problems": .array(podProblems.map(Value.string)),
            ]),
            "manager": .object([
                "image": .optional(managerImage),
                "sourceCommit": .optional(managerCommit ?? managerShortCommit),
                "shortCommit": .optional(managerShortCommit),
                "pods": .array(managerPods.map { .string($0.name) }),
            ]),
            "gitMirror": mirror.map { mirror in
                .object([
                    "cacheDir": .string(mirror.cacheDir), "reachable": .bool(mirror.exitStatus == 0),
                    "repositories": .int(mirror.repositories.count),
                    "repository": .optional(repo?.path),
                    "heads": .object(Object((repo?.heads ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, Value.string($0.value)) })),
                    "lastFetch": .optional(repo?.fetched),
                    "sourceInSync": .optional(repo.flatMap { r in source.originHead.map { r.heads[facts.worktree.branch] == $0 } }),
                    "gitopsInSync": .optional(repo.flatMap { r in source.gitopsLatest.map { r.heads[facts.gitopsBranch] == $0 } }),
                ])
            } ?? .null,
            "stages": .object(Object(stageMilliseconds.map { ($0.0, Value.object(["ms": .int($0.1)])) })),
            "errors": .object(
                Object(
                    failures.map {
                        (
                            $0.0,
                            Value.object([
                                "code": .string($0.1.code.rawValue), "message": .string($0.1.message), "hint": .optional($0.1.hint),
                            ])
                        )
                    })),
        ])
    }
}
