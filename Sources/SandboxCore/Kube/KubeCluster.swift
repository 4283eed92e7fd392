import Foundation

/// Hooks the sandbox's wiring can fill in; each defaults to doing nothing.
public struct KubeHooks: Sendable {
    /// Rewrites the text of every scenario document before it is parsed (for example to replace
    /// invented commit ids with real ones).
    public var rewrite: @Sendable (String) -> String
    /// The GitOps repository's current head revision, read when Argo CD reconciles an Application;
    /// nil means "unknown", and the Application keeps its revision.
    public var gitopsHead: @Sendable () -> String?
    /// CI's promotion: called once when a PipelineRun created through the API succeeds and is
    /// pinned to a revision (its `git-revision` parameter). Answers the GitOps head after the
    /// promotion, nil when nothing was promoted.
    public var promote: @Sendable (KubePromotion) -> String?
    /// The image tags the GitOps repository names at a revision (image name without tag → tag),
    /// which Argo CD applies to the Deployments it manages when it syncs to that revision.
    public var gitopsImages: @Sendable (String) -> [String: String]
    /// One fetch of the git-mirror cache, at the given sandbox time.
    public var fetchMirror: @Sendable (Date) -> Void
    /// The head of a branch of the GitOps repository (an Application's `spec.source.targetRevision`);
    /// nil when there is no such branch — the Application then follows `gitopsHead`.
    public var branchHead: @Sendable (String) -> String?
    /// The manifests directly under a folder at a revision (`*.yaml`, `*.yml`, `*.json`: file name
    /// → text), which Argo CD applies when it syncs a directory Application; nil when the folder
    /// does not exist at that revision.
    public var manifests: @Sendable (_ revision: String, _ path: String) -> [String: String]?

    public init(
        rewrite: @escaping @Sendable (String) -> String = { $0 }, gitopsHead: @escaping @Sendable () -> String? = { nil },
        promote: @escaping @Sendable (KubePromotion) -> String? = { _ in nil },
        gitopsImages: @escaping @Sendable (String) -> [String: String] = { _ in [:] },
        fetchMirror: @escaping @Sendable (Date) -> Void = { _ in },
        branchHead: @escaping @Sendable (String) -> String? = { _ in nil },
        manifests: @escaping @Sendable (_ revision: String, _ path: String) -> [String: String]? = { _, _ in nil }
    ) {
        self.rewrite = rewrite
        self.gitopsHead = gitopsHead
        self.promote = promote
        self.gitopsImages = gitopsImages
        self.fetchMirror = fetchMirror
        self.branchHead = branchHead
        self.manifests = manifests
    }
}

/// A PipelineRun that succeeded, pinned to a source revision: what CI promotes.
public struct KubePromotion: Sendable, Equatable {
    public var namespace: String
    public var pipelineRun: String
    public var uid: String
    /// `spec.pipelineRef.name` (else the `tekton.dev/pipeline` label).
    public var pipeline: String
    /// The run's `git-revision` parameter.
    public var revision: String
    /// The run's `completionTime` (sandbox time).
    public var completedAt: Date

    public init(namespace: String, pipelineRun: String, uid: String, pipeline: String, revision: String, completedAt: Date) {
        self.namespace = namespace
        self.pipelineRun = pipelineRun
        self.uid = uid
        self.pipeline = pipeline
        self.revision = revision
        self.completedAt = completedAt
    }
}

