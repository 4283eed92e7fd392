import Digest
import Foundation

/// The simulated controllers' constants and pure helpers.
///
/// - Tekton: a PipelineRun created through the API starts 1 s later (Succeeded=Unknown/Running,
///   its `volumeClaimTemplate` workspaces become claims, an affinity-assistant StatefulSet and pod
///   mount them, one TaskRun and pod per pipeline task in turn) and finishes 90 s after creation:
///   True/Succeeded, or False/Failed when annotated `sandbox.ars/outcome: Failed`. Setting
///   `spec.status: Cancelled` on an unfinished run cancels it at once (False/Cancelled). A run that
///   succeeds pinned to a revision (`git-revision`) is promoted (`KubeHooks.promote`), as the
///   pipeline's last task does.
/// - local-path: each claim is bound to a new `pvc-<claim uid>` volume (reclaim `Delete`).
/// - Argo CD (`KubeArgo.swift`): every Application reconciles 180 s after its last reconcile, and
///   3 s after an `argocd.argoproj.io/refresh` annotation was set (consuming it); a new GitOps head
///   (`KubeHooks.gitopsHead`) becomes the sync revision, and under an automated sync policy it is
///   synced: its image tags (`KubeHooks.gitopsImages`) are applied to the managed Deployments.
/// - Deployments (`KubeRollout.swift`): a changed pod template rolls out through a new ReplicaSet
///   and pod (container started 8 s, Ready 16 s after the change), then the old pods go.
/// - git-mirror: the cache fetches from origin every 60 s (`KubeHooks.fetchMirror`).
enum KubeSimulation {
    static let refreshAnnotation = "argocd.argoproj.io/refresh"
    static let outcomeAnnotation = "sandbox.ars/outcome"
    static let refreshTimer = "argocd.refresh"
    static let reconcileTimer = "argocd.reconcile"
    static let runTimer = "tekton.run"
    static let cancelTimer = "tekton.cancel"
    static let rolloutTimer = "apps.rollout"
    static let mirrorTimer = "git.mirror-fetch"
    /// The mirror's timer belongs to no object.
    static let mirrorUID = "sandbox/git-mirror"
    /// Timers that repeat on their own. A tick that changes nothing is folded into the ticks after
    /// it that fall due before any other timer (only other timers can change what they see).
    static let periodicTimers = [reconcileTimer, mirrorTimer]
    /// Sandbox milliseconds from setting the refresh annotation to its consumption.
    static let refreshDelay: Int64 = 3_000
    /// Argo CD's `timeout.reconciliation`: sandbox milliseconds between an Application's reconciles.
    static let reconcilePeriod: Int64 = 180_000
    /// Sandbox milliseconds between two fetches of the git-mirror cache.
    static let mirrorPeriod: Int64 = 60_000
    /// Sandbox milliseconds from a pod-template change to the new pods' containers running (image
    /// pulled, started) and to their readiness (the probe passed; the rollout completes).
    static let containerStartDelay: Int64 = 8_000
    static let podReadyDelay: Int64 = 16_000
    /// Sandbox milliseconds from creating a PipelineRun to its start.
    static let startDelay: Int64 = 1_000
    /// Sandbox milliseconds from creating a PipelineRun to its completion.
    static let runDuration: Int64 = 90_000
    static let cancelValues: Set<String> = ["Cancelled", "CancelledRunFinally", "StoppedRunFinally"]
    static let defaultTimeout = "1h0m0s"

    /// Tekton's webhook defaults for a new PipelineRun.
    static func tektonDefaults(_ input: KubeJSON) -> KubeJSON {
        var run = input
        if run[path: ["spec", "timeouts"]] == nil && run[path: ["spec", "timeout"]] == nil {
            run[path: ["spec", "timeouts", "pipeline"]] = .string(defaultTimeout)
        }
        if run[path: ["spec", "taskRunTemplate", "serviceAccountName"]] == nil {
            run[path: ["spec", "taskRunTemplate", "serviceAccountName"]] = .string("default")
        }
        // The webhook round-trips the run through Go structs: an embedded claim template comes back
        // with a null creationTimestamp and an empty status.
        if var workspaces = run[path: ["spec", "workspaces"]]?.arrayValue {
            for index in workspaces.indices where workspaces[index]["volumeClaimTemplate"]?.objectValue != nil {
                if workspaces[index][path: ["volumeClaimTemplate", "metadata", "creationTimestamp"]] == nil {
                    workspaces[index][path: ["volumeClaimTemplate", "metadata", "creationTimestamp"]] = .null
                }
                if workspaces[index][path: ["volumeClaimTemplate", "status"]] == nil {
                    workspaces[index][path: ["volumeClaimTemplate", "status"]] = .object([:])
                }
            }
            run[path: ["spec", "workspaces"]] = .array(workspaces)
        }
        return run
    }

    /// The Succeeded condition's status (`True`, `False`, `Unknown`), nil before the first one.
    static func succeeded(_ object: KubeJSON) -> String? {
        condition(object)?.string("status")
    }

