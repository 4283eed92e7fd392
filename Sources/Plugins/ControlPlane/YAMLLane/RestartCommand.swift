import Commands
import FoundationEssentials

/// `control-plane restart`: a rollout restart of a YAML-only lane's manager Deployment — how the
/// manager reads Secrets that `secret-sync` changed — followed until it completes or times out.
/// Never deletes a Pod.
struct RestartCommand: Command {
    let signature = CommandSignature(
        "control-plane restart", summary: "Roll out a YAML-only lane's manager Deployment again and follow it",
        discussion: """
            kubectl rollout restart of the lane's manager Deployment (a new pod-template annotation, so the Deployment controller replaces the Pods one ReplicaSet at a time — never a Pod deleted by hand), then kubectl rollout status until the rollout completes or --timeout passes, and reports the new ReplicaSet, its revision and its ready Pods. A rollout that does not complete in time exits 1 with what the Deployment reports. Run it after secret-sync: a running manager reads new Secret values only when its Pods are replaced.
            """,
        options: [.node, .lane, Option("timeout", "How long to follow the rollout (default 5m)", valueName: "DURATION")]
            + WriteGate.options,
        examples: [
            Example("control-plane restart --node D601 --lane v02 --dry-run", "The Deployment, its revision and the plan"),
            Example("control-plane restart --node D601 --lane v02 --confirm --timeout 10m", "Restart and follow for up to 10 minutes"),
        ],
        lanes: .yamlOnly)

    struct Options: LaneScoped {
        let gated: GatedYAMLLane
        let timeout: Double
        var lane: LaneSettings { gated.lane }
    }

    func resolve(_ invocation: Invocation, in session: Session) throws -> Options {
        var timeout = 300.0
        if let text = invocation.option("timeout") {
            guard let seconds = Durations.parse(text), seconds >= 1 else {
                throw ArsError.usage(.badValue, "--timeout '\(text)' is not a duration of at least 1s", hint: "write it as 90s, 5m or 1h")
            }
            timeout = seconds
        }
        return Options(gated: try GatedYAMLLane.resolve(invocation, in: session), timeout: timeout)
    }

