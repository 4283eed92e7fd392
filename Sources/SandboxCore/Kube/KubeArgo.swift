import Foundation

/// Argo CD's application controller, played on the sandbox clock.
///
/// An Application reconciles 180 s (`timeout.reconciliation`) after its last reconcile, and 3 s
/// after an `argocd.argoproj.io/refresh` annotation was set (consuming it). A reconcile moves
/// `status.reconciledAt` and compares the GitOps head (`KubeHooks.gitopsHead`) with
/// `status.sync.revision`. At a new head an automated Application syncs: the head becomes the sync
/// revision, `operationState` and a new `status.history` entry record an automated sync, and the
/// image tags the head names (`KubeHooks.gitopsImages`) are applied to the Deployments among its
/// `status.resources` — which then roll out. Without an automated policy it turns `OutOfSync`.
/// Health follows the rollouts of the Deployments it manages (`Progressing`, then `Healthy`).
///
/// An Application whose `spec.source.targetRevision` is a branch of the GitOps repository
/// (`KubeHooks.branchHead`) follows that branch's head instead, and syncs the manifests of its
/// `spec.source.path` folder there (`KubeArgoDirectory.swift`).
extension KubeCluster {
    func applicationWritten(old: KubeJSON?, new: KubeJSON, at now: Timestamp) throws {
        guard let uid = new.string("metadata", "uid") else { return }
        let requested = new.string("metadata", "annotations", KubeSimulation.refreshAnnotation)
        let before = old?.string("metadata", "annotations", KubeSimulation.refreshAnnotation)
        if requested == nil {
            try store.removeTimer(uid: uid, purpose: KubeSimulation.refreshTimer)
        } else if requested != before {
            try store.setTimer(uid: uid, purpose: KubeSimulation.refreshTimer, due: now.adding(milliseconds: KubeSimulation.refreshDelay))
        }
        // A new Application is reconciled at once.
        if old == nil { try store.setTimer(uid: uid, purpose: KubeSimulation.reconcileTimer, due: now) }
    }