    static func condition(_ object: KubeJSON) -> KubeJSON? {
        object[path: ["status", "conditions"]]?.arrayValue?.first { $0.string("type") == "Succeeded" }
    }

    static func isDone(_ object: KubeJSON) -> Bool {
        let status = succeeded(object)
        return status == "True" || status == "False"
    }

    static func succeededCondition(_ status: String, reason: String, message: String, at instant: Timestamp) -> KubeJSON {
        .object([
            "type": .string("Succeeded"), "status": .string(status), "reason": .string(reason), "message": .string(message),
            "lastTransitionTime": .string(KubeTime.format(instant)),
        ])
    }

    static func progressMessage(completed: Int, failed: Int = 0, incomplete: Int) -> String {
        incomplete > 0
            ? "Tasks Completed: \(completed) (Failed: \(failed), Cancelled 0), Incomplete: \(incomplete), Skipped: 0"
            : "Tasks Completed: \(completed) (Failed: \(failed), Cancelled 0), Skipped: 0"
    }

    /// The 10-hex digest Tekton names claims (`pvc-` + sha256(workspace + run uid)) and affinity
    /// assistants (`affinity-assistant-` + sha256(workspace + run name)) with.
    static func digest10(_ text: String) -> String {
        String(SHA256.hex(text).prefix(10))
    }

    /// One step of a run's plan: what it knows between timer firings.
    struct Plan: Sendable {
        /// The sandbox instant the run was created, in milliseconds.
        var base: Int64
        var tasks: [Task]

        struct Task: Sendable {
            var name: String
            var taskRef: String
        }

        /// The instant task `index` ends (the last one at `base + runDuration`).
        func end(of index: Int) -> Timestamp {
            let span = KubeSimulation.runDuration - KubeSimulation.startDelay
            return Timestamp(milliseconds: base + KubeSimulation.startDelay + span * Int64(index + 1) / Int64(max(tasks.count, 1)))
        }

        var text: String {
            KubeJSON.object([
                "base": .int(base),
                "tasks": .array(tasks.map { .object(["name": .string($0.name), "taskRef": .string($0.taskRef)]) }),
            ]).text
        }

        init(base: Int64, tasks: [Task]) {
            self.base = base
            self.tasks = tasks
        }

        init?(text: String) {
            guard let document = try? KubeJSON(parsing: text), let base = document["base"]?.integerValue,
                let tasks = document["tasks"]?.arrayValue
            else { return nil }
            self.base = base
            self.tasks = tasks.map { Task(name: $0.string("name") ?? "run", taskRef: $0.string("taskRef") ?? "run") }
        }
    }
}

// MARK: - The controllers

extension KubeCluster {
    /// Applies one due timer (the simulation is catching up with `now`); every path removes or
    /// moves it.
    func fire(_ timer: KubeStore.Timer, now: Timestamp) throws {
        switch timer.purpose {
        case KubeSimulation.runTimer: try stepRun(timer)
        case KubeSimulation.cancelTimer: try cancelRun(uid: timer.uid, at: timer.due)
        case KubeSimulation.refreshTimer: try refresh(uid: timer.uid, at: timer.due)
        case KubeSimulation.reconcileTimer: try periodicReconcile(timer, now: now)
        case KubeSimulation.rolloutTimer: try stepRollout(timer)
        case KubeSimulation.mirrorTimer: try fetchMirror(timer, now: now)
        default: try store.removeTimer(uid: timer.uid, purpose: timer.purpose)
        }
    }

    /// How many further ticks of the periodic `timer` (every `period`) fall due up to `now` and
    /// before any other timer: a tick that changes nothing stands for them all.
    func foldableTicks(_ timer: KubeStore.Timer, period: Int64, now: Timestamp) throws -> Int64 {
        var limit = now.milliseconds
        if let other = try store.earliestDue(excluding: KubeSimulation.periodicTimers) { limit = min(limit, other.milliseconds - 1) }
        return limit > timer.due.milliseconds ? (limit - timer.due.milliseconds) / period : 0
    }

    /// Schedules the periodic controllers that have no timer yet: each Application's reconcile
    /// (180 s after its `reconciledAt`, not before `now`) and the git-mirror's first fetch (now).
    func scheduleControllers(at now: Timestamp) throws {
        for app in try store.list(KubeCatalog.applications, namespace: nil) {
            guard let uid = app.string("metadata", "uid"), try store.timer(uid: uid, purpose: KubeSimulation.reconcileTimer) == nil
            else { continue }
            let next = KubeTime.parse(app.string("status", "reconciledAt"))?.adding(milliseconds: KubeSimulation.reconcilePeriod) ?? now
            try store.setTimer(uid: uid, purpose: KubeSimulation.reconcileTimer, due: max(next, now))
        }
        if try store.timer(uid: KubeSimulation.mirrorUID, purpose: KubeSimulation.mirrorTimer) == nil {
            try store.setTimer(uid: KubeSimulation.mirrorUID, purpose: KubeSimulation.mirrorTimer, due: now)
        }
    }

    // MARK: git-mirror

