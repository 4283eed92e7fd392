import Commands
import FoundationEssentials

// MARK: - trigger-current

/// `control-plane trigger-current`: fast-forward the fixed source worktree to `origin/<branch>`
/// and create the commit-pinned PipelineRun for it. Refuses when that run is running or has
/// succeeded; replaces it only when it failed. Does not wait.
struct TriggerCurrentCommand: Command {
    let signature = CommandSignature(
        "control-plane trigger-current",
        summary: "Fast-forward the source worktree and create the commit-pinned PipelineRun (does not wait)",
        discussion: """
            Checks the fixed source worktree (path, branch, origin, clean), reads origin's latest commit of the lane's branch without fetching, and plans: fast-forward the worktree to it and create the PipelineRun named for it (agentrun-v01-ci-<short>), pinned with the git-revision parameter. A run of that name that is running or has succeeded is refused (exit 4); a failed one is deleted and created again. The new run's spec is copied from the pipeline's latest run (else from the lane's pipelineGitUrl). Poll with the status command it prints.
            On a YAML-only lane it first does what control-plane apply does — the source worktree and branch made to exist, deploy/deploy.json deleted from the source branch in its own commit, the desired state rendered from the catalogue committed to the GitOps branch — then creates the run for the resulting source commit with the lane's own prefix.
            """,
        options: [.node, .lane] + WriteGate.options,
        examples: [
            Example("control-plane trigger-current --dry-run", "What would be built, and the plan id"),
            Example("control-plane trigger-current --confirm", "Build the current origin/v0.1"),
            Example("control-plane trigger-current --node D601 --lane v02 --dry-run", "A YAML-only lane: apply's plan and the run"),
        ])

    /// The historic lane's facts, or a YAML-only lane's.
    enum Options: LaneScoped {
        case historic(GatedLane)
        case yamlOnly(GatedYAMLLane)

        var lane: LaneSettings {
            switch self {
            case .historic(let gated): gated.lane
            case .yamlOnly(let gated): gated.lane
            }
        }
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        let lane = try invocation.lane(in: session)
        return lane.yamlOnly
            ? .yamlOnly(try GatedYAMLLane.resolve(invocation, in: session)) : .historic(try GatedLane.resolve(invocation, in: session))
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        switch options {
        case .historic(let gated): try await runHistoric(gated, in: session)
        case .yamlOnly(let gated): try await YAMLTriggerCurrent(gated: gated).run(in: session)
        }
    }

