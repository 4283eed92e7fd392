import Commands
import FoundationEssentials

// MARK: - plan

/// `control-plane plan`: a YAML-only lane's desired state rendered from the catalogue, and its
/// diff against the lane's GitOps branch. Reads only.
struct PlanCommand: Command {
    let signature = CommandSignature(
        "control-plane plan", summary: "Render a YAML-only lane's desired state from the catalogue and diff it against GitOps (read-only)",
        discussion: """
            Renders, from the lane's catalogue entry alone, the artifact catalog (the manager image built from the source commit) and the GitOps desired state (Namespace, manager Deployment with its env, database parameters and Secret references, Service), and diffs them against the files the lane owns in its GitOps branch. Also reads the source branch (does it still carry deploy/deploy.json?) and the fixed source worktree. Nothing is written: the branches are read into a scratch repository in the node's $TMPDIR, removed when the read ends. Prints the diff summary (--full: the whole diff), the plan id, bound to the commits it read, and the command that applies it.
            """,
        options: [.node, .lane, Option.flag("full", "Print each changed file's unified diff")],
        examples: [
            Example("control-plane plan --node D601 --lane v02", "What apply would commit, file by file"),
            Example("control-plane plan --node D601 --lane v02 --full", "With the diff itself"),
        ],
        lanes: .yamlOnly)

    struct Options: LaneScoped {
        let facts: YAMLLaneFacts
        let full: Bool
        var lane: LaneSettings { facts.lane }
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        Options(facts: try YAMLLaneFacts(try invocation.lane(in: session)), full: invocation.flag("full"))
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let facts = options.facts
        let observation = try await LaneObservation.read(facts, node: try facts.node(in: session))
        let rollout = try DesiredStateRollout(facts: facts, observation: observation)
        return ApplyCommand.report(rollout, mode: .dryRun, outcome: nil, full: options.full)
    }
}

// MARK: - apply

/// `control-plane apply`: commits the rendered desired state to the lane's GitOps branch, after
/// making sure the source worktree and branch exist and taking `deploy/deploy.json` out of it.
struct ApplyCommand: Command {
    let signature = CommandSignature(
        "control-plane apply", summary: "Commit a YAML-only lane's rendered desired state to its GitOps branch",
        discussion: """
            The write behind control-plane plan. In order: make sure the fixed source worktree and branch exist (clone origin's branch when the worktree is missing; create the branch from source.from and push it when origin lacks it), fast-forward the worktree, delete deploy/deploy.json from the source branch in its own commit (the catalogue is the lane's deployment truth), then commit the rendered artifact catalog and manifests to the GitOps branch and push. The GitOps commit is built with git's plumbing through a scratch index: the worktree's files and branch stay as they are. Each step checks that origin is still where the plan read it, and a refusal says what was already done.
            """,
        options: [.node, .lane, Option.flag("full", "Print each changed file's unified diff")] + WriteGate.options,
        examples: [
            Example("control-plane apply --node D601 --lane v02 --dry-run", "The plan and its id"),
            Example("control-plane apply --node D601 --lane v02 --confirm --plan 3f9c2ab1c0de", "Apply exactly that plan"),
        ],
        lanes: .yamlOnly)

    struct Options: LaneScoped {
        let gated: GatedYAMLLane
        let full: Bool
        var lane: LaneSettings { gated.lane }
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        Options(gated: try GatedYAMLLane.resolve(invocation, in: session), full: invocation.flag("full"))
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let (facts, mode) = (options.gated.facts, options.gated.mode)
        let node = try facts.node(in: session)
        let rollout = try DesiredStateRollout(facts: facts, observation: try await LaneObservation.read(facts, node: node))
        try WriteGate.check(mode, planID: rollout.planID, command: Self.command(facts))
        let outcome = mode == .dryRun ? nil : try await rollout.execute(node: node)
        return Self.report(rollout, mode: mode, outcome: outcome, full: options.full)
    }

    static func command(_ facts: YAMLLaneFacts) -> String { "control-plane apply \(facts.laneFlags)" }