    private func fetchMirror(_ timer: KubeStore.Timer, now: Timestamp) throws {
        let ticks = try foldableTicks(timer, period: KubeSimulation.mirrorPeriod, now: now)
        let at = timer.due.adding(milliseconds: ticks * KubeSimulation.mirrorPeriod)
        hooks.fetchMirror(Date(timeIntervalSince1970: Double(at.milliseconds) / 1000))
        try store.setTimer(uid: timer.uid, purpose: timer.purpose, due: at.adding(milliseconds: KubeSimulation.mirrorPeriod))
    }

    // MARK: Tekton

    func pipelineRunWritten(old: KubeJSON?, new: KubeJSON, at now: Timestamp) throws {
        guard let uid = new.string("metadata", "uid") else { return }
        if old == nil {
            let plan = KubeSimulation.Plan(base: now.milliseconds, tasks: try plannedTasks(for: new))
            try store.setTimer(
                uid: uid, purpose: KubeSimulation.runTimer, due: now.adding(milliseconds: KubeSimulation.startDelay), step: 0,
                detail: plan.text)
            return
        }
        let wanted = new.string("spec", "status") ?? ""
        if KubeSimulation.cancelValues.contains(wanted), wanted != old?.string("spec", "status"), !KubeSimulation.isDone(new) {
            try store.setTimer(uid: uid, purpose: KubeSimulation.cancelTimer, due: now)
        }
        // A pending run that is released starts now.
        if old?.string("spec", "status") == "PipelineRunPending", wanted != "PipelineRunPending",
            KubeSimulation.succeeded(new) == "Unknown",
            new[path: ["status", "startTime"]] == nil
        {
            let plan = KubeSimulation.Plan(base: now.milliseconds - KubeSimulation.startDelay, tasks: try plannedTasks(for: new))
            try store.setTimer(uid: uid, purpose: KubeSimulation.runTimer, due: now, step: 0, detail: plan.text)
        }
    }

    /// The pipeline's tasks: from an embedded `pipelineSpec`, else from the `status.pipelineSpec`
    /// of the newest run of the same pipeline (the Pipeline object itself is not in a scenario),
    /// else one task named after the pipeline.
    private func plannedTasks(for run: KubeJSON) throws -> [KubeSimulation.Plan.Task] {
        func tasks(_ spec: KubeJSON?) -> [KubeSimulation.Plan.Task]? {
            guard let items = spec?["tasks"]?.arrayValue, !items.isEmpty else { return nil }
            return items.map {
                KubeSimulation.Plan.Task(
                    name: $0.string("name") ?? "run", taskRef: $0.string("taskRef", "name") ?? $0.string("name") ?? "run")
            }
        }
        if let own = tasks(run[path: ["spec", "pipelineSpec"]]) { return own }
        if let sibling = try pipelineSpecOfSibling(run), let found = tasks(sibling) { return found }
        let pipeline = run.string("spec", "pipelineRef", "name") ?? "run"
        return [KubeSimulation.Plan.Task(name: pipeline, taskRef: pipeline)]
    }

    private func pipelineSpecOfSibling(_ run: KubeJSON) throws -> KubeJSON? {
        guard let pipeline = run.string("spec", "pipelineRef", "name") else { return nil }
        let siblings = try store.list(KubeCatalog.pipelineRuns, namespace: run.string("metadata", "namespace")).filter {
            $0.string("spec", "pipelineRef", "name") == pipeline && $0[path: ["status", "pipelineSpec"]] != nil
                && $0.string("metadata", "uid") != run.string("metadata", "uid")
        }
        let newest = siblings.max {
            ($0.string("metadata", "creationTimestamp") ?? "") < ($1.string("metadata", "creationTimestamp") ?? "")
        }
        return newest?[path: ["status", "pipelineSpec"]]
    }

    private func stepRun(_ timer: KubeStore.Timer) throws {
        guard let plan = KubeSimulation.Plan(text: timer.detail), let run = try store.fetch(uid: timer.uid), !KubeSimulation.isDone(run)
        else {
            try store.removeTimer(uid: timer.uid, purpose: timer.purpose)
            return
        }
        let now = timer.due
        if timer.step == 0 {
            try startRun(run, plan: plan, at: now)
        } else {
            try finishTask(run, plan: plan, index: timer.step - 1, at: now)
        }
    }

