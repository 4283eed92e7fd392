import Commands
import FoundationEssentials

/// Typed readings of the `kubectl get -o json` shapes ars decides on. Every optional field of the
/// API is optional here too (kubectl omits zero values); nothing else of an object is assumed.
struct KubeObject: Sendable {
    let value: Value

    var name: String { value.lookup("metadata.name")?.stringValue ?? "" }
    var namespace: String? { value.lookup("metadata.namespace")?.stringValue }
    var uid: String { value.lookup("metadata.uid")?.stringValue ?? "" }
    var resourceVersion: String { value.lookup("metadata.resourceVersion")?.stringValue ?? "" }
    var kind: String { value["kind"]?.stringValue ?? "" }
    var created: Date? { Kube.time(value.lookup("metadata.creationTimestamp")) }
    func label(_ key: String) -> String? { value.lookup("metadata.labels")?[key]?.stringValue }
    func annotation(_ key: String) -> String? { value.lookup("metadata.annotations")?[key]?.stringValue }
    var ownerUIDs: [String] { (value.lookup("metadata.ownerReferences")?.arrayValue ?? []).compactMap { $0["uid"]?.stringValue } }

    /// `kind/namespace/name@resourceVersion`: what a plan id is computed from.
    var fingerprint: String { "\(kind)/\(namespace ?? "")/\(name)@\(resourceVersion)" }
}

enum Kube {
    /// RFC 3339 as kubectl prints it (`2025-11-18T08:54:10Z`); JSON null is nil.
    static func time(_ value: Value?) -> Date? { value?.stringValue.flatMap(RFC3339.parse) }

    static func format(_ date: Date) -> String { RFC3339.format(date) }

    /// `1Gi` → 1073741824; nil for what is not a quantity.
    static func bytes(_ quantity: String?) -> Int64? {
        guard let quantity, !quantity.isEmpty else { return nil }
        let units: [(String, Double)] = [
            ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
            ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12),
        ]
        for (suffix, factor) in units where quantity.hasSuffix(suffix) {
            return Double(quantity.dropLast(suffix.count)).map { Int64($0 * factor) }
        }
        return Int64(quantity)
    }

    /// The first 7 characters of a commit id.
    static func short(_ commit: String?) -> String { String((commit ?? "").prefix(7)) }
}

// MARK: - Tekton PipelineRun

/// A PipelineRun's overall state, from its `Succeeded` condition.
struct PipelineRun: Sendable {
    enum State: String, Sendable {
        case running, succeeded, failed
    }

    let object: KubeObject
    var name: String { object.name }
    let state: State
    /// The condition's reason: `Running`, `Succeeded`, `Completed`, `Failed`, `Cancelled`, `PipelineRunTimeout`, …
    let reason: String?
    let message: String?
    let startTime: Date?
    let completionTime: Date?
    /// The `git-revision` parameter: the commit the run builds.
    let commit: String?
    let pipeline: String?

    init(_ value: Value) {
        object = KubeObject(value: value)
        let condition = (value.lookup("status.conditions")?.arrayValue ?? []).first { $0["type"]?.stringValue == "Succeeded" }
        switch condition?["status"]?.stringValue {
        case "True": state = .succeeded
        case "False": state = .failed
        default: state = .running
        }
        reason = condition?["reason"]?.stringValue
        message = condition?["message"]?.stringValue
        startTime = Kube.time(value.lookup("status.startTime"))
        completionTime = Kube.time(value.lookup("status.completionTime"))
        commit = (value.lookup("spec.params")?.arrayValue ?? []).first { $0["name"]?.stringValue == "git-revision" }?["value"]?.stringValue
        pipeline = value.lookup("spec.pipelineRef.name")?.stringValue ?? object.label("tekton.dev/pipeline")
    }

    /// Done means the condition is True or False and the completion time is set.
    var isDone: Bool { state != .running && completionTime != nil }

    /// Seconds from start to completion (or to `now` while running).
    func duration(now: Date) -> Double? {
        guard let startTime else { return nil }
        return (completionTime ?? now).timeIntervalSince(startTime)
    }

    func view(now: Date) -> Value {
        .object([
            "name": .string(name), "state": .string(state.rawValue), "reason": .optional(reason), "message": .optional(message),
            "commit": .optional(commit),
            "startTime": .optional(startTime.map(Kube.format)), "completionTime": .optional(completionTime.map(Kube.format)),
            "durationSeconds": .optional(duration(now: now).map { Int($0.rounded()) }),
        ])
    }
}

// MARK: - Pods, claims and volumes

struct Pod: Sendable {
    let object: KubeObject
    var name: String { object.name }
    let status: PodStatus
    let claimNames: [String]
    var phase: String { status.phase }
    var ready: Bool { status.ready }
    var waitingReasons: [String] { status.waitingReasons }
    var terminatedReasons: [String] { status.terminatedReasons }

    init(_ value: Value) {
        object = KubeObject(value: value)
        status = PodStatus(value)
        claimNames = (value.lookup("spec.volumes")?.arrayValue ?? []).compactMap {
            $0.lookup("persistentVolumeClaim.claimName")?.stringValue
        }
    }

    /// Pods in phase Succeeded or Failed keep listing their volumes, but the kubelet has
    /// unmounted them: only other phases hold an active mount.
    var mountsActively: Bool { phase != "Succeeded" && phase != "Failed" }
}

struct Claim: Sendable {
    let object: KubeObject
    var name: String { object.name }
    let volumeName: String?
    let requested: String?
    let capacity: String?

    init(_ value: Value) {
        object = KubeObject(value: value)
        volumeName = value.lookup("spec.volumeName")?.stringValue
        requested = value.lookup("spec.resources.requests.storage")?.stringValue
        capacity = value.lookup("status.capacity.storage")?.stringValue
    }
}

struct Volume: Sendable {
    let object: KubeObject
    var name: String { object.name }
    let phase: String
    let reclaimPolicy: String?
    let storageClass: String?
    let claimNamespace: String?
    let claimName: String?
    let capacity: String?
    /// The local-path folder on the node (`spec.hostPath.path` or `spec.local.path`).
    let path: String?
    let phaseSince: Date?

    init(_ value: Value) {
        object = KubeObject(value: value)
        phase = value.lookup("status.phase")?.stringValue ?? "Unknown"
        reclaimPolicy = value.lookup("spec.persistentVolumeReclaimPolicy")?.stringValue
        storageClass = value.lookup("spec.storageClassName")?.stringValue
        claimNamespace = value.lookup("spec.claimRef.namespace")?.stringValue
        claimName = value.lookup("spec.claimRef.name")?.stringValue
        capacity = value.lookup("spec.capacity.storage")?.stringValue
        path = value.lookup("spec.hostPath.path")?.stringValue ?? value.lookup("spec.local.path")?.stringValue
        phaseSince = Kube.time(value.lookup("status.lastPhaseTransitionTime"))
    }
}