    /// The controller consumes a refresh request: the annotation goes, and the Application
    /// reconciles now.
    func refresh(uid: String, at now: Timestamp) throws {
        try store.removeTimer(uid: uid, purpose: KubeSimulation.refreshTimer)
        guard let app = try store.fetch(uid: uid), app.string("metadata", "annotations", KubeSimulation.refreshAnnotation) != nil else {
            return
        }
        var consumed = app
        var annotations = app[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        annotations.removeValue(forKey: KubeSimulation.refreshAnnotation)
        consumed[path: ["metadata", "annotations"]] = annotations.isEmpty ? nil : .object(annotations)
        try reconcile(app, from: consumed, at: now)
    }

    /// The periodic reconcile. One that changes nothing but `reconciledAt` is folded with the
    /// ones after it that fall due before anything else can change what they compare: one write,
    /// at the last of them, with every one's generation bump.
    func periodicReconcile(_ timer: KubeStore.Timer, now: Timestamp) throws {
        guard let app = try store.fetch(uid: timer.uid), app.string("kind") == "Application" else {
            try store.removeTimer(uid: timer.uid, purpose: timer.purpose)
            return
        }
        let compared = compare(app, at: timer.due)
        if compared.sync == nil, Self.withoutReconciledAt(compared.app) == Self.withoutReconciledAt(app) {
            let ticks = try foldableTicks(timer, period: KubeSimulation.reconcilePeriod, now: now)
            let at = timer.due.adding(milliseconds: ticks * KubeSimulation.reconcilePeriod)
            var updated = compared.app
            updated[path: ["status", "reconciledAt"]] = .string(KubeTime.format(at))
            try update(KubeCatalog.applications, old: app, new: updated, at: at, asController: true, folded: ticks)
            try store.setTimer(uid: timer.uid, purpose: timer.purpose, due: at.adding(milliseconds: KubeSimulation.reconcilePeriod))
            return
        }
        try reconcile(app, from: app, at: timer.due)
    }

    /// One reconcile at `now` of `app`, starting from `base` (`app`, or `app` with a consumed
    /// refresh annotation removed): compare, sync when due, write, and schedule the next one.
    private func reconcile(_ app: KubeJSON, from base: KubeJSON, at now: Timestamp) throws {
        var (updated, sync) = compare(base, at: now)
        if let revision = sync {
            if directoryHead(of: base) != nil {
                try syncDirectory(&updated, to: revision, at: now)
            } else {
                try self.sync(&updated, to: revision, at: now)
            }
        }
        try update(KubeCatalog.applications, old: app, new: updated, at: now, asController: true)
        if let uid = app.string("metadata", "uid") {
            try store.setTimer(
                uid: uid, purpose: KubeSimulation.reconcileTimer, due: now.adding(milliseconds: KubeSimulation.reconcilePeriod))
        }
    }

    /// The comparison: `reconciledAt` now, and a new GitOps head becomes the sync revision —
    /// to be synced under an automated policy (`sync`), `OutOfSync` otherwise.
    private func compare(_ app: KubeJSON, at now: Timestamp) -> (app: KubeJSON, sync: String?) {
        var updated = app
        updated[path: ["status", "reconciledAt"]] = .string(KubeTime.format(now))
        let head = directoryHead(of: app) ?? hooks.gitopsHead()
        guard let head, !head.isEmpty, head != app.string("status", "sync", "revision") else { return (updated, nil) }
        updated[path: ["status", "sync", "revision"]] = .string(head)
        if app[path: ["spec", "syncPolicy", "automated"]] != nil { return (updated, head) }
        updated[path: ["status", "sync", "status"]] = .string("OutOfSync")
        return (updated, nil)
    }

    /// An automated sync to `revision`, started and finished at `now`: the desired images applied
    /// to the managed Deployments, then the Application's record of it.
    private func sync(_ app: inout KubeJSON, to revision: String, at now: Timestamp) throws {
        let applied = try applyDesiredImages(app, revision: revision, at: now)
        let stamp = KubeJSON.string(KubeTime.format(now))
        let source = app[path: ["spec", "source"]]
        app[path: ["status", "sync", "status"]] = .string("Synced")

        var operation = Self.automatedSync(of: app, revision: revision, stamp: stamp, source: source)
        if let resources = operation[path: ["syncResult", "resources"]]?.arrayValue {
            operation[path: ["syncResult", "resources"]] = .array(
                resources.map { entry in
                    var result = entry
                    let kind = entry.string("kind") ?? ""
                    let group = entry.string("group") ?? ""
                    let name = entry.string("name") ?? ""
                    let deployment = applied.first { kind == "Deployment" && $0.namespace == entry.string("namespace") && $0.name == name }
                    let qualified = kind.lowercased() + (group.isEmpty ? "" : ".\(group)") + "/" + name
                    result["message"] = .string(qualified + (deployment?.changed == true ? " configured" : " unchanged"))
                    if let deployment { result["images"] = .array(deployment.images.map(KubeJSON.string)) }
                    return result
                })
        }
        app[path: ["status", "operationState"]] = operation

        Self.appendHistory(to: &app, revision: revision, stamp: stamp, source: source)

        if !applied.isEmpty {
            let images = Set(applied.flatMap(\.images)).sorted()
            app[path: ["status", "summary", "images"]] = .array(images.map(KubeJSON.string))
        }
    }

    /// Applies the image tags GitOps names at `revision` to each Deployment the Application
    /// manages (client-side apply: the pod template and the last-applied configuration); answers
    /// each one's container images afterwards and whether it changed.
    private func applyDesiredImages(_ app: KubeJSON, revision: String, at now: Timestamp) throws
        -> [(namespace: String, name: String, images: [String], changed: Bool)]
    {
        let tags = hooks.gitopsImages(revision)
        let destination = app.string("spec", "destination", "namespace")
        var applied: [(namespace: String, name: String, images: [String], changed: Bool)] = []
        for resource in app[path: ["status", "resources"]]?.arrayValue ?? [] {
            guard resource.string("kind") == "Deployment", (resource.string("group") ?? "apps") == "apps",
                let name = resource.string("name"), let namespace = resource.string("namespace") ?? destination,
                let live = try store.fetch(KubeCatalog.deployments, namespace: namespace, name: name)
            else { continue }
            var desired = live
            if !tags.isEmpty, let template = live[path: ["spec", "template"]] {
                desired[path: ["spec", "template"]] = KubeImages.retag(template, tags)
                let lastApplied = ["metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"]
                if let text = live[path: lastApplied]?.stringValue { desired[path: lastApplied] = .string(KubeImages.retag(text, tags)) }
            }
            let changed = desired != live
            if changed { try update(KubeCatalog.deployments, old: live, new: desired, at: now, asController: false) }
            let containers = desired[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
            applied.append((namespace, name, containers.compactMap { $0.string("image") }, changed))
        }
        return applied
    }

    /// Sets the health of the Applications that manage `object` (one of their `status.resources`).
    func setHealth(ofApplicationsManaging object: KubeJSON, to health: String, at now: Timestamp) throws {
        let kind = object.string("kind")
        let namespace = object.string("metadata", "namespace")
        let name = object.string("metadata", "name")
        for app in try store.list(KubeCatalog.applications, namespace: nil) {
            let manages = (app[path: ["status", "resources"]]?.arrayValue ?? []).contains {
                $0.string("kind") == kind && $0.string("name") == name
                    && ($0.string("namespace") ?? app.string("spec", "destination", "namespace")) == namespace
            }
            guard manages, app.string("status", "health", "status") != health else { continue }
            var updated = app
            updated[path: ["status", "health"]] = .object([
                "status": .string(health), "lastTransitionTime": .string(KubeTime.format(now)),
            ])
            try update(KubeCatalog.applications, old: app, new: updated, at: now, asController: true)
        }
    }

    private static func withoutReconciledAt(_ app: KubeJSON) -> KubeJSON {
        var copy = app
        copy[path: ["status", "reconciledAt"]] = nil
        return copy
    }

    /// The Application's `operationState` for an automated sync of `revision` that succeeded now
    /// (its `syncResult.resources` are the caller's).
    static func automatedSync(of app: KubeJSON, revision: String, stamp: KubeJSON, source: KubeJSON?) -> KubeJSON {
        var operation = app[path: ["status", "operationState"]] ?? .object([:])
        operation["phase"] = .string("Succeeded")
        operation["message"] = .string("successfully synced (all tasks run)")
        operation["startedAt"] = stamp
        operation["finishedAt"] = stamp
        operation[path: ["operation", "initiatedBy"]] = .object(["automated": .bool(true)])
        operation[path: ["operation", "sync", "revision"]] = .string(revision)
        operation[path: ["syncResult", "revision"]] = .string(revision)
        if let source {
            operation[path: ["operation", "sync", "source"]] = source
            operation[path: ["syncResult", "source"]] = source
        }
        return operation
    }

    /// An automated sync's `status.history` entry, the list kept to `spec.revisionHistoryLimit`
    /// (default 10) as Argo CD keeps it.
    static func appendHistory(to app: inout KubeJSON, revision: String, stamp: KubeJSON, source: KubeJSON?) {
        var history = app[path: ["status", "history"]]?.arrayValue ?? []
        let nextID = (history.compactMap { $0["id"]?.integerValue }.max() ?? 0) + 1
        var entry: [String: KubeJSON] = [
            "id": .int(nextID), "revision": .string(revision), "deployStartedAt": stamp, "deployedAt": stamp,
            "initiatedBy": .object(["automated": .bool(true)]),
        ]
        if let source { entry["source"] = source }
        history.append(.object(entry))
        let limit = Int(app[path: ["spec", "revisionHistoryLimit"]]?.integerValue ?? 10)
        if history.count > limit { history.removeFirst(history.count - limit) }
        app[path: ["status", "history"]] = .array(history)
    }
}

/// Image references in Kubernetes objects.
enum KubeImages {
    /// `text` with every reference `<name>:<tag>` to an image in `tags` (name → new tag) carrying
    /// the new tag; `name` must start the text or follow a character that cannot be part of it.
    static func retag(_ text: String, _ tags: [String: String]) -> String {
        var result = text
        for (name, tag) in tags.sorted(by: { $0.key.count > $1.key.count }) where !name.isEmpty {
            var output = ""
            var rest = Substring(result)
            while let found = rest.range(of: name + ":") {
                let before = rest[..<found.lowerBound]
                let boundary = (before.last ?? output.last).map { !isNameCharacter($0) } ?? true
                output += before
                rest = rest[found.upperBound...]
                let old = rest.prefix(while: isTagCharacter)
                if boundary && !old.isEmpty {
                    output += name + ":" + tag
                    rest = rest.dropFirst(old.count)
                } else {
                    output += name + ":"
                }
            }
            result = output + rest
        }
        return result
    }

    /// Every string in `value` re-tagged.
    static func retag(_ value: KubeJSON, _ tags: [String: String]) -> KubeJSON {
        switch value {
        case .string(let text): .string(retag(text, tags))
        case .array(let items): .array(items.map { retag($0, tags) })
        case .object(let members): .object(members.mapValues { retag($0, tags) })
        default: value
        }
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "._/-".contains(character))
    }

    private static func isTagCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "._-".contains(character))
    }
}