    private func startRun(_ run: KubeJSON, plan: KubeSimulation.Plan, at now: Timestamp) throws {
        let uid = run.string("metadata", "uid") ?? ""
        let name = run.string("metadata", "name") ?? ""
        let wanted = run.string("spec", "status") ?? ""
        if KubeSimulation.cancelValues.contains(wanted) {
            try cancelRun(uid: uid, at: now)
            return
        }
        var started = run
        if wanted == "PipelineRunPending" {
            started[path: ["status", "conditions"]] = .array([
                KubeSimulation.succeededCondition(
                    "Unknown", reason: "PipelineRunPending", message: "PipelineRun \"\(name)\" is pending", at: now)
            ])
            try update(KubeCatalog.pipelineRuns, old: run, new: started, at: now, asController: true)
            try store.removeTimer(uid: uid, purpose: KubeSimulation.runTimer)
            return
        }
        if let pipeline = run.string("spec", "pipelineRef", "name") {
            started[path: ["metadata", "labels", "tekton.dev/pipeline"]] = .string(pipeline)
        }
        started[path: ["status", "startTime"]] = .string(KubeTime.format(now))
        started[path: ["status", "conditions"]] = .array([
            KubeSimulation.succeededCondition(
                "Unknown", reason: "Running", message: KubeSimulation.progressMessage(completed: 0, incomplete: plan.tasks.count), at: now)
        ])
        if let spec = try run[path: ["spec", "pipelineSpec"]] ?? pipelineSpecOfSibling(run) {
            started[path: ["status", "pipelineSpec"]] = spec
        }
        started[path: ["status", "childReferences"]] = .array([childReference(run, plan.tasks[0])])
        try update(KubeCatalog.pipelineRuns, old: run, new: started, at: now, asController: true)

        let claims = try provisionWorkspaces(run, at: now)
        for (workspace, claim) in claims {
            try makeAffinityAssistant(run, workspace: workspace, claim: claim, at: now)
        }
        try startTask(run, plan.tasks[0], claims: claims, at: now)
        try store.setTimer(uid: uid, purpose: KubeSimulation.runTimer, due: plan.end(of: 0), step: 1, detail: plan.text)
    }

    private func finishTask(_ run: KubeJSON, plan: KubeSimulation.Plan, index: Int, at now: Timestamp) throws {
        let uid = run.string("metadata", "uid") ?? ""
        let last = index == plan.tasks.count - 1
        let fails = last && run.string("metadata", "annotations", KubeSimulation.outcomeAnnotation)?.lowercased() == "failed"
        try endTask(run, plan.tasks[index], succeeded: !fails, at: now)
        var updated = run
        if last {
            updated[path: ["status", "completionTime"]] = .string(KubeTime.format(now))
            let message = KubeSimulation.progressMessage(completed: plan.tasks.count, failed: fails ? 1 : 0, incomplete: 0)
            updated[path: ["status", "conditions"]] = .array([
                KubeSimulation.succeededCondition(
                    fails ? "False" : "True", reason: fails ? "Failed" : "Succeeded", message: message, at: now)
            ])
            try update(KubeCatalog.pipelineRuns, old: run, new: updated, at: now, asController: true)
            try removeAffinityAssistants(run, at: now)
            try store.removeTimer(uid: uid, purpose: KubeSimulation.runTimer)
            if !fails { promote(run, at: now) }
            return
        }
        let next = plan.tasks[index + 1]
        var children = updated[path: ["status", "childReferences"]]?.arrayValue ?? []
        children.append(childReference(run, next))
        updated[path: ["status", "childReferences"]] = .array(children)
        updated[path: ["status", "conditions"]] = .array([
            KubeSimulation.succeededCondition(
                "Unknown", reason: "Running",
                message: KubeSimulation.progressMessage(completed: index + 1, incomplete: plan.tasks.count - index - 1), at: now)
        ])
        try update(KubeCatalog.pipelineRuns, old: run, new: updated, at: now, asController: true)
        try startTask(run, next, claims: try workspaceClaims(run), at: now)
        try store.setTimer(uid: uid, purpose: KubeSimulation.runTimer, due: plan.end(of: index + 1), step: index + 2, detail: plan.text)
    }

    /// The pipeline's last task promotes what the run built: the revision it is pinned to.
    private func promote(_ run: KubeJSON, at now: Timestamp) {
        let revision = (run[path: ["spec", "params"]]?.arrayValue ?? []).first { $0.string("name") == "git-revision" }?.string("value")
        guard let revision, !revision.isEmpty else { return }
        _ = hooks.promote(
            KubePromotion(
                namespace: run.string("metadata", "namespace") ?? "", pipelineRun: run.string("metadata", "name") ?? "",
                uid: run.string("metadata", "uid") ?? "",
                pipeline: run.string("spec", "pipelineRef", "name") ?? Self.labels(of: run)["tekton.dev/pipeline"] ?? "",
                revision: revision, completedAt: Date(timeIntervalSince1970: Double(now.milliseconds) / 1000)))
    }

