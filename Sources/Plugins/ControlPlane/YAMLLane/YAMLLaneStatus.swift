import Commands
import FoundationEssentials

/// `control-plane status` on a YAML-only lane: the source branch and worktree, the run for the
/// source head, the GitOps desired state against a fresh rendering and against the live objects,
/// Argo CD when the lane declares one, the workload, and the exposure (site, allow-list, the host
/// answering). Read-only; a part that could not be read is shown as such (exit 3).
struct YAMLLaneStatus {
    let facts: YAMLLaneFacts
    let full: Bool

    func run(in session: Session) async throws -> CommandOutput {
        let node = try facts.node(in: session)
        let observation = try await LaneObservation.read(facts, node: node)
        let commit = observation.legacyDeployJSON ? nil : observation.sourceHead
        let desired = DesiredState(facts: facts, commit: commit)
        let changes = DesiredStateRollout.changes(from: observation.gitopsFiles, to: desired.files)
        let drift = changes.filter { $0.kind != .unchanged }
        var failures: [String] = []

        // The run for the source head.
        var run: PipelineRun?
        var runName: String?
        if let ci = facts.ciNamespace, let prefix = facts.runPrefix, let head = observation.sourceHead {
            runName = prefix + Kube.short(head)
            do {
                run = try await node.kubectlJSON(["-n", ci, "get", "pipelineruns.tekton.dev", runName ?? ""]).map(PipelineRun.init)
            } catch { failures.append("PipelineRun: \(ErrorReport.normalize(error).message)") }
        }
        // Argo CD, when declared.
        var application: Value?
        if let app = facts.argoApp {
            do {
                application = try await node.kubectlJSON(["-n", app.namespace, "get", "applications.argoproj.io", app.name])
            } catch { failures.append("Argo CD: \(ErrorReport.normalize(error).message)") }
        }
        // The live workload against the desired one.
        let deployment = observation.live["Deployment"]
        let liveContainer = deployment?.lookup("spec.template.spec.containers")?.arrayValue?.first
        let desiredContainer = desired.deployment.lookup("spec.template.spec.containers")?.arrayValue?.first
        let liveImage = liveContainer?["image"]?.stringValue
        let desiredImage = desiredContainer?["image"]?.stringValue
        let envNames = { (container: Value?) in Set((container?["env"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }) }
        let missingEnv = envNames(desiredContainer).subtracting(envNames(liveContainer)).sorted()
        let ready = deployment?.lookup("status.readyReplicas")?.intValue ?? 0
        let replicas = deployment?.lookup("spec.replicas")?.intValue ?? 0

        // The exposure.
        var exposure: Value = .null
        var exposureLine: String?
        if let declared = facts.exposure, let edgeNode = try session.config().catalog.node(declared.edgeNode) {
            let edge = NodeClient(session: session, node: edgeNode)
            let q = ShellQuote.quote
            let read =
                "grep -qx \(q(String(declared.upstream.port))) \(q(declared.allowPortsFile)) 2>/dev/null && echo allowed; [ -f \(q(declared.siteFile)) ] && echo site; true"
            do {
                let said = try await edge.script(read, in: "/").stdoutText
                let health = await ExposeCommand.probe(declared, session: session)
                exposure = [
                    "publicUrl": .string(declared.publicURL), "edgeNode": .string(declared.edgeNode),
                    "allowListed": .bool(said.contains("allowed")), "sitePresent": .bool(said.contains("site")), "health": health,
                ]
                let answering =
                    health["status"]?.intValue.map { "answers \($0)" } ?? "does not answer (\(health["error"]?.plainText ?? "?"))"
                exposureLine =
                    "\(said.contains("site") ? "✓" : "✗") site  \(said.contains("allowed") ? "✓" : "✗") port \(declared.upstream.port) allow-listed  \(declared.publicURL) \(answering)"
            } catch { failures.append("edge \(declared.edgeNode): \(ErrorReport.normalize(error).message)") }
        }

        let argoRevision = application?.lookup("status.sync.revision")?.stringValue
        let value: Value = [
            "apiVersion": "ars/v1", "kind": "ControlPlaneStatus", "lane": .string(facts.lane.qualifiedName), "yamlOnly": true,
            "source": [
                "branch": .string(facts.worktree.branch), "originHead": .optional(observation.sourceHead),
                "worktree": .string(facts.worktree.path), "worktreeExists": .bool(observation.worktree.exists),
                "worktreeReady": .bool(observation.worktree.exists && observation.worktree.ok),
                "deployJsonPresent": .bool(observation.legacyDeployJSON),
            ],
            "pipelineRun": [
                "name": .optional(runName), "state": .optional(run?.state.rawValue), "reason": .optional(run?.reason),
            ],
            "gitops": [
                "branch": .string(facts.gitopsBranch), "path": .string(facts.gitopsPath), "head": .optional(observation.gitopsHead),
                "matchesCatalogue": .bool(drift.isEmpty), "drift": .array(drift.map(\.value)),
            ],
            "argo": application.map { app in
                [
                    "application": .string(facts.argoApp.map { "\($0.namespace)/\($0.name)" } ?? ""), "revision": .optional(argoRevision),
                    "matchesGitops": .bool(argoRevision != nil && argoRevision == observation.gitopsHead),
                    "syncStatus": .optional(app.lookup("status.sync.status")?.stringValue),
                    "healthStatus": .optional(app.lookup("status.health.status")?.stringValue),
                ]
            } ?? .null,
            "workload": [
                "deployment": .string("\(facts.lane.namespace)/\(facts.manager.deployment)"), "exists": .bool(deployment != nil),
                "readyReplicas": .int(ready), "replicas": .int(replicas), "liveImage": .optional(liveImage),
                "desiredImage": .optional(desiredImage), "imageMatches": .bool(liveImage != nil && liveImage == desiredImage),
                "missingEnv": .array(missingEnv.map(Value.string)),
            ],
            "exposure": exposure,
            "unreadable": .array(failures.map(Value.string)),
        ]

        func mark(_ ok: Bool) -> String { ok ? "✓" : "✗" }
        var rows: [(String, String)] = [
            (
                "source",
                "\(facts.worktree.branch) \(Kube.short(observation.sourceHead))"
                    + (observation.legacyDeployJSON ? " — still carries deploy/deploy.json ✗" : "")
                    + (observation.worktree.exists ? "" : " — worktree \(facts.worktree.path) missing")
            ),
            ("pipeline run", runName.map { "\($0) \(run.map { $0.state.rawValue } ?? "missing")" } ?? "(no ciNamespace/pipelineRunPrefix)"),
            (
                "gitops",
                "\(mark(drift.isEmpty)) \(facts.gitopsBranch) \(Kube.short(observation.gitopsHead))"
                    + (drift.isEmpty ? " holds the catalogue's desired state" : " differs from the catalogue in \(drift.count) file(s)")
            ),
        ]
        if let app = facts.argoApp {
            rows.append(
                (
                    "argo",
                    "\(mark(argoRevision != nil && argoRevision == observation.gitopsHead)) \(app.namespace)/\(app.name) at \(Kube.short(argoRevision)) \(application?.lookup("status.sync.status")?.stringValue ?? "?")/\(application?.lookup("status.health.status")?.stringValue ?? "?")"
                ))
        }
        rows.append(
            (
                "workload",
                deployment == nil
                    ? "✗ \(facts.lane.namespace)/\(facts.manager.deployment) missing"
                    : "\(mark(ready >= replicas && replicas > 0)) \(ready)/\(replicas) ready  \(mark(liveImage == desiredImage)) image \(liveImage ?? "?")"
                        + (missingEnv.isEmpty ? "" : "  missing env \(missingEnv.joined(separator: ", "))")
            ))
        if let exposureLine { rows.append(("exposure", exposureLine)) }
        var blocks: [HumanBlock] = [
            .summary(
                "\(facts.lane.qualifiedName) (YAML-only): source \(Kube.short(observation.sourceHead)), GitOps \(drift.isEmpty ? "in sync with the catalogue" : "drifted"), manager \(ready)/\(replicas) ready"
            ),
            .fields(rows),
        ]
        if full, !drift.isEmpty { blocks.append(.text(drift.map { "--- \($0.path)\n" + $0.diff.unified() }.joined(separator: "\n\n"))) }
        for failure in failures { blocks.append(.warning("could not read \(failure)")) }
        var next: [String] = []
        if !drift.isEmpty || observation.legacyDeployJSON { next.append("control-plane plan \(facts.laneFlags)") }
        if drift.isEmpty, deployment != nil, liveImage != desiredImage {
            let syncer =
                facts.argoApp.map { "Argo CD \($0.namespace)/\($0.name)" } ?? "whatever syncs the GitOps path (no argoApp declared)"
            blocks.append(
                .warning(
                    "the live Deployment runs \(liveImage ?? "?") but GitOps names \(desiredImage ?? "?"): \(syncer) has not applied \(Kube.short(observation.gitopsHead)) yet"
                ))
        }
        if facts.exposure != nil, exposure["sitePresent"]?.boolValue != true {
            next.append("control-plane expose \(facts.laneFlags) --dry-run")
        }
        if !next.isEmpty { blocks.append(.next(next)) }
        return CommandOutput(value, human: blocks, status: failures.isEmpty ? 0 : 3)
    }
}