    private func runHistoric(_ options: GatedLane, in session: Session) async throws -> CommandOutput {
        let (facts, mode) = (options.facts, options.mode)
        let node = try facts.node(in: session)
        let command = "\(signature.name) \(facts.laneFlags)"
        let worktree = facts.worktree

        async let preflightResult = worktree.preflight(node)
        async let remoteResult = node.script(
            "git rev-parse HEAD; git ls-remote origin " + ShellQuote.quote("refs/heads/\(worktree.branch)"), in: worktree.path)
        async let runValues = node.kubectlList([
            "-n", facts.ciNamespace, "get", "pipelineruns.tekton.dev", "-l", "tekton.dev/pipeline=\(facts.pipeline)",
        ])
        let preflight = try await preflightResult
        guard preflight.ok else { throw preflight.notReady(node: facts.lane.node, path: worktree.path, laneFlags: facts.laneFlags) }
        let remote = try await remoteResult
        let lines = remote.stdoutText.split(separator: "\n").map(String.init)
        guard remote.succeeded, let head = lines.first, let target = lines.dropFirst().first?.split(separator: "\t").first.map(String.init),
            target.count == 40
        else {
            throw ArsError(
                .remote, code: .originUnreadable,
                "cannot read origin's \(worktree.branch) from \(facts.lane.node):\(worktree.path): \(NodeExchange.tail(remote.stderrText, lines: 2))",
                hint: "check the worktree's origin remote and the node's access to it")
        }
        let runs = try await runValues.map(PipelineRun.init)
        let name = facts.runName(for: target)
        let existing = runs.first { $0.name == name }
        if let existing, existing.state != .failed {
            let state = existing.state == .running ? "is running" : "has already succeeded"
            throw ArsError(
                .refused, code: .runExists,
                "PipelineRun \(facts.ciNamespace)/\(name) for \(Kube.short(target)) \(state); a second run of the same commit is refused",
                hint: "watch it with 'control-plane status \(facts.laneFlags) --pipeline-run \(name)'")
        }
        let planID = WriteGate.planID(
            observed: ["head=\(head)", "origin=\(target)", existing?.object.fingerprint ?? "run=\(name)@none"], decided: [name])
        try WriteGate.check(mode, planID: planID, command: command)

        let manifest = try Self.manifest(
            name: name, commit: target, facts: facts.pipelineTarget,
            template: runs.max { ($0.object.created ?? .distantPast) < ($1.object.created ?? .distantPast) })
        var actions: [String] = []
        if head != target {
            actions.append("fast-forward \(worktree.path) from \(Kube.short(head)) to \(worktree.upstream) \(Kube.short(target))")
        }
        if existing != nil { actions.append("delete failed PipelineRun \(facts.ciNamespace)/\(name)") }
        actions.append("create PipelineRun \(facts.ciNamespace)/\(name) pinned to \(target)")
        var plan = PlanReport(
            command: command, lane: facts.lane, mode: mode, planID: planID, actions: actions)
        let statusCommand = "control-plane status \(facts.laneFlags) --pipeline-run \(name)"
        plan.details = [
            ("worktree", .string(worktree.path)), ("head", .string(head)), ("target", .string(target)),
            ("pipelineRun", .string(name)), ("existing", .optional(existing.map { "\($0.state.rawValue) (\($0.reason ?? ""))" })),
            ("manifest", manifest), ("poll", .string(statusCommand)),
        ]

        var done: [String] = []
        if !plan.isDryRun {
            let script =
                "git fetch --quiet origin " + ShellQuote.quote(worktree.branch) + " && git merge --ff-only --quiet "
                + ShellQuote.quote(worktree.upstream) + " && git rev-parse HEAD"
            let merged = try await node.script(script, in: worktree.path)
            let now = merged.stdoutText.trimmingWhitespace()
            guard merged.succeeded else { throw node.failure(.script(script, in: worktree.path), merged) }
            guard now == target else {
                throw ArsError(
                    .refused, code: .planChanged,
                    "origin's \(worktree.branch) moved to \(Kube.short(now)) after the plan named \(Kube.short(target)); the worktree is at \(Kube.short(now)) and no run was created",
                    hint: "run it again: \(command) --dry-run")
            }
            if head != target { done.append("fast-forwarded \(worktree.path) to \(Kube.short(target))") }
            if existing != nil {
                try await node.kubectlWrite(["-n", facts.ciNamespace, "delete", "pipelineruns.tekton.dev", name])
                done.append("deleted failed PipelineRun \(facts.ciNamespace)/\(name)")
            }
            try await node.kubectlWrite(["create", "-f", "-"], stdin: Data(JSON.encode(manifest).utf8))
            done.append("created PipelineRun \(facts.ciNamespace)/\(name)")
        }
        let blocks: [HumanBlock] = [
            .summary(
                plan.isDryRun
                    ? "\(facts.lane.qualifiedName): would build \(Kube.short(target)) as \(name)"
                    : "\(facts.lane.qualifiedName): \(name) created for \(Kube.short(target)); not waiting — poll with the status command"),
            .text((plan.isDryRun ? actions : done).map { "• " + $0 }.joined(separator: "\n")),
            .fields([("plan", planID)]),
            .next(plan.isDryRun ? [plan.confirm] : [statusCommand]),
        ]
        return CommandOutput(plan.value(done: done), human: blocks)
    }

    /// The new run: the pipeline's latest run's spec with the commit pinned, else a minimal spec
    /// from the lane's `pipelineGitUrl`.
    static func manifest(name: String, commit: String, facts: PipelineTarget, template: PipelineRun?) throws(ArsError) -> Value {
        var spec: Value
        if let templateSpec = template?.object.value["spec"], case .object(var object) = templateSpec {
            object["status"] = nil
            let params = (object["params"]?.arrayValue ?? []).map { param in
                param["name"]?.stringValue == "git-revision" ? param.setting("value", .string(commit)) : param
            }
            object["params"] = .array(
                params.contains { $0["name"] == "git-revision" } ? params : params + [["name": "git-revision", "value": .string(commit)]])
            spec = .object(object)
        } else if let url = facts.pipelineGitURL {
            spec = [
                "params": [["name": "git-url", "value": .string(url)], ["name": "git-revision", "value": .string(commit)]],
                "pipelineRef": ["name": .string(facts.pipeline)],
                "taskRunTemplate": ["serviceAccountName": "default"],
                "timeouts": ["pipeline": "1h0m0s"],
                "workspaces": [
                    [
                        "name": "source",
                        "volumeClaimTemplate": ["spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]]],
                    ]
                ],
            ]
        } else {
            throw ArsError.usage(
                .noRunTemplate,
                "no earlier PipelineRun of \(facts.pipeline) to copy and no pipelineGitUrl for lane \(facts.laneName)",
                hint: "add pipelineGitUrl (the git-url parameter) to the lane in the catalogue")
        }
        return [
            "apiVersion": "tekton.dev/v1", "kind": "PipelineRun",
            "metadata": [
                "name": .string(name), "namespace": .string(facts.ciNamespace),
                "labels": ["tekton.dev/pipeline": .string(facts.pipeline)],
                "annotations": ["ars.agentrun.dev/triggered-by": "control-plane trigger-current"],
            ],
            "spec": spec,
        ]
    }
}

// MARK: - refresh

/// `control-plane refresh`: a hard refresh of the lane's Argo CD Application, and nothing else.
struct RefreshCommand: Command {
    static let annotation = "argocd.argoproj.io/refresh"