    /// Cancels an unfinished run: False/Cancelled, its running TaskRuns cancelled and their pods
    /// and the affinity assistants deleted.
    func cancelRun(uid: String, at now: Timestamp) throws {
        try store.removeTimer(uid: uid, purpose: KubeSimulation.cancelTimer)
        try store.removeTimer(uid: uid, purpose: KubeSimulation.runTimer)
        guard let run = try store.fetch(uid: uid), !KubeSimulation.isDone(run) else { return }
        let name = run.string("metadata", "name") ?? ""
        var cancelled = run
        if cancelled[path: ["status", "startTime"]] == nil { cancelled[path: ["status", "startTime"]] = .string(KubeTime.format(now)) }
        cancelled[path: ["status", "completionTime"]] = .string(KubeTime.format(now))
        cancelled[path: ["status", "conditions"]] = .array([
            KubeSimulation.succeededCondition("False", reason: "Cancelled", message: "PipelineRun \"\(name)\" was cancelled", at: now)
        ])
        try update(KubeCatalog.pipelineRuns, old: run, new: cancelled, at: now, asController: true)
        let namespace = run.string("metadata", "namespace")
        for taskRun in try store.list(KubeCatalog.taskRuns, namespace: namespace)
        where Self.labels(of: taskRun)["tekton.dev/pipelineRun"] == name {
            guard !KubeSimulation.isDone(taskRun) else { continue }
            var stopped = taskRun
            stopped[path: ["status", "completionTime"]] = .string(KubeTime.format(now))
            stopped[path: ["status", "conditions"]] = .array([
                KubeSimulation.succeededCondition(
                    "False", reason: "TaskRunCancelled",
                    message: "TaskRun \"\(taskRun.string("metadata", "name") ?? "")\" was cancelled. PipelineRun \"\(name)\" was cancelled",
                    at: now)
            ])
            try update(KubeCatalog.taskRuns, old: taskRun, new: stopped, at: now, asController: true)
        }
        let active = try store.list(KubeCatalog.pods, namespace: namespace).filter { pod in
            Self.labels(of: pod)["tekton.dev/pipelineRun"] == name
                && !["Succeeded", "Failed"].contains(pod.string("status", "phase") ?? "")
                && Self.labels(of: pod)["app.kubernetes.io/component"] != "affinity-assistant"
        }
        try remove(active, at: now)
        try removeAffinityAssistants(run, at: now)
    }

    private func childReference(_ run: KubeJSON, _ task: KubeSimulation.Plan.Task) -> KubeJSON {
        .object([
            "apiVersion": .string("tekton.dev/v1"), "kind": .string("TaskRun"),
            "name": .string("\(run.string("metadata", "name") ?? "")-\(task.name)"), "pipelineTaskName": .string(task.name),
        ])
    }

    func ownerReference(_ owner: KubeJSON) -> KubeJSON {
        .object([
            "apiVersion": .string(owner.string("apiVersion") ?? ""), "kind": .string(owner.string("kind") ?? ""),
            "name": .string(owner.string("metadata", "name") ?? ""), "uid": .string(owner.string("metadata", "uid") ?? ""),
            "controller": .bool(true), "blockOwnerDeletion": .bool(true),
        ])
    }

    /// The node the scenario's pods run on (name and address), for the pods the simulation makes.
    func node() throws -> (name: String, ip: String) {
        for pod in try store.list(KubeCatalog.pods, namespace: nil) {
            if let name = pod.string("spec", "nodeName"), let ip = pod.string("status", "hostIP") { return (name, ip) }
        }
        return ("sandbox-node", "192.168.0.10")
    }

    func podIP(_ seed: String) -> String {
        let digest = SHA256.digest(Array(seed.utf8))
        return "10.42.\(digest[0] % 4).\(Int(digest[1]) % 250 + 2)"
    }

    // MARK: Workspaces (Tekton + local-path)

