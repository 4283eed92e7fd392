/// One served resource type: how discovery declares it and how the store treats it.
struct KubeResource: Sendable, Hashable {
    let group: String
    let version: String
    let plural: String
    let singular: String
    let kind: String
    let namespaced: Bool
    var shortNames: [String] = []
    var categories: [String] = []
    /// Whether the apiserver keeps `metadata.generation` (bumped when anything but metadata and,
    /// with a status subresource, status changes).
    var hasGeneration = false
    /// Whether status lives behind a `/status` subresource, so writes to the main resource keep it.
    var statusSubresource = false

    /// `v1` or `group/version`.
    var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `deployments.apps`, `pods`: how the apiserver names the resource in messages.
    var qualifiedPlural: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// `deployment.apps`, `pod`: how kubectl names it in `… deleted` lines.
    var qualifiedSingular: String { group.isEmpty ? singular : "\(singular).\(group)" }

    /// The path of the group version: `/api/v1` or `/apis/group/version`.
    var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    static let verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update"]

    /// The `APIResource` entry of discovery.
    var discoveryEntry: KubeJSON {
        var entry: [String: KubeJSON] = [
            "name": .string(plural), "singularName": .string(singular), "namespaced": .bool(namespaced),
            "kind": .string(kind), "verbs": .array(Self.verbs.map(KubeJSON.string)),
        ]
        if !shortNames.isEmpty { entry["shortNames"] = .array(shortNames.map(KubeJSON.string)) }
        if !categories.isEmpty { entry["categories"] = .array(categories.map(KubeJSON.string)) }
        return .object(entry)
    }
}

/// Every resource type the sandbox serves, in discovery order.
enum KubeCatalog {
    static let resources: [KubeResource] = [
        // core/v1
        KubeResource(
            group: "", version: "v1", plural: "configmaps", singular: "configmap", kind: "ConfigMap", namespaced: true, shortNames: ["cm"]),
        KubeResource(
            group: "", version: "v1", plural: "endpoints", singular: "endpoints", kind: "Endpoints", namespaced: true, shortNames: ["ep"]),
        KubeResource(group: "", version: "v1", plural: "events", singular: "event", kind: "Event", namespaced: true, shortNames: ["ev"]),
        KubeResource(
            group: "", version: "v1", plural: "namespaces", singular: "namespace", kind: "Namespace", namespaced: false, shortNames: ["ns"],
            statusSubresource: true),
        KubeResource(
            group: "", version: "v1", plural: "persistentvolumeclaims", singular: "persistentvolumeclaim", kind: "PersistentVolumeClaim",
            namespaced: true, shortNames: ["pvc"], statusSubresource: true),
        KubeResource(
            group: "", version: "v1", plural: "persistentvolumes", singular: "persistentvolume", kind: "PersistentVolume",
            namespaced: false,
            shortNames: ["pv"], statusSubresource: true),
        KubeResource(
            group: "", version: "v1", plural: "pods", singular: "pod", kind: "Pod", namespaced: true, shortNames: ["po"],
            categories: ["all"],
            statusSubresource: true),
        KubeResource(group: "", version: "v1", plural: "secrets", singular: "secret", kind: "Secret", namespaced: true),
        KubeResource(
            group: "", version: "v1", plural: "serviceaccounts", singular: "serviceaccount", kind: "ServiceAccount", namespaced: true,
            shortNames: ["sa"]),
        KubeResource(
            group: "", version: "v1", plural: "services", singular: "service", kind: "Service", namespaced: true, shortNames: ["svc"],
            categories: ["all"], statusSubresource: true),
        // apps/v1
        KubeResource(
            group: "apps", version: "v1", plural: "daemonsets", singular: "daemonset", kind: "DaemonSet", namespaced: true,
            shortNames: ["ds"],
            categories: ["all"], hasGeneration: true, statusSubresource: true),
        KubeResource(
            group: "apps", version: "v1", plural: "deployments", singular: "deployment", kind: "Deployment", namespaced: true,
            shortNames: ["deploy"], categories: ["all"], hasGeneration: true, statusSubresource: true),
        KubeResource(
            group: "apps", version: "v1", plural: "replicasets", singular: "replicaset", kind: "ReplicaSet", namespaced: true,
            shortNames: ["rs"], categories: ["all"], hasGeneration: true, statusSubresource: true),
        KubeResource(
            group: "apps", version: "v1", plural: "statefulsets", singular: "statefulset", kind: "StatefulSet", namespaced: true,
            shortNames: ["sts"], categories: ["all"], hasGeneration: true, statusSubresource: true),
        // batch/v1
        KubeResource(
            group: "batch", version: "v1", plural: "cronjobs", singular: "cronjob", kind: "CronJob", namespaced: true, shortNames: ["cj"],
            categories: ["all"], hasGeneration: true, statusSubresource: true),
        KubeResource(
            group: "batch", version: "v1", plural: "jobs", singular: "job", kind: "Job", namespaced: true, categories: ["all"],
            hasGeneration: true, statusSubresource: true),
        // discovery.k8s.io/v1
        KubeResource(
            group: "discovery.k8s.io", version: "v1", plural: "endpointslices", singular: "endpointslice", kind: "EndpointSlice",
            namespaced: true, hasGeneration: true),
        // tekton.dev/v1 (Tekton Pipelines CRDs)
        KubeResource(
            group: "tekton.dev", version: "v1", plural: "pipelineruns", singular: "pipelinerun", kind: "PipelineRun", namespaced: true,
            shortNames: ["pr", "prs"], categories: ["tekton", "tekton-pipelines"], hasGeneration: true, statusSubresource: true),
        KubeResource(
            group: "tekton.dev", version: "v1", plural: "pipelines", singular: "pipeline", kind: "Pipeline", namespaced: true,
            categories: ["tekton", "tekton-pipelines"], hasGeneration: true),
        KubeResource(
            group: "tekton.dev", version: "v1", plural: "taskruns", singular: "taskrun", kind: "TaskRun", namespaced: true,
            shortNames: ["tr", "trs"], categories: ["tekton", "tekton-pipelines"], hasGeneration: true, statusSubresource: true),
        KubeResource(
            group: "tekton.dev", version: "v1", plural: "tasks", singular: "task", kind: "Task", namespaced: true,
            categories: ["tekton", "tekton-pipelines"], hasGeneration: true),
        // argoproj.io/v1alpha1 (Argo CD CRDs; no status subresource)
        KubeResource(
            group: "argoproj.io", version: "v1alpha1", plural: "applications", singular: "application", kind: "Application",
            namespaced: true,
            shortNames: ["app", "apps"], hasGeneration: true),
        KubeResource(
            group: "argoproj.io", version: "v1alpha1", plural: "appprojects", singular: "appproject", kind: "AppProject", namespaced: true,
            shortNames: ["appproj", "appprojs"], hasGeneration: true),
    ]