/// The sandbox's Kubernetes cluster: objects in `kube.sqlite`, the apiserver's verbs, the garbage
/// collector, and the simulated controllers (Tekton, local-path, Argo CD), which run lazily —
/// every request first applies whatever fell due on the sandbox clock, in time order.
actor KubeCluster {
    let store: KubeStore
    let hooks: KubeHooks
    private let clock: @Sendable () async -> Timestamp
    /// The latest instant handed out, so requests that interleave never go back in time.
    private var latest = Timestamp(milliseconds: 0)

    /// The sandbox time of the request being served.
    var latestInstant: Timestamp { latest }

    init(store: KubeStore, hooks: KubeHooks, clock: @escaping @Sendable () async -> Timestamp) {
        self.store = store
        self.hooks = hooks
        self.clock = clock
    }

    func close() {
        store.close()
    }

    /// The sandbox time of a request, after the simulation caught up with it.
    private func begin() async throws -> Timestamp {
        let now = max(await clock(), latest)
        latest = now
        try store.transaction { try advance(to: now) }
        return now
    }

    // MARK: - Reads

    func get(_ resource: KubeResource, namespace: String?, name: String) async throws -> KubeJSON {
        _ = try await begin()
        return try require(resource, namespace: namespace, name: name)
    }

    /// A `<Kind>List` of the matching objects, ordered by namespace, then name.
    func list(_ resource: KubeResource, namespace: String?, labels: KubeLabelSelector, fields: KubeFieldSelector) async throws -> KubeJSON {
        _ = try await begin()
        let items = try store.list(resource, namespace: namespace).filter { labels.matches(Self.labels(of: $0)) && fields.matches($0) }
        return .object([
            "kind": .string(resource.kind + "List"), "apiVersion": .string(resource.apiVersion),
            "metadata": .object(["resourceVersion": .string(try store.currentResourceVersion())]), "items": .array(items),
        ])
    }

    /// One poll of a watch: the events for objects of `resource` after resourceVersion `after`
    /// (nil: every matching object as `ADDED`), and the resourceVersion to poll from next.
    /// Throws 410 Gone when `after` is older than the change log.
    func watch(_ resource: KubeResource, namespace: String?, labels: KubeLabelSelector, fields: KubeFieldSelector, after: Int64?)
        async throws -> (events: [(type: String, object: KubeJSON)], last: Int64)
    {
        _ = try await begin()
        let current = Int64(try store.currentResourceVersion()) ?? 0
        let matches = { (object: KubeJSON) in labels.matches(Self.labels(of: object)) && fields.matches(object) }
        guard let after else {
            return (try store.list(resource, namespace: namespace).filter(matches).map { ("ADDED", $0) }, current)
        }
        guard after >= (try store.oldestWatchable()) else {
            throw KubeStatus(code: 410, reason: "Expired", message: "too old resource version: \(after) (\(try store.oldestWatchable()))")
        }
        return (try store.changes(after: after, resource, namespace: namespace).filter { matches($0.object) }, max(current, after))
    }

    func require(_ resource: KubeResource, namespace: String?, name: String) throws -> KubeJSON {
        guard let object = try store.fetch(resource, namespace: resource.namespaced ? namespace : nil, name: name) else {
            throw KubeStatus.notFound(resource, name)
        }
        return object
    }

    // MARK: - Create

    func create(_ resource: KubeResource, namespace: String?, body: KubeJSON, dryRun: Bool) async throws -> KubeJSON {
        let now = try await begin()
        return try store.transaction {
            var object = try checkedBody(body, for: resource, namespace: namespace)
            if resource.namespaced, let namespace, try store.fetch(KubeCatalog.namespaces, namespace: nil, name: namespace) == nil {
                throw KubeStatus.notFound(KubeCatalog.namespaces, namespace)
            }
            var name = object.string("metadata", "name") ?? ""
            if name.isEmpty {
                guard let prefix = object.string("metadata", "generateName"), !prefix.isEmpty else {
                    throw KubeStatus.invalid(resource, "", field: "metadata.name", "Required value: name or generateName is required")
                }
                let seed = "\(resource.qualifiedPlural)/\(namespace ?? "")/\(prefix)/\(try store.currentResourceVersion())"
                name = prefix + KubeIdentity.suffix(seed)
                object[path: ["metadata", "name"]] = .string(name)
            }
            if try store.fetch(resource, namespace: resource.namespaced ? namespace : nil, name: name) != nil {
                throw KubeStatus.alreadyExists(resource, name)
            }
            object = try admit(object, resource, at: now)
            if dryRun {
                object[path: ["metadata", "uid"]] = .string(
                    KubeIdentity.uid("dry-run/\(KubeScenario.objectKey(object))/\(now.milliseconds)"))
                return object
            }
            object[path: ["metadata", "uid"]] = .string(
                KubeIdentity.uid("\(KubeScenario.objectKey(object))/\(try store.currentResourceVersion())"))
            try write(&object, at: now)
            try afterWrite(resource, old: nil, new: object, at: now)
            return object
        }
    }

    /// The request body as an object of `resource` in `namespace`: kind and apiVersion agree,
    /// server-owned metadata dropped.
    private func checkedBody(_ body: KubeJSON, for resource: KubeResource, namespace: String?) throws -> KubeJSON {
        guard body.objectValue != nil else { throw KubeStatus.badRequest("the body of the request must be a JSON object") }
        var object = body
        if let kind = object.string("kind"), kind != resource.kind {
            throw KubeStatus.badRequest("the kind in the data (\(kind)) does not match the expected kind (\(resource.kind))")
        }
        if let apiVersion = object.string("apiVersion"), apiVersion != resource.apiVersion {
            throw KubeStatus.badRequest(
                "the API version in the data (\(apiVersion)) does not match the expected API version (\(resource.apiVersion))")
        }
        object["kind"] = .string(resource.kind)
        object["apiVersion"] = .string(resource.apiVersion)
        if object["metadata"]?.objectValue == nil { object["metadata"] = .object([:]) }
        if resource.namespaced {
            let given = object.string("metadata", "namespace") ?? ""
            if !given.isEmpty, let namespace, given != namespace {
                throw KubeStatus.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            guard let namespace = namespace ?? (given.isEmpty ? nil : given) else {
                throw KubeStatus.badRequest("a namespaced object needs a namespace")
            }
            object[path: ["metadata", "namespace"]] = .string(namespace)
        } else {
            object[path: ["metadata", "namespace"]] = nil
        }
        for field in [
            "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "generation",
            "selfLink",
        ] {
            object[path: ["metadata", field]] = nil
        }
        return object
    }

    /// What the apiserver and its admission add to a new object.
    func admit(_ input: KubeJSON, _ resource: KubeResource, at now: Timestamp) throws -> KubeJSON {
        var object = input
        object[path: ["metadata", "creationTimestamp"]] = .string(KubeTime.format(now))
        if resource.hasGeneration { object[path: ["metadata", "generation"]] = .int(1) }
        if resource.statusSubresource { object["status"] = nil }
        switch resource.kind {
        case "Namespace":
            let name = object.string("metadata", "name") ?? ""
            object[path: ["metadata", "labels", "kubernetes.io/metadata.name"]] = .string(name)
            if object[path: ["spec", "finalizers"]] == nil { object[path: ["spec", "finalizers"]] = .array([.string("kubernetes")]) }
            object["status"] = .object(["phase": .string("Active")])
        case "PersistentVolumeClaim":
            if object[path: ["spec", "volumeMode"]] == nil { object[path: ["spec", "volumeMode"]] = .string("Filesystem") }
            object["status"] = .object(["phase": .string("Pending")])
        case "PersistentVolume":
            if object[path: ["spec", "persistentVolumeReclaimPolicy"]] == nil {
                object[path: ["spec", "persistentVolumeReclaimPolicy"]] = .string("Retain")
            }
            object["status"] = .object(["phase": .string("Pending")])
        case "Pod":
            object["status"] = .object(["phase": .string("Pending"), "qosClass": .string("BestEffort")])
        case "PipelineRun":
            object = KubeSimulation.tektonDefaults(object)
        case "Secret":
            object = Self.foldingStringData(object)
        default:
            break
        }
        return object
    }

    // MARK: - Update and patch

    /// PUT: replaces the object (status kept where it is a subresource).
    func replace(_ resource: KubeResource, namespace: String?, name: String, body: KubeJSON, dryRun: Bool) async throws -> KubeJSON {
        let now = try await begin()
        return try store.transaction {
            let old = try require(resource, namespace: namespace, name: name)
            var object = try checkedBody(body, for: resource, namespace: namespace)
            guard object.string("metadata", "name") == name else {
                throw KubeStatus.badRequest(
                    "the name of the object (\(object.string("metadata", "name") ?? "")) does not match the name on the URL (\(name))")
            }
            if let expected = body[path: ["metadata", "resourceVersion"]]?.stringValue, !expected.isEmpty,
                expected != old.string("metadata", "resourceVersion")
            {
                throw KubeStatus.conflict(
                    resource, name, "the object has been modified; please apply your changes to the latest version and try again")
            }
            for field in ["name", "namespace", "uid", "creationTimestamp", "generation", "deletionTimestamp"] {
                object[path: ["metadata", field]] = old[path: ["metadata", field]]
            }
            return try update(resource, old: old, new: object, at: now, asController: false, dryRun: dryRun)
        }
    }

    /// PATCH in one of the three patch formats.
    func patch(_ resource: KubeResource, namespace: String?, name: String, format: KubePatch.Format, patch: KubeJSON, dryRun: Bool)
        async throws -> KubeJSON
    {
        let now = try await begin()
        return try store.transaction {
            let old = try require(resource, namespace: namespace, name: name)
            var object = try KubePatch.apply(format, patch: patch, to: old)
            guard object.objectValue != nil else { throw KubeStatus.badRequest("the patched object is not a JSON object") }
            if let expected = object[path: ["metadata", "resourceVersion"]]?.stringValue,
                expected != old.string("metadata", "resourceVersion")
            {
                throw KubeStatus.conflict(
                    resource, name, "the object has been modified; please apply your changes to the latest version and try again")
            }
            for field in ["name", "namespace", "uid", "creationTimestamp", "generation", "deletionTimestamp"] {
                object[path: ["metadata", field]] = old[path: ["metadata", field]]
            }
            object["kind"] = old["kind"]
            object["apiVersion"] = old["apiVersion"]
            return try update(resource, old: old, new: object, at: now, asController: false, dryRun: dryRun)
        }
    }

    /// Writes `new` over `old` as the apiserver does: identity kept, status kept unless a
    /// controller writes it, generation bumped when anything but metadata (and a subresource
    /// status) changed, nothing written when nothing changed. `folded` counts earlier writes of the
    /// same change that this one stands for (their generation bumps are kept).
    @discardableResult
    func update(
        _ resource: KubeResource, old: KubeJSON, new: KubeJSON, at now: Timestamp, asController: Bool, dryRun: Bool = false,
        folded: Int64 = 0
    ) throws -> KubeJSON {
        var object = new
        Self.dropEmptyMetadata(&object)
        object[path: ["metadata", "resourceVersion"]] = old[path: ["metadata", "resourceVersion"]]
        object[path: ["metadata", "managedFields"]] = nil
        if !asController {
            if resource.statusSubresource { object["status"] = old["status"] }
            // Tekton's mutating webhook runs on updates too.
            if resource.kind == "PipelineRun" { object = KubeSimulation.tektonDefaults(object) }
            if resource.kind == "Secret" { object = Self.foldingStringData(object) }
        }
        if object == old { return old }
        if resource.hasGeneration {
            if Self.withoutMetadata(object, resource) != Self.withoutMetadata(old, resource) {
                object[path: ["metadata", "generation"]] = .int((old[path: ["metadata", "generation"]]?.integerValue ?? 0) + 1 + folded)
            } else {
                object[path: ["metadata", "generation"]] = old[path: ["metadata", "generation"]]
            }
        }
        if dryRun { return object }
        try write(&object, at: now)
        try afterWrite(resource, old: old, new: object, at: now)
        return object
    }

    private static func withoutMetadata(_ object: KubeJSON, _ resource: KubeResource) -> KubeJSON {
        var copy = object
        copy["metadata"] = nil
        if resource.statusSubresource { copy["status"] = nil }
        return copy
    }

    // MARK: - Delete

    /// DELETE: the object, and unless `propagation` is `Orphan` everything the garbage collector
    /// would remove with it; a deleted claim releases or deletes its volume.
    func delete(_ resource: KubeResource, namespace: String?, name: String, propagation: String?, dryRun: Bool) async throws -> KubeJSON {
        let now = try await begin()
        return try store.transaction {
            let object = try require(resource, namespace: namespace, name: name)
            let uid = object.string("metadata", "uid") ?? ""
            if !dryRun {
                if propagation == "Orphan" {
                    try orphanDependents(of: uid, at: now)
                    try remove([object], at: now)
                } else {
                    try remove(try cascade(from: object), at: now)
                }
            }
            var details = KubeStatus.details(resource, name: name)
            details["uid"] = .string(uid)
            return .object([
                "kind": .string("Status"), "apiVersion": .string("v1"), "metadata": .object([:]), "status": .string("Success"),
                "details": .object(details),
            ])
        }
    }

    /// DELETE on a collection: every matching object, as one delete each; answers the list of them.
    func deleteCollection(
        _ resource: KubeResource, namespace: String?, labels: KubeLabelSelector, fields: KubeFieldSelector, propagation: String?,
        dryRun: Bool
    ) async throws -> KubeJSON {
        let now = try await begin()
        return try store.transaction {
            let matching = try store.list(resource, namespace: namespace).filter {
                labels.matches(Self.labels(of: $0)) && fields.matches($0)
            }
            if !dryRun {
                for object in matching {
                    guard let uid = object.string("metadata", "uid"), let current = try store.fetch(uid: uid) else { continue }
                    if propagation == "Orphan" {
                        try orphanDependents(of: uid, at: now)
                        try remove([current], at: now)
                    } else {
                        try remove(try cascade(from: current), at: now)
                    }
                }
            }
            return .object([
                "kind": .string(resource.kind + "List"), "apiVersion": .string(resource.apiVersion),
                "metadata": .object(["resourceVersion": .string(try store.currentResourceVersion())]), "items": .array(matching),
            ])
        }
    }

    /// The object and every object that goes with it: dependents through `ownerReferences`
    /// (transitively), a namespace's contents, and a PipelineRun's Tekton-labelled objects (their
    /// TaskRun or StatefulSet owners may be missing from a scenario).
    func cascade(from root: KubeJSON) throws -> [KubeJSON] {
        let everything = try store.all()
        var doomed: [KubeJSON] = [root]
        var uids: Set<String> = [root.string("metadata", "uid") ?? ""]
        var index = 0
        while index < doomed.count {
            let current = doomed[index]
            index += 1
            let currentUID = current.string("metadata", "uid") ?? ""
            let kind = current.string("kind")
            let namespace = current.string("metadata", "namespace")
            let name = current.string("metadata", "name")
            for candidate in everything {
                guard let candidateUID = candidate.string("metadata", "uid"), !uids.contains(candidateUID) else { continue }
                let owned = (candidate[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).contains { $0.string("uid") == currentUID }
                let labels = Self.labels(of: candidate)
                let inNamespace = kind == "Namespace" && candidate.string("metadata", "namespace") == name
                let tektonChild =
                    kind == "PipelineRun" && candidate.string("metadata", "namespace") == namespace
                    && (labels["tekton.dev/pipelineRunUID"] == currentUID
                        || (labels["tekton.dev/pipelineRunUID"] == nil && labels["tekton.dev/pipelineRun"] == name))
                if owned || inNamespace || tektonChild {
                    doomed.append(candidate)
                    uids.insert(candidateUID)
                }
            }
        }
        return doomed
    }

    /// Deletes the objects; each deleted claim releases its volume (reclaim `Retain`/`Recycle`) or
    /// takes it along (`Delete`).
    func remove(_ objects: [KubeJSON], at now: Timestamp) throws {
        let uids = Set(objects.compactMap { $0.string("metadata", "uid") })
        for object in objects {
            guard let uid = object.string("metadata", "uid"), try store.exists(uid: uid) else { continue }
            var last = object
            last[path: ["metadata", "resourceVersion"]] = .string(try store.nextResourceVersion())
            try store.delete(uid: uid)
            try store.recordChange("DELETED", last)
        }
        for claim in objects where claim.string("kind") == "PersistentVolumeClaim" {
            let claimUID = claim.string("metadata", "uid")
            for volume in try store.list(KubeCatalog.persistentVolumes, namespace: nil) {
                guard let volumeUID = volume.string("metadata", "uid"), !uids.contains(volumeUID) else { continue }
                let reference = volume[path: ["spec", "claimRef"]]
                let bound =
                    reference?.string("uid").map { $0 == claimUID }
                    ?? (reference?.string("namespace") == claim.string("metadata", "namespace")
                        && reference?.string("name") == claim.string("metadata", "name"))
                guard bound, volume.string("status", "phase") != "Released" else { continue }
                if volume.string("spec", "persistentVolumeReclaimPolicy") == "Delete" {
                    try remove(try cascade(from: volume), at: now)
                } else {
                    var released = volume
                    released[path: ["status", "phase"]] = .string("Released")
                    released[path: ["status", "lastPhaseTransitionTime"]] = .string(KubeTime.format(now))
                    try update(KubeCatalog.persistentVolumes, old: volume, new: released, at: now, asController: true)
                }
            }
        }
        try store.noteClock(now)
    }

    /// `propagationPolicy: Orphan`: the dependents lose their owner reference and stay.
    private func orphanDependents(of uid: String, at now: Timestamp) throws {
        for candidate in try store.all() {
            guard let references = candidate[path: ["metadata", "ownerReferences"]]?.arrayValue,
                references.contains(where: { $0.string("uid") == uid }),
                let resource = KubeCatalog.resource(apiVersion: candidate.string("apiVersion") ?? "", kind: candidate.string("kind") ?? "")
            else { continue }
            var orphan = candidate
            let kept = references.filter { $0.string("uid") != uid }
            orphan[path: ["metadata", "ownerReferences"]] = kept.isEmpty ? nil : .array(kept)
            try update(resource, old: candidate, new: orphan, at: now, asController: true)
        }
    }

    // MARK: - Writing

    /// Stores the object under the next resourceVersion. Empty metadata maps and lists are
    /// dropped, as the apiserver's `omitempty` fields are.
    func write(_ object: inout KubeJSON, at now: Timestamp) throws {
        Self.dropEmptyMetadata(&object)
        let existed = try store.exists(uid: object.string("metadata", "uid") ?? "")
        object[path: ["metadata", "resourceVersion"]] = .string(try store.nextResourceVersion())
        try store.insert(object)
        try store.recordChange(existed ? "MODIFIED" : "ADDED", object)
        try store.noteClock(now)
    }

    /// Creates an object on behalf of a controller (uid, resourceVersion, creationTimestamp,
    /// generation filled in); returns it as stored.
    @discardableResult
    func make(_ input: KubeJSON, at now: Timestamp) throws -> KubeJSON {
        var object = input
        guard let resource = KubeCatalog.resource(apiVersion: object.string("apiVersion") ?? "", kind: object.string("kind") ?? "") else {
            throw KubeStatus.internal("the simulation made an object of an unserved kind")
        }
        object[path: ["metadata", "creationTimestamp"]] = .string(KubeTime.format(now))
        if resource.hasGeneration { object[path: ["metadata", "generation"]] = .int(1) }
        if object.string("metadata", "uid") == nil {
            object[path: ["metadata", "uid"]] = .string(
                KubeIdentity.uid("\(KubeScenario.objectKey(object))/\(try store.currentResourceVersion())"))
        }
        try write(&object, at: now)
        return object
    }

    /// Reactions of the simulated controllers to a user's or controller's write.
    func afterWrite(_ resource: KubeResource, old: KubeJSON?, new: KubeJSON, at now: Timestamp) throws {
        switch resource.kind {
        case "PipelineRun": try pipelineRunWritten(old: old, new: new, at: now)
        case "Application": try applicationWritten(old: old, new: new, at: now)
        case "Deployment": try deploymentWritten(old: old, new: new, at: now)
        default: break
        }
    }

    // MARK: - Simulation clock

    /// Applies every timer due at or before `now`, earliest first.
    func advance(to now: Timestamp) throws {
        var applied = 0
        while let timer = try store.nextTimer(dueBy: now) {
            applied += 1
            guard applied < 10_000 else { throw KubeStatus.internal("the simulation did not settle") }
            try fire(timer, now: now)
        }
    }

    /// Lets the simulation catch up with the sandbox clock (after `/admin/clock` moved it).
    func catchUp() async throws {
        _ = try await begin()
    }

    /// Starts the periodic controllers that are not running yet (a new state, or one from before
    /// they existed): Argo CD's reconcile of each Application and the git-mirror's fetch.
    func startControllers() async throws {
        let now = max(await clock(), latest)
        try store.transaction { try scheduleControllers(at: now) }
    }

    // MARK: - Helpers

    /// A Secret as the apiserver stores it: `stringData`'s entries base64-encoded into `data`
    /// (they win over `data`'s), `stringData` itself never stored.
    static func foldingStringData(_ secret: KubeJSON) -> KubeJSON {
        guard let strings = secret["stringData"]?.objectValue else { return secret }
        var folded = secret
        var data = secret["data"]?.objectValue ?? [:]
        for (key, value) in strings {
            data[key] = .string(Data((value.stringValue ?? "").utf8).base64EncodedString())
        }
        folded["stringData"] = nil
        folded["data"] = .object(data)
        return folded
    }

    static func dropEmptyMetadata(_ object: inout KubeJSON) {
        for field in ["labels", "annotations", "ownerReferences", "finalizers"] {
            if let value = object[path: ["metadata", field]],
                value.objectValue?.isEmpty == true || value.arrayValue?.isEmpty == true || value.isNull
            {
                object[path: ["metadata", field]] = nil
            }
        }
    }

    static func labels(of object: KubeJSON) -> [String: String] {
        var labels: [String: String] = [:]
        for (key, value) in object[path: ["metadata", "labels"]]?.objectValue ?? [:] {
            if let text = value.stringValue { labels[key] = text }
        }
        return labels
    }
}