    /// The claim each `volumeClaimTemplate` workspace gets, bound to a new local-path volume.
    private func provisionWorkspaces(_ run: KubeJSON, at now: Timestamp) throws -> [(String, String)] {
        let uid = run.string("metadata", "uid") ?? ""
        let namespace = run.string("metadata", "namespace") ?? "default"
        let node = try node()
        var claims: [(String, String)] = []
        for workspace in run[path: ["spec", "workspaces"]]?.arrayValue ?? [] {
            guard let workspaceName = workspace.string("name") else { continue }
            if let existing = workspace.string("persistentVolumeClaim", "claimName") {
                claims.append((workspaceName, existing))
                continue
            }
            guard let template = workspace["volumeClaimTemplate"] else { continue }
            let claimName = "pvc-" + KubeSimulation.digest10(workspaceName + uid)
            claims.append((workspaceName, claimName))
            if try store.fetch(KubeCatalog.persistentVolumeClaims, namespace: namespace, name: claimName) != nil { continue }
            let claimUID = KubeIdentity.uid("claim/\(namespace)/\(claimName)/\(uid)")
            let volumeName = "pvc-\(claimUID)"
            var spec = template["spec"] ?? .object([:])
            if spec["storageClassName"] == nil { spec["storageClassName"] = .string("local-path") }
            if spec["volumeMode"] == nil { spec["volumeMode"] = .string("Filesystem") }
            spec["volumeName"] = .string(volumeName)
            let accessModes = spec["accessModes"] ?? .array([.string("ReadWriteOnce")])
            let storage = spec[path: ["resources", "requests", "storage"]] ?? .string("1Gi")
            var metadata: [String: KubeJSON] = [
                "name": .string(claimName), "namespace": .string(namespace), "uid": .string(claimUID),
                "annotations": .object([
                    "pv.kubernetes.io/bind-completed": .string("yes"), "pv.kubernetes.io/bound-by-controller": .string("yes"),
                    "volume.beta.kubernetes.io/storage-provisioner": .string("rancher.io/local-path"),
                    "volume.kubernetes.io/selected-node": .string(node.name),
                    "volume.kubernetes.io/storage-provisioner": .string("rancher.io/local-path"),
                ]),
                "finalizers": .array([.string("kubernetes.io/pvc-protection")]), "ownerReferences": .array([ownerReference(run)]),
            ]
            if let labels = template[path: ["metadata", "labels"]] { metadata["labels"] = labels }
            let claim = try make(
                .object([
                    "apiVersion": .string("v1"), "kind": .string("PersistentVolumeClaim"), "metadata": .object(metadata), "spec": spec,
                    "status": .object(["accessModes": accessModes, "capacity": .object(["storage": storage]), "phase": .string("Bound")]),
                ]), at: now)
            try make(
                .object([
                    "apiVersion": .string("v1"), "kind": .string("PersistentVolume"),
                    "metadata": .object([
                        "name": .string(volumeName), "uid": .string(KubeIdentity.uid("volume/\(volumeName)")),
                        "annotations": .object([
                            "local.path.provisioner/selected-node": .string(node.name),
                            "pv.kubernetes.io/provisioned-by": .string("rancher.io/local-path"),
                        ]),
                        "finalizers": .array([.string("kubernetes.io/pv-protection")]),
                    ]),
                    "spec": .object([
                        "accessModes": accessModes, "capacity": .object(["storage": storage]),
                        "claimRef": .object([
                            "apiVersion": .string("v1"), "kind": .string("PersistentVolumeClaim"), "name": .string(claimName),
                            "namespace": .string(namespace),
                            "resourceVersion": claim[path: ["metadata", "resourceVersion"]] ?? .string(""),
                            "uid": .string(claimUID),
                        ]),
                        "hostPath": .object([
                            "path": .string("/var/lib/rancher/k3s/storage/\(volumeName)_\(namespace)_\(claimName)"),
                            "type": .string("DirectoryOrCreate"),
                        ]),
                        "nodeAffinity": .object([
                            "required": .object([
                                "nodeSelectorTerms": .array([
                                    .object([
                                        "matchExpressions": .array([
                                            .object([
                                                "key": .string("kubernetes.io/hostname"), "operator": .string("In"),
                                                "values": .array([.string(node.name)]),
                                            ])
                                        ])
                                    ])
                                ])
                            ])
                        ]),
                        "persistentVolumeReclaimPolicy": .string("Delete"),
                        "storageClassName": spec["storageClassName"] ?? .string("local-path"),
                        "volumeMode": .string("Filesystem"),
                    ]),
                    "status": .object(["lastPhaseTransitionTime": .string(KubeTime.format(now)), "phase": .string("Bound")]),
                ]), at: now)
        }
        return claims
    }

    /// The claims a run's workspaces use (after they were provisioned).
    private func workspaceClaims(_ run: KubeJSON) throws -> [(String, String)] {
        let uid = run.string("metadata", "uid") ?? ""
        return (run[path: ["spec", "workspaces"]]?.arrayValue ?? []).compactMap { workspace in
            guard let name = workspace.string("name") else { return nil }
            if let existing = workspace.string("persistentVolumeClaim", "claimName") { return (name, existing) }
            return workspace["volumeClaimTemplate"] == nil ? nil : (name, "pvc-" + KubeSimulation.digest10(name + uid))
        }
    }

    private func affinityAssistantName(_ run: KubeJSON, workspace: String) -> String {
        "affinity-assistant-" + KubeSimulation.digest10(workspace + (run.string("metadata", "name") ?? ""))
    }

    private func makeAffinityAssistant(_ run: KubeJSON, workspace: String, claim: String, at now: Timestamp) throws {
        let namespace = run.string("metadata", "namespace") ?? "default"
        let runName = run.string("metadata", "name") ?? ""
        let name = affinityAssistantName(run, workspace: workspace)
        let node = try node()
        var labels: [String: KubeJSON] = [
            "app.kubernetes.io/component": .string("affinity-assistant"), "app.kubernetes.io/instance": .string(name),
            "tekton.dev/pipelineRun": .string(runName),
        ]
        if let pipeline = run.string("spec", "pipelineRef", "name") { labels["tekton.dev/pipeline"] = .string(pipeline) }
        let image = "ghcr.io/tektoncd/pipeline/nop:latest"
        let set = try make(
            .object([
                "apiVersion": .string("apps/v1"), "kind": .string("StatefulSet"),
                "metadata": .object([
                    "name": .string(name), "namespace": .string(namespace), "labels": .object(labels),
                    "ownerReferences": .array([ownerReference(run)]),
                ]),
                "spec": .object([
                    "replicas": .int(1),
                    "selector": .object(["matchLabels": .object(labels)]),
                    "template": .object([
                        "metadata": .object(["creationTimestamp": .null, "labels": .object(labels)]),
                        "spec": .object([
                            "containers": .array([.object(["name": .string("affinity-assistant"), "image": .string(image)])])
                        ]),
                    ]),
                ]),
                "status": .object([
                    "availableReplicas": .int(1), "currentReplicas": .int(1), "observedGeneration": .int(1), "readyReplicas": .int(1),
                    "replicas": .int(1), "updatedReplicas": .int(1),
                ]),
            ]), at: now)
        var podLabels = labels
        podLabels["statefulset.kubernetes.io/pod-name"] = .string("\(name)-0")
        podLabels["apps.kubernetes.io/pod-index"] = .string("0")
        try make(
            pod(
                name: "\(name)-0", namespace: namespace, labels: podLabels, annotations: [:], owner: set, container: "affinity-assistant",
                image: image,
                volumes: [.object(["name": .string("workspace-0"), "persistentVolumeClaim": .object(["claimName": .string(claim)])])],
                restartPolicy: "Always", node: node, at: now, generateName: "\(name)-"),
            at: now)
    }

