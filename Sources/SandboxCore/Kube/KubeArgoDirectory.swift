import Foundation

/// Argo CD's directory sources: an Application whose `spec.source.targetRevision` is a branch of
/// the GitOps repository follows that branch, and at a new head applies every manifest directly
/// under `spec.source.path` there (`KubeManifests`) — client-side apply: a missing object is
/// created, an existing one gets the manifest's labels, annotations and `spec` (`data` for Secrets
/// and ConfigMaps) with its `status` kept, so a Deployment whose pod template changed rolls out.
/// The sync is recorded as for the image-tag sync (revision, `operationState`, `status.history`),
/// with `status.resources` the applied objects. A manifest that cannot be read or applied leaves
/// the cluster alone and the Application `OutOfSync`, with a `ComparisonError` condition naming the
/// file; a folder missing at the head leaves it `Unknown`.
extension KubeCluster {
    /// The head of the branch an Application follows, when it is a directory Application.
    func directoryHead(of app: KubeJSON) -> String? {
        guard let branch = app.string("spec", "source", "targetRevision"), !branch.isEmpty else { return nil }
        return hooks.branchHead(branch)
    }

    /// An automated sync of a directory Application to `revision`, at `now`.
    func syncDirectory(_ app: inout KubeJSON, to revision: String, at now: Timestamp) throws {
        let path = app.string("spec", "source", "path") ?? ""
        let stamp = KubeJSON.string(KubeTime.format(now))
        func compareFailed(_ status: String, _ message: String) {
            app[path: ["status", "sync", "status"]] = .string(status)
            app[path: ["status", "conditions"]] = .array([
                .object(["type": .string("ComparisonError"), "message": .string(message), "lastTransitionTime": stamp])
            ])
        }
        guard let files = hooks.manifests(revision, path) else {
            compareFailed("Unknown", "Failed to load target state: \(path): app path does not exist at revision \(revision)")
            return
        }
        let manifests: [KubeManifests.Manifest]
        do {
            manifests = try KubeManifests.parse(files)
        } catch {
            compareFailed("OutOfSync", "Failed to load target state: \(path)/\(error.description)")
            return
        }

        // (Inside the controller's transaction: a failure part-way keeps what was applied before it,
        // as kubectl apply of several files does.)
        var applied: [AppliedManifest] = []
        do {
            for manifest in manifests { applied.append(try apply(manifest, for: app, at: now)) }
        } catch let status as KubeStatus {
            compareFailed("OutOfSync", "Failed to sync: \(status.message)")
            return
        }
        app[path: ["status", "conditions"]] = nil
        recordDirectorySync(&app, revision: revision, applied: applied, at: now)
    }

    // MARK: - Applying

    /// One manifest as the sync applied it.
    struct AppliedManifest {
        var group: String
        var version: String
        var kind: String
        var namespace: String?
        var name: String
        /// `created`, `configured` or `unchanged`.
        var outcome: String
        /// The containers' images, for a Deployment.
        var images: [String]?
        /// A Deployment whose pod template changed: it rolls out.
        var rollsOut: Bool
    }