    /// The plan (`plan`, `apply --dry-run`) or what was done (`apply --confirm`).
    static func report(_ rollout: DesiredStateRollout, mode: WriteGate.Mode, outcome: DesiredStateRollout.Outcome?, full: Bool)
        -> CommandOutput
    {
        let facts = rollout.facts
        let planID = rollout.planID
        var plan = PlanReport(command: command(facts), lane: facts.lane, mode: mode, planID: planID, actions: rollout.actions)
        plan.details = rollout.details
        if let outcome {
            plan.details += [("sourceCommit", .string(outcome.commit)), ("gitopsCommit", .optional(outcome.gitopsCommit))]
        }
        let liveImage = rollout.observation.live["Deployment"]?.lookup("spec.template.spec.containers")?.arrayValue?.first?["image"]?
            .stringValue
        plan.details.append(("liveImage", .optional(liveImage)))

        let counts = DesiredStateRollout.FileChange.Kind.allCases.compactMap { kind -> String? in
            let n = rollout.changes.count { $0.kind == kind }
            return n == 0 ? nil : "\(n) \(kind.rawValue)"
        }
        let target = rollout.removesLegacyFile ? "the commit after deploy/deploy.json's removal" : Kube.short(rollout.baseCommit)
        var blocks: [HumanBlock] = []
        if let outcome {
            blocks.append(
                .summary(
                    outcome.done.isEmpty
                        ? "\(facts.lane.qualifiedName): nothing to do — GitOps already holds the desired state for \(Kube.short(outcome.commit))"
                        : "\(facts.lane.qualifiedName): desired state for \(Kube.short(outcome.commit)) is on \(facts.gitopsBranch)"))
            if !outcome.done.isEmpty { blocks.append(.text(outcome.done.map { "• " + $0 }.joined(separator: "\n"))) }
        } else {
            blocks.append(
                .summary(
                    rollout.isInSync
                        ? "\(facts.lane.qualifiedName): in sync — GitOps holds the desired state for \(target)"
                        : "\(facts.lane.qualifiedName): desired state for \(target) — \(counts.joined(separator: ", ")) in \(facts.gitopsBranch):\(facts.gitopsPath)"
                ))
            if !rollout.actions.isEmpty { blocks.append(.text(rollout.actions.map { "• " + $0 }.joined(separator: "\n"))) }
            var files = rollout.changes.map(\.summary).joined(separator: "\n")
            if full {
                for change in rollout.changes where change.kind != .unchanged {
                    files +=
                        "\n\n--- \(change.kind == .added ? "/dev/null" : "a/" + change.path)\n+++ \(change.kind == .removed ? "/dev/null" : "b/" + change.path)\n"
                        + change.diff.unified()
                }
            }
            blocks.append(.text(files))
        }
        // After the write, what it left; before, what the plan read.
        let sourceCommit = outcome?.commit ?? rollout.baseCommit
        let gitopsCommit = outcome?.gitopsCommit ?? rollout.observation.gitopsHead
        let desiredImage =
            outcome.map { facts.image.reference(commit: $0.commit) }
            ?? rollout.desired.artifactCatalog["artifacts"]?
            .arrayValue?.first?["image"]?.stringValue
        blocks.append(
            .fields([
                ("plan", planID), ("source", "\(facts.worktree.branch) \(Kube.short(sourceCommit))"),
                ("gitops", "\(facts.gitopsBranch) \(gitopsCommit.map { Kube.short($0) } ?? "(no branch yet)")"),
                ("image", desiredImage ?? ""), ("live image", liveImage ?? "(no Deployment)"),
            ]))
        if rollout.isInSync {
            blocks.append(.next(["control-plane status \(facts.laneFlags)"]))
        } else if outcome == nil {
            blocks.append(
                .next(
                    [plan.confirm] + (full ? [] : ["control-plane plan \(facts.laneFlags) --full"])))
        } else {
            blocks.append(.next(["control-plane status \(facts.laneFlags)", "control-plane trigger-current \(facts.laneFlags) --dry-run"]))
        }
        return CommandOutput(plan.value(done: outcome?.done ?? []), human: blocks)
    }
}