    private func removeAffinityAssistants(_ run: KubeJSON, at now: Timestamp) throws {
        let name = run.string("metadata", "name") ?? ""
        let sets = try store.list(KubeCatalog.statefulSets, namespace: run.string("metadata", "namespace")).filter {
            let labels = Self.labels(of: $0)
            return labels["app.kubernetes.io/component"] == "affinity-assistant" && labels["tekton.dev/pipelineRun"] == name
        }
        var doomed: [KubeJSON] = []
        for set in sets { doomed += try cascade(from: set) }
        let pods = try store.list(KubeCatalog.pods, namespace: run.string("metadata", "namespace")).filter {
            let labels = Self.labels(of: $0)
            return labels["app.kubernetes.io/component"] == "affinity-assistant" && labels["tekton.dev/pipelineRun"] == name
                && !doomed.contains($0)
        }
        try remove(doomed + pods, at: now)
    }

    // MARK: TaskRuns and their pods

    private func startTask(_ run: KubeJSON, _ task: KubeSimulation.Plan.Task, claims: [(String, String)], at now: Timestamp) throws {
        let namespace = run.string("metadata", "namespace") ?? "default"
        let runName = run.string("metadata", "name") ?? ""
        let runUID = run.string("metadata", "uid") ?? ""
        let name = "\(runName)-\(task.name)"
        var labels: [String: KubeJSON] = [
            "app.kubernetes.io/managed-by": .string("tekton-pipelines"), "tekton.dev/memberOf": .string("tasks"),
            "tekton.dev/pipelineRun": .string(runName), "tekton.dev/pipelineRunUID": .string(runUID),
            "tekton.dev/pipelineTask": .string(task.name), "tekton.dev/task": .string(task.taskRef),
        ]
        if let pipeline = run.string("spec", "pipelineRef", "name") { labels["tekton.dev/pipeline"] = .string(pipeline) }
        var annotations: [String: KubeJSON] = [:]
        if let first = claims.first {
            annotations["pipeline.tekton.dev/affinity-assistant"] = .string(affinityAssistantName(run, workspace: first.0))
        }
        let taskRun = try make(
            .object([
                "apiVersion": .string("tekton.dev/v1"), "kind": .string("TaskRun"),
                "metadata": .object([
                    "name": .string(name), "namespace": .string(namespace), "labels": .object(labels), "annotations": .object(annotations),
                    "ownerReferences": .array([ownerReference(run)]),
                ]),
                "spec": .object([
                    "serviceAccountName": .string(run.string("spec", "taskRunTemplate", "serviceAccountName") ?? "default"),
                    "taskRef": .object(["kind": .string("Task"), "name": .string(task.taskRef)]),
                    "timeout": .string(run.string("spec", "timeouts", "pipeline") ?? KubeSimulation.defaultTimeout),
                    "workspaces": .array(
                        claims.map { .object(["name": .string($0.0), "persistentVolumeClaim": .object(["claimName": .string($0.1)])]) }),
                ]),
                "status": .object([
                    "conditions": .array([
                        KubeSimulation.succeededCondition(
                            "Unknown", reason: "Running", message: "Not all Steps in the Task have finished executing", at: now)
                    ]),
                    "podName": .string("\(name)-pod"), "startTime": .string(KubeTime.format(now)),
                ]),
            ]), at: now)
        var podLabels = labels
        podLabels["tekton.dev/taskRun"] = .string(name)
        podLabels["tekton.dev/taskRunUID"] = taskRun[path: ["metadata", "uid"]]
        annotations["tekton.dev/ready"] = .string("READY")
        let volumes: [KubeJSON] = claims.map { claim in
            .object([
                "name": .string("ws-" + KubeIdentity.suffix("\(name)/\(claim.0)")),
                "persistentVolumeClaim": .object(["claimName": .string(claim.1)]),
            ])
        }
        try make(
            pod(
                name: "\(name)-pod", namespace: namespace, labels: podLabels, annotations: annotations, owner: taskRun,
                container: "step-\(task.name)",
                image: "docker.io/library/busybox:1.36", volumes: volumes, restartPolicy: "Never", node: try node(), at: now,
                generateName: nil),
            at: now)
    }