    private func apply(_ manifest: KubeManifests.Manifest, for app: KubeJSON, at now: Timestamp) throws -> AppliedManifest {
        let resource = manifest.resource
        let name = manifest.object.string("metadata", "name") ?? ""
        let namespace =
            resource.namespaced
            ? (manifest.object.string("metadata", "namespace") ?? app.string("spec", "destination", "namespace") ?? "default") : nil
        if let namespace { try createNamespaceIfMissing(namespace, at: now) }

        // What kubectl apply sends, with Argo CD's tracking annotation.
        var desired = manifest.object
        desired[path: ["metadata", "namespace"]] = namespace.map(KubeJSON.string)
        let tracking =
            "\(app.string("metadata", "name") ?? ""):\(resource.group)/\(resource.kind):\(namespace.map { "\($0)/" } ?? "")\(name)"
        desired[path: ["metadata", "annotations", "argocd.argoproj.io/tracking-id"]] = .string(tracking)
        var lastApplied = desired
        lastApplied[path: ["metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"]] = nil
        KubeCluster.dropEmptyMetadata(&lastApplied)
        desired[path: ["metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"]] = .string(lastApplied.text + "\n")

        let outcome: String
        let stored: KubeJSON
        var rollsOut = false
        if let live = try store.fetch(resource, namespace: namespace, name: name) {
            var updated = live
            updated[path: ["metadata", "labels"]] = desired[path: ["metadata", "labels"]]
            // The controllers' own annotations (a Deployment's revision) stay.
            var annotations = desired[path: ["metadata", "annotations"]]?.objectValue ?? [:]
            for (key, value) in live[path: ["metadata", "annotations"]]?.objectValue ?? [:]
            where key.hasPrefix("deployment.kubernetes.io/") {
                annotations[key] = value
            }
            updated[path: ["metadata", "annotations"]] = .object(annotations)
            let fields = ["Secret", "ConfigMap"].contains(resource.kind) ? ["data", "stringData", "binaryData"] : ["spec"]
            for field in fields { updated[field] = desired[field] }
            if resource.kind == "Secret", let type = desired["type"] { updated["type"] = type }
            stored = try update(resource, old: live, new: updated, at: now, asController: false)
            outcome = stored == live ? "unchanged" : "configured"
            rollsOut = resource.kind == "Deployment" && stored[path: ["spec", "template"]] != live[path: ["spec", "template"]]
        } else {
            var object = desired
            for field in ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"] {
                object[path: ["metadata", field]] = nil
            }
            object = try admit(object, resource, at: now)
            object[path: ["metadata", "uid"]] = .string(
                KubeIdentity.uid("\(KubeScenario.objectKey(object))/\(try store.currentResourceVersion())"))
            try write(&object, at: now)
            try afterWrite(resource, old: nil, new: object, at: now)
            stored = object
            outcome = "created"
        }
        let images =
            resource.kind == "Deployment"
            ? (stored[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []).compactMap { $0.string("image") } : nil
        return AppliedManifest(
            group: resource.group, version: resource.version, kind: resource.kind, namespace: namespace, name: name, outcome: outcome,
            images: images, rollsOut: rollsOut)
    }

    /// `CreateNamespace=true`: the destination namespace is made when it is missing.
    private func createNamespaceIfMissing(_ name: String, at now: Timestamp) throws {
        guard try store.fetch(KubeCatalog.namespaces, namespace: nil, name: name) == nil else { return }
        var namespace = try admit(
            .object(["apiVersion": .string("v1"), "kind": .string("Namespace"), "metadata": .object(["name": .string(name)])]),
            KubeCatalog.namespaces, at: now)
        namespace[path: ["metadata", "uid"]] = .string(
            KubeIdentity.uid("\(KubeScenario.objectKey(namespace))/\(try store.currentResourceVersion())"))
        try write(&namespace, at: now)
    }

    // MARK: - Recording

    private func recordDirectorySync(_ app: inout KubeJSON, revision: String, applied: [AppliedManifest], at now: Timestamp) {
        let stamp = KubeJSON.string(KubeTime.format(now))
        let source = app[path: ["spec", "source"]]
        app[path: ["status", "sync", "status"]] = .string("Synced")

        func entry(_ item: AppliedManifest) -> [String: KubeJSON] {
            var entry: [String: KubeJSON] = [
                "kind": .string(item.kind), "name": .string(item.name), "status": .string("Synced"), "version": .string(item.version),
            ]
            if !item.group.isEmpty { entry["group"] = .string(item.group) }
            if let namespace = item.namespace { entry["namespace"] = .string(namespace) }
            return entry
        }
        let ordered = applied.sorted {
            ($0.group, $0.kind, $0.namespace ?? "", $0.name) < ($1.group, $1.kind, $1.namespace ?? "", $1.name)
        }

        var operation = Self.automatedSync(of: app, revision: revision, stamp: stamp, source: source)
        operation[path: ["syncResult", "resources"]] = .array(
            ordered.map { item in
                var result = entry(item)
                result["hookPhase"] = .string("Running")
                result["syncPhase"] = .string("Sync")
                result["group"] = .string(item.group)
                let qualified = item.kind.lowercased() + (item.group.isEmpty ? "" : ".\(item.group)") + "/" + item.name
                result["message"] = .string("\(qualified) \(item.outcome)")
                if let images = item.images { result["images"] = .array(images.map(KubeJSON.string)) }
                return .object(result)
            })
        app[path: ["status", "operationState"]] = operation

        Self.appendHistory(to: &app, revision: revision, stamp: stamp, source: source)

        app[path: ["status", "resources"]] = ordered.isEmpty ? nil : .array(ordered.map { .object(entry($0)) })
        let images = Set(applied.compactMap(\.images).joined()).sorted()
        app[path: ["status", "summary", "images"]] = images.isEmpty ? nil : .array(images.map(KubeJSON.string))
        if applied.contains(where: \.rollsOut), app.string("status", "health", "status") != "Progressing" {
            app[path: ["status", "health"]] = .object(["status": .string("Progressing"), "lastTransitionTime": stamp])
        }
    }
}