    static let pods = resource(group: "", plural: "pods")!
    static let namespaces = resource(group: "", plural: "namespaces")!
    static let persistentVolumeClaims = resource(group: "", plural: "persistentvolumeclaims")!
    static let persistentVolumes = resource(group: "", plural: "persistentvolumes")!
    static let pipelineRuns = resource(group: "tekton.dev", plural: "pipelineruns")!
    static let taskRuns = resource(group: "tekton.dev", plural: "taskruns")!
    static let statefulSets = resource(group: "apps", plural: "statefulsets")!
    static let applications = resource(group: "argoproj.io", plural: "applications")!
    static let deployments = resource(group: "apps", plural: "deployments")!
    static let replicaSets = resource(group: "apps", plural: "replicasets")!
    static let services = resource(group: "", plural: "services")!
    static let endpoints = resource(group: "", plural: "endpoints")!
    static let endpointSlices = resource(group: "discovery.k8s.io", plural: "endpointslices")!

    /// The resource served at `group`/`version` under `plural`.
    static func resource(group: String, version: String? = nil, plural: String) -> KubeResource? {
        resources.first { $0.group == group && $0.plural == plural && (version == nil || $0.version == version) }
    }

    /// The resource of an object's `apiVersion` and `kind`.
    static func resource(apiVersion: String, kind: String) -> KubeResource? {
        resources.first { $0.apiVersion == apiVersion && $0.kind == kind }
    }

    /// Group versions in discovery order: core first, then groups by first appearance.
    static var groups: [(group: String, version: String)] {
        var seen: [(String, String)] = []
        for resource in resources where !resource.group.isEmpty && !seen.contains(where: { $0 == (resource.group, resource.version) }) {
            seen.append((resource.group, resource.version))
        }
        return seen
    }

    // MARK: - Discovery documents

    /// `/api`.
    static func coreVersions(serverAddress: String) -> KubeJSON {
        .object([
            "kind": .string("APIVersions"), "versions": .array([.string("v1")]),
            "serverAddressByClientCIDRs": .array([
                .object(["clientCIDR": .string("0.0.0.0/0"), "serverAddress": .string(serverAddress)])
            ]),
        ])
    }

    private static func groupDocument(_ group: String, _ version: String) -> KubeJSON {
        let groupVersion = KubeJSON.object(["groupVersion": .string("\(group)/\(version)"), "version": .string(version)])
        return .object(["name": .string(group), "versions": .array([groupVersion]), "preferredVersion": groupVersion])
    }

    /// `/apis`.
    static var groupList: KubeJSON {
        .object([
            "kind": .string("APIGroupList"), "apiVersion": .string("v1"),
            "groups": .array(groups.map { groupDocument($0.group, $0.version) }),
        ])
    }

    /// `/apis/<group>`, nil for a group the sandbox does not serve.
    static func group(_ name: String) -> KubeJSON? {
        guard let entry = groups.first(where: { $0.group == name }), case .object(var document) = groupDocument(entry.group, entry.version)
        else { return nil }
        document["kind"] = .string("APIGroup")
        document["apiVersion"] = .string("v1")
        return .object(document)
    }

    /// `/api/v1` or `/apis/<group>/<version>`, nil for a group version the sandbox does not serve.
    static func resourceList(group: String, version: String) -> KubeJSON? {
        let served = resources.filter { $0.group == group && $0.version == version }
        guard !served.isEmpty else { return nil }
        return .object([
            "kind": .string("APIResourceList"), "apiVersion": .string("v1"), "groupVersion": .string(served[0].apiVersion),
            "resources": .array(served.map(\.discoveryEntry)),
        ])
    }

    /// `/version`: a k3s v1.32 server (kubectl's dispatcher picks its 1.32 client from this).
    static let version = KubeJSON.object([
        "major": .string("1"), "minor": .string("32"), "gitVersion": .string("v1.32.5+k3s1"),
        "gitCommit": .string("8e8f2a4726fdb4ca628eb62b2a526b64d0e6a763"), "gitTreeState": .string("clean"),
        "buildDate": .string("2025-05-20T00:00:00Z"), "goVersion": .string("go1.23.8"), "compiler": .string("gc"),
        "platform": .string("linux/amd64"),
    ])
}