    private func endTask(_ run: KubeJSON, _ task: KubeSimulation.Plan.Task, succeeded: Bool, at now: Timestamp) throws {
        let namespace = run.string("metadata", "namespace")
        let name = "\(run.string("metadata", "name") ?? "")-\(task.name)"
        if let taskRun = try store.fetch(KubeCatalog.taskRuns, namespace: namespace, name: name) {
            var done = taskRun
            done[path: ["status", "completionTime"]] = .string(KubeTime.format(now))
            done[path: ["status", "conditions"]] = .array([
                succeeded
                    ? KubeSimulation.succeededCondition("True", reason: "Succeeded", message: "All Steps have completed executing", at: now)
                    : KubeSimulation.succeededCondition(
                        "False", reason: "Failed",
                        message: "\"step-\(task.name)\" exited with code 1: Error", at: now)
            ])
            try update(KubeCatalog.taskRuns, old: taskRun, new: done, at: now, asController: true)
        }
        if let pod = try store.fetch(KubeCatalog.pods, namespace: namespace, name: "\(name)-pod") {
            var done = pod
            done[path: ["status", "phase"]] = .string(succeeded ? "Succeeded" : "Failed")
            done[path: ["status", "conditions"]] = .array(
                podConditions(
                    ready: false, reason: "PodCompleted", started: KubeTime.parse(pod.string("status", "startTime")) ?? now, at: now))
            let started =
                pod[path: ["status", "containerStatuses"]]?.arrayValue?.first?[path: ["state", "running", "startedAt"]]
                ?? .string(KubeTime.format(now))
            if var status = pod[path: ["status", "containerStatuses"]]?.arrayValue?.first {
                status["ready"] = .bool(false)
                status["started"] = .bool(false)
                status["state"] = .object([
                    "terminated": .object([
                        "containerID": status["containerID"] ?? .string(""), "exitCode": .int(succeeded ? 0 : 1),
                        "finishedAt": .string(KubeTime.format(now)), "reason": .string(succeeded ? "Completed" : "Error"),
                        "startedAt": started,
                    ])
                ])
                done[path: ["status", "containerStatuses"]] = .array([status])
            }
            try update(KubeCatalog.pods, old: pod, new: done, at: now, asController: true)
        }
    }

    func podConditions(ready: Bool, reason: String?, started: Timestamp, at now: Timestamp) -> [KubeJSON] {
        func condition(_ type: String, _ status: Bool, _ time: Timestamp, _ reason: String? = nil) -> KubeJSON {
            var members: [String: KubeJSON] = [
                "type": .string(type), "status": .string(status ? "True" : "False"), "lastProbeTime": .null,
                "lastTransitionTime": .string(KubeTime.format(time)),
            ]
            if let reason { members["reason"] = .string(reason) }
            return .object(members)
        }
        return [
            condition("PodReadyToStartContainers", ready, ready ? started : now),
            condition("Initialized", true, started),
            condition("Ready", ready, now, ready ? nil : reason),
            condition("ContainersReady", ready, now, ready ? nil : reason),
            condition("PodScheduled", true, started),
        ]
    }

    private func pod(
        name: String, namespace: String, labels: [String: KubeJSON], annotations: [String: KubeJSON], owner: KubeJSON, container: String,
        image: String, volumes: [KubeJSON], restartPolicy: String, node: (name: String, ip: String), at now: Timestamp,
        generateName: String?
    ) -> KubeJSON {
        let ip = podIP("\(namespace)/\(name)")
        let containerID = "containerd://" + SHA256.hex("container/\(namespace)/\(name)/\(now.milliseconds)")
        var metadata: [String: KubeJSON] = [
            "name": .string(name), "namespace": .string(namespace), "labels": .object(labels),
            "ownerReferences": .array([ownerReference(owner)]),
        ]
        if !annotations.isEmpty { metadata["annotations"] = .object(annotations) }
        if let generateName { metadata["generateName"] = .string(generateName) }
        return .object([
            "apiVersion": .string("v1"), "kind": .string("Pod"), "metadata": .object(metadata),
            "spec": .object([
                "containers": .array([
                    .object(["name": .string(container), "image": .string(image), "imagePullPolicy": .string("IfNotPresent")])
                ]),
                "nodeName": .string(node.name), "restartPolicy": .string(restartPolicy), "serviceAccountName": .string("default"),
                "serviceAccount": .string("default"), "volumes": .array(volumes),
            ]),
            "status": .object([
                "conditions": .array(podConditions(ready: true, reason: nil, started: now, at: now)),
                "containerStatuses": .array([
                    .object([
                        "containerID": .string(containerID), "image": .string(image), "imageID": .string(image), "lastState": .object([:]),
                        "name": .string(container), "ready": .bool(true), "restartCount": .int(0), "started": .bool(true),
                        "state": .object(["running": .object(["startedAt": .string(KubeTime.format(now))])]),
                    ])
                ]),
                "hostIP": .string(node.ip), "hostIPs": .array([.object(["ip": .string(node.ip)])]), "phase": .string("Running"),
                "podIP": .string(ip), "podIPs": .array([.object(["ip": .string(ip)])]), "qosClass": .string("BestEffort"),
                "startTime": .string(KubeTime.format(now)),
            ]),
        ])
    }
}