    func run(_ options: Options, in session: Session) async throws -> CommandOutput {
        let (facts, mode) = (options.gated.facts, options.gated.mode)
        let node = try facts.node(in: session)
        let namespace = facts.lane.namespace
        let name = facts.manager.deployment
        guard let deployment = try await node.kubectlJSON(["-n", namespace, "get", "deployment", name]) else {
            throw ArsError(
                .remote, code: .notFound, "Deployment \(namespace)/\(name) does not exist on \(facts.lane.node)",
                hint: "apply the lane's desired state first (control-plane apply \(facts.laneFlags) --dry-run); nothing was changed")
        }
        let before = Self.facts(deployment)
        let command = "control-plane restart \(facts.laneFlags)"
        // The restart rests on which Deployment it is and the template it replaces.
        let planID = WriteGate.planID(
            observed: [
                "Deployment/\(namespace)/\(name) uid=\(KubeObject(value: deployment).uid)",
                "template=\(SHA256.hex(JSON.encode(deployment.lookup("spec.template") ?? .null)))",
            ],
            decided: ["rollout restart"])
        try WriteGate.check(mode, planID: planID, command: command)
        var plan = PlanReport(
            command: command, lane: facts.lane, mode: mode, planID: planID,
            actions: [
                "kubectl rollout restart deployment/\(name) -n \(namespace) (revision \(before.revision ?? "?") → next)",
                "follow the rollout for up to \(Durations.format(options.timeout))",
            ])
        plan.details = [("deployment", .string("\(namespace)/\(name)")), ("before", before.value)]
        guard mode != .dryRun else {
            let blocks: [HumanBlock] = [
                .summary(
                    "\(facts.lane.qualifiedName): would restart \(namespace)/\(name) — revision \(before.revision ?? "?"), \(before.ready)/\(before.replicas) ready"
                ),
                .text(plan.actions.map { "• " + $0 }.joined(separator: "\n")),
                .fields([("plan", planID)]),
                .next([plan.confirm]),
            ]
            return CommandOutput(plan.value(), human: blocks)
        }

        try await node.kubectlWrite(["-n", namespace, "rollout", "restart", "deployment/\(name)"])
        var done = ["restarted deployment/\(name) in \(namespace)"]
        let seconds = Int(options.timeout.rounded(.up))
        let follow = RemoteCommand.kubectl(
            ["-n", namespace, "rollout", "status", "deployment/\(name)", "--timeout=\(seconds)s"], timeout: options.timeout + 30)
        let status = try await node.run(follow)
        let after = try await node.kubectlJSON(["-n", namespace, "get", "deployment", name]).map(Self.facts)
        guard status.succeeded else {
            let said = NodeExchange.tail(status.stderrText.isEmpty ? status.stdoutText : status.stderrText, lines: 2)
            throw ArsError(
                .remote, code: .rolloutTimeout,
                "the restart of \(namespace)/\(name) did not complete within \(Durations.format(options.timeout)): \(said) (\(after.map { "\($0.updated) updated, \($0.ready)/\($0.replicas) ready" } ?? "Deployment gone"))",
                hint:
                    "see why with: kubectl -n \(namespace) describe deployment/\(name) (through the node's bridge); the restart itself was made"
            )
        }
        done.append("rollout complete")
        // The new ReplicaSet is the one carrying the Deployment's revision now.
        let sets = try await node.kubectlList(["-n", namespace, "get", "replicasets"])
        let revision = after?.revision
        let current = sets.first { set in
            set.lookup("metadata.annotations")?["deployment.kubernetes.io/revision"]?.stringValue == revision
                && (set.lookup("metadata.ownerReferences")?.arrayValue ?? []).contains { $0["name"]?.stringValue == name }
        }
        let hash = current?.lookup("metadata.labels")?["pod-template-hash"]?.stringValue
        let pods =
            hash == nil
            ? [] : try await node.kubectlList(["-n", namespace, "get", "pods", "-l", "pod-template-hash=\(hash ?? "")"])
        let readyPods = pods.filter { PodStatus($0).ready }.compactMap { $0.lookup("metadata.name")?.stringValue }
        let replicaSet = current?.lookup("metadata.name")?.stringValue
        plan.details += [
            ("after", after?.value ?? .null), ("replicaSet", .optional(replicaSet)),
            ("readyPods", .array(readyPods.map(Value.string))),
        ]
        let blocks: [HumanBlock] = [
            .summary(
                "\(facts.lane.qualifiedName): \(namespace)/\(name) rolled out — revision \(revision ?? "?"), ReplicaSet \(replicaSet ?? "?"), \(readyPods.count) ready Pod(s)"
            ),
            .fields([("ready pods", readyPods.joined(separator: ", ")), ("plan", planID)]),
            .next(["control-plane status \(facts.laneFlags)"]),
        ]
        return CommandOutput(plan.value(done: done), human: blocks)
    }

    struct DeploymentFacts {
        var revision: String?
        var replicas: Int
        var updated: Int
        var ready: Int
        var value: Value {
            ["revision": .optional(revision), "replicas": .int(replicas), "updatedReplicas": .int(updated), "readyReplicas": .int(ready)]
        }
    }

    static func facts(_ deployment: Value) -> DeploymentFacts {
        DeploymentFacts(
            revision: deployment.lookup("metadata.annotations")?["deployment.kubernetes.io/revision"]?.stringValue,
            replicas: deployment.lookup("spec.replicas")?.intValue ?? 1,
            updated: deployment.lookup("status.updatedReplicas")?.intValue ?? 0,
            ready: deployment.lookup("status.readyReplicas")?.intValue ?? 0)
    }
}
