import Commands
import FoundationEssentials

/// `control-plane trigger-current` on a YAML-only lane: apply's rollout, then the commit-pinned
/// PipelineRun for the source commit it leaves, with the lane's own prefix. A run of that name
/// that is running or has succeeded is refused, as on the historic lane.
struct YAMLTriggerCurrent {
    let gated: GatedYAMLLane

    func run(in session: Session) async throws -> CommandOutput {
        let (facts, mode) = (gated.facts, gated.mode)
        let pipeline = try target(facts)
        let node = try facts.node(in: session)
        let command = "control-plane trigger-current \(facts.laneFlags)"
        async let observed = LaneObservation.read(facts, node: node)
        async let runValues = node.kubectlList([
            "-n", pipeline.target.ciNamespace, "get", "pipelineruns.tekton.dev", "-l", "tekton.dev/pipeline=\(pipeline.target.pipeline)",
        ])
        let rollout = try DesiredStateRollout(facts: facts, observation: try await observed)
        let runs = try await runValues.map(PipelineRun.init)
        // The run's name is known now unless the migration commit has yet to be made.
        let plannedName = rollout.removesLegacyFile ? nil : pipeline.prefix + Kube.short(rollout.baseCommit)
        let existing = plannedName.flatMap { name in runs.first { $0.name == name } }
        if let existing { try Self.refuseRepeat(existing, facts: facts) }
        let planID = WriteGate.planID(
            observed: rollout.observedKeys + [existing?.object.fingerprint ?? "run=\(plannedName ?? "pending")@none"],
            decided: rollout.decidedKeys + [plannedName ?? "pending"])
        try WriteGate.check(mode, planID: planID, command: command)

        let runLine =
            "\(existing != nil ? "delete the failed run and create" : "create") PipelineRun \(pipeline.target.ciNamespace)/\(plannedName ?? pipeline.prefix + "<commit after removal>") pinned to \(plannedName == nil ? "that commit" : rollout.baseCommit)"
        var plan = PlanReport(command: command, lane: facts.lane, mode: mode, planID: planID, actions: rollout.actions + [runLine])
        plan.details = rollout.details
        let template = runs.max { ($0.object.created ?? .distantPast) < ($1.object.created ?? .distantPast) }
        // The run's spec must be makeable before anything is written (a template or pipelineGitUrl).
        _ = try TriggerCurrentCommand.manifest(
            name: plannedName ?? pipeline.prefix + "0000000", commit: rollout.baseCommit, facts: pipeline.target, template: template)

        guard mode != .dryRun else {
            plan.details.append(("pipelineRun", .optional(plannedName)))
            let blocks: [HumanBlock] = [
                .summary(
                    "\(facts.lane.qualifiedName): would apply the desired state and build \(plannedName ?? "the source commit after deploy/deploy.json's removal")"
                ),
                .text(plan.actions.map { "• " + $0 }.joined(separator: "\n")),
                .text(rollout.changes.map(\.summary).joined(separator: "\n")),
                .fields([("plan", planID)]),
                .next([plan.confirm, "control-plane plan \(facts.laneFlags) --full"]),
            ]
            return CommandOutput(plan.value(), human: blocks)
        }

        let outcome = try await rollout.execute(node: node)
        var done = outcome.done
        let name = pipeline.prefix + Kube.short(outcome.commit)
        if let existing, existing.state == .failed, existing.name == name {
            try await node.kubectlWrite(["-n", pipeline.target.ciNamespace, "delete", "pipelineruns.tekton.dev", name])
            done.append("deleted failed PipelineRun \(pipeline.target.ciNamespace)/\(name)")
        } else if let other = runs.first(where: { $0.name == name }) {
            try Self.refuseRepeat(other, facts: facts)
        }
        let manifest = try TriggerCurrentCommand.manifest(name: name, commit: outcome.commit, facts: pipeline.target, template: template)
        try await node.kubectlWrite(["create", "-f", "-"], stdin: Data(JSON.encode(manifest).utf8))
        done.append("created PipelineRun \(pipeline.target.ciNamespace)/\(name) pinned to \(outcome.commit)")
        plan.details += [("pipelineRun", .string(name)), ("sourceCommit", .string(outcome.commit)), ("manifest", manifest)]
        let statusCommand = "control-plane status \(facts.laneFlags)"
        let blocks: [HumanBlock] = [
            .summary(
                "\(facts.lane.qualifiedName): \(name) created for \(Kube.short(outcome.commit)); not waiting — poll with the status command"
            ),
            .text(done.map { "• " + $0 }.joined(separator: "\n")),
            .fields([("plan", planID)]),
            .next([statusCommand]),
        ]
        return CommandOutput(plan.value(done: done), human: blocks)
    }

    private func target(_ facts: YAMLLaneFacts) throws(ArsError) -> (target: PipelineTarget, prefix: String) {
        guard let ci = facts.ciNamespace, let prefix = facts.runPrefix else {
            throw ArsError.usage(
                .laneKeyMissing, "YAML-only lane \(facts.lane.qualifiedName) needs ciNamespace and pipelineRunPrefix to trigger a build",
                hint: "add them to the lane (docs/config.md); control-plane apply needs neither")
        }
        let pipeline = facts.lane.raw["pipeline"]?.stringValue ?? (prefix.hasSuffix("-") ? String(prefix.dropLast()) : prefix)
        return (
            PipelineTarget(
                laneName: facts.lane.qualifiedName, ciNamespace: ci, pipeline: pipeline,
                pipelineGitURL: facts.lane.raw["pipelineGitUrl"]?.stringValue),
            prefix
        )
    }

    private static func refuseRepeat(_ run: PipelineRun, facts: YAMLLaneFacts) throws(ArsError) {
        guard run.state != .failed else { return }
        throw ArsError(
            .refused, code: .runExists,
            "PipelineRun \(run.object.namespace ?? "")/\(run.name) \(run.state == .running ? "is running" : "has already succeeded"); a second run of the same commit is refused",
            hint: "watch it with 'control-plane status \(facts.laneFlags)'")
    }
}