    let signature = CommandSignature(
        "control-plane refresh", summary: "Hard-refresh the lane's Argo CD Application (only that one)",
        discussion:
            "For when GitOps promotion finished but Argo CD still shows the old revision: sets argocd.argoproj.io/refresh=hard on the lane's Application. It never patches the runtime workload.",
        options: [.node, .lane] + WriteGate.options,
        examples: [Example("control-plane refresh --dry-run", "Show the Application's revision and the plan")])

    func resolve(_ invocation: Invocation, in session: Session) throws -> GatedLane {
        try GatedLane.resolve(invocation, in: session)
    }

    func run(_ options: GatedLane, in session: Session) async throws -> CommandOutput {
        let (facts, mode) = (options.facts, options.mode)
        let node = try facts.node(in: session)
        let command = "\(signature.name) \(facts.laneFlags)"
        guard let app = try await node.kubectlJSON(["-n", facts.argoNamespace, "get", "applications.argoproj.io", facts.argoName]) else {
            throw ArsError(
                .remote, code: .notFound,
                "Argo CD Application \(facts.argoNamespace)/\(facts.argoName) does not exist on \(facts.lane.node)",
                hint: "check argoApp of lane \(facts.lane.qualifiedName) in the catalogue")
        }
        let object = KubeObject(value: app)
        // Argo CD rewrites the Application's status (and version) on every reconcile; the plan
        // rests on which Application it is and the revision it shows.
        let planID = WriteGate.planID(
            observed: [
                "\(object.kind)/\(object.namespace ?? "")/\(object.name) uid=\(object.uid)",
                "revision=\(app.lookup("status.sync.revision")?.stringValue ?? "")",
            ],
            decided: ["refresh=hard"])
        try WriteGate.check(mode, planID: planID, command: command)
        let pending = object.annotation(Self.annotation)
        var plan = PlanReport(
            command: command, lane: facts.lane, mode: mode, planID: planID,
            actions: ["annotate Application \(facts.argoNamespace)/\(facts.argoName) \(Self.annotation)=hard"])
        plan.details = [
            ("application", .string("\(facts.argoNamespace)/\(facts.argoName)")),
            ("revision", .optional(app.lookup("status.sync.revision")?.stringValue)),
            ("syncStatus", .optional(app.lookup("status.sync.status")?.stringValue)),
            ("healthStatus", .optional(app.lookup("status.health.status")?.stringValue)),
            ("reconciledAt", .optional(app.lookup("status.reconciledAt")?.stringValue)),
            ("refreshPending", .optional(pending)),
        ]
        var done: [String] = []
        if !plan.isDryRun {
            try await node.kubectlWrite([
                "-n", facts.argoNamespace, "annotate", "applications.argoproj.io", facts.argoName, "\(Self.annotation)=hard", "--overwrite",
            ])
            done.append("requested a hard refresh of \(facts.argoNamespace)/\(facts.argoName)")
        }
        let blocks: [HumanBlock] = [
            .summary(
                plan.isDryRun
                    ? "\(facts.lane.qualifiedName): would hard-refresh \(facts.argoNamespace)/\(facts.argoName) (at \(Kube.short(app.lookup("status.sync.revision")?.stringValue)), reconciled \(app.lookup("status.reconciledAt")?.stringValue ?? "never"))"
                    : "\(facts.lane.qualifiedName): hard refresh requested for \(facts.argoNamespace)/\(facts.argoName); Argo CD clears the annotation when done"
            ),
            .fields([("refresh pending", pending ?? "no"), ("plan", planID)]),
            .next(plan.isDryRun ? [plan.confirm] : ["control-plane status \(facts.laneFlags)"]),
        ]
        return CommandOutput(plan.value(done: done), human: blocks)
    }
}
