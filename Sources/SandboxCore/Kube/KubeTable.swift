/// What a Table request asks to carry in each row.
struct KubeTableOptions: Sendable {
    /// `PartialObjectMetadata` (kubectl's default), `Object` or `None`.
    var includeObject: String
}

/// Server-side printing: the `Table` kubectl asks for when it prints for people (`kubectl get`
/// without `-o`), with the columns the real apiserver and the CRDs declare, and ages measured on
/// the sandbox clock (a client-side age would use the real clock).
extension KubeCluster {
    func table(_ resource: KubeResource, list: KubeJSON, request options: KubeTableOptions) -> KubeJSON {
        let now = latestInstant
        let columns = KubeTable.columns(for: resource)
        let rows: [KubeJSON] = (list["items"]?.arrayValue ?? []).map { object in
            var row: [String: KubeJSON] = ["cells": .array(columns.map { $0.cell(object, now) })]
            switch options.includeObject {
            case "Object": row["object"] = object
            case "None": break
            default:
                row["object"] = .object([
                    "kind": .string("PartialObjectMetadata"), "apiVersion": .string("meta.k8s.io/v1"),
                    "metadata": object["metadata"] ?? .object([:]),
                ])
            }
            return .object(row)
        }
        return .object([
            "kind": .string("Table"), "apiVersion": .string("meta.k8s.io/v1"),
            "metadata": .object(["resourceVersion": list[path: ["metadata", "resourceVersion"]] ?? .string("")]),
            "columnDefinitions": .array(columns.map(\.definition)), "rows": .array(rows),
        ])
    }
}

enum KubeTable {
    struct Column {
        let name: String
        var type = "string"
        var format = ""
        var priority = 0
        let cell: (KubeJSON, Timestamp) -> KubeJSON

        var definition: KubeJSON {
            .object([
                "name": .string(name), "type": .string(type), "format": .string(format), "description": .string(""),
                "priority": .int(priority),
            ])
        }
    }

    static func columns(for resource: KubeResource) -> [Column] {
        let name = Column(name: "Name", format: "name") { object, _ in .string(object.string("metadata", "name") ?? "") }
        let age = Column(name: "Age") { object, now in .string(KubeTable.age(object.string("metadata", "creationTimestamp"), now)) }
        func text(_ title: String, priority: Int = 0, _ value: @escaping (KubeJSON) -> String?) -> Column {
            Column(name: title, priority: priority) { object, _ in value(object).map(KubeJSON.string) ?? .null }
        }
        func integer(_ title: String, _ value: @escaping (KubeJSON) -> Int64) -> Column {
            Column(name: title, type: "integer") { object, _ in .int(value(object)) }
        }
        func date(_ title: String, _ value: @escaping (KubeJSON) -> String?) -> Column {
            Column(name: title, type: "date") { object, now in value(object).map { .string(KubeTable.age($0, now)) } ?? .null }
        }
        func number(_ object: KubeJSON, _ path: String...) -> Int64 { object[path: path]?.integerValue ?? 0 }

        switch (resource.group, resource.kind) {
        case ("", "Pod"):
            return [
                name,
                text("Ready") { pod in
                    let statuses = pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []
                    let total = pod[path: ["spec", "containers"]]?.arrayValue?.count ?? statuses.count
                    return "\(statuses.filter { $0["ready"]?.boolValue == true }.count)/\(total)"
                },
                text("Status", podStatus),
                integer("Restarts") { pod in
                    (pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []).reduce(0) {
                        $0 + ($1["restartCount"]?.integerValue ?? 0)
                    }
                },
                age,
                text("IP", priority: 1) { $0.string("status", "podIP") ?? "<none>" },
                text("Node", priority: 1) { $0.string("spec", "nodeName") ?? "<none>" },
                text("Nominated Node", priority: 1) { $0.string("status", "nominatedNodeName") ?? "<none>" },
                text("Readiness Gates", priority: 1) { _ in "<none>" },
            ]
        case ("", "Service"):
            return [
                name, text("Type") { $0.string("spec", "type") ?? "ClusterIP" },
                text("Cluster-IP") { $0.string("spec", "clusterIP") ?? "<none>" },
                text("External-IP") { service in
                    let ingress =
                        service[path: ["status", "loadBalancer", "ingress"]]?.arrayValue?.compactMap {
                            $0.string("ip") ?? $0.string("hostname")
                        } ?? []
                    let external = service[path: ["spec", "externalIPs"]]?.arrayValue?.compactMap(\.stringValue) ?? []
                    let all = ingress + external
                    return all.isEmpty
                        ? (service.string("spec", "type") == "LoadBalancer" ? "<pending>" : "<none>") : all.joined(separator: ",")
                },
                text("Port(s)") { service in
                    let ports = (service[path: ["spec", "ports"]]?.arrayValue ?? []).map { port -> String in
                        let number = port["port"]?.integerValue ?? 0
                        let node = port["nodePort"]?.integerValue.map { ":\($0)" } ?? ""
                        return "\(number)\(node)/\(port.string("protocol") ?? "TCP")"
                    }
                    return ports.isEmpty ? "<none>" : ports.joined(separator: ",")
                },
                age,
                text("Selector", priority: 1) { service in
                    let selector = (service[path: ["spec", "selector"]]?.objectValue ?? [:]).sorted { $0.key < $1.key }.map {
                        "\($0.key)=\($0.value.stringValue ?? "")"
                    }
                    return selector.isEmpty ? "<none>" : selector.joined(separator: ",")
                },
            ]
        case ("", "Endpoints"):
            return [
                name,
                text("Endpoints") { endpoints in
                    var parts: [String] = []
                    for subset in endpoints["subsets"]?.arrayValue ?? [] {
                        for address in subset["addresses"]?.arrayValue ?? [] {
                            for port in subset["ports"]?.arrayValue ?? [] {
                                parts.append("\(address.string("ip") ?? ""):\(port["port"]?.integerValue ?? 0)")
                            }
                        }
                    }
                    return parts.isEmpty ? "<none>" : parts.joined(separator: ",")
                },
                age,
            ]
        case ("", "PersistentVolumeClaim"):
            return [
                name, text("Status") { $0.string("status", "phase") ?? "Pending" },
                text("Volume") { $0.string("spec", "volumeName") ?? "" },
                text("Capacity") { $0.string("status", "capacity", "storage") ?? "" },
                text("Access Modes") { accessModes($0[path: ["status", "accessModes"]]) },
                text("StorageClass") { $0.string("spec", "storageClassName") ?? "<unset>" },
                text("VolumeAttributesClass") { $0.string("spec", "volumeAttributesClassName") ?? "<unset>" }, age,
            ]
        case ("", "PersistentVolume"):
            return [
                name, text("Capacity") { $0.string("spec", "capacity", "storage") ?? "" },
                text("Access Modes") { accessModes($0[path: ["spec", "accessModes"]]) },
                text("Reclaim Policy") { $0.string("spec", "persistentVolumeReclaimPolicy") ?? "" },
                text("Status") { $0.string("status", "phase") ?? "" },
                text("Claim") { volume in
                    guard let claim = volume.string("spec", "claimRef", "name") else { return "" }
                    return "\(volume.string("spec", "claimRef", "namespace") ?? "")/\(claim)"
                },
                text("StorageClass") { $0.string("spec", "storageClassName") ?? "" },
                text("VolumeAttributesClass") { $0.string("spec", "volumeAttributesClassName") ?? "<unset>" },
                text("Reason") { $0.string("status", "reason") ?? "" }, age,
            ]
        case ("", "Namespace"):
            return [name, text("Status") { $0.string("status", "phase") ?? "" }, age]
        case ("", "Secret"):
            return [
                name, text("Type") { $0.string("type") ?? "Opaque" },
                integer("Data") { Int64(($0["data"]?.objectValue?.count ?? 0) + ($0["stringData"]?.objectValue?.count ?? 0)) }, age,
            ]
        case ("", "ConfigMap"):
            return [
                name, integer("Data") { Int64(($0["data"]?.objectValue?.count ?? 0) + ($0["binaryData"]?.objectValue?.count ?? 0)) }, age,
            ]
        case ("apps", "Deployment"):
            return [
                name, text("Ready") { "\(number($0, "status", "readyReplicas"))/\(number($0, "spec", "replicas"))" },
                integer("Up-to-date") { number($0, "status", "updatedReplicas") },
                integer("Available") { number($0, "status", "availableReplicas") }, age,
            ]
        case ("apps", "ReplicaSet"):
            return [
                name, integer("Desired") { number($0, "spec", "replicas") }, integer("Current") { number($0, "status", "replicas") },
                integer("Ready") { number($0, "status", "readyReplicas") }, age,
            ]
        case ("apps", "StatefulSet"):
            return [name, text("Ready") { "\(number($0, "status", "readyReplicas"))/\(number($0, "spec", "replicas"))" }, age]
        case ("batch", "Job"):
            return [
                name,
                text("Status") { job in
                    let conditions = job[path: ["status", "conditions"]]?.arrayValue ?? []
                    func has(_ type: String) -> Bool { conditions.contains { $0.string("type") == type && $0.string("status") == "True" } }
                    return has("Complete") ? "Complete" : has("Failed") ? "Failed" : has("Suspended") ? "Suspended" : "Running"
                },
                text("Completions") { "\(number($0, "status", "succeeded"))/\($0[path: ["spec", "completions"]]?.integerValue ?? 1)" },
                text("Duration") { job in
                    guard let start = KubeTime.parse(job.string("status", "startTime")) else { return "" }
                    let end = KubeTime.parse(job.string("status", "completionTime"))
                    return end.map { humanDuration(($0.milliseconds - start.milliseconds) / 1000) } ?? ""
                },
                age,
            ]
        case ("discovery.k8s.io", "EndpointSlice"):
            return [
                name, text("AddressType") { $0.string("addressType") ?? "" },
                text("Ports") { slice in
                    let ports = (slice["ports"]?.arrayValue ?? []).compactMap { $0["port"]?.integerValue.map(String.init) }
                    return ports.isEmpty ? "<unset>" : ports.joined(separator: ",")
                },
                text("Endpoints") { slice in
                    let addresses = (slice["endpoints"]?.arrayValue ?? []).flatMap {
                        $0["addresses"]?.arrayValue?.compactMap(\.stringValue) ?? []
                    }
                    return addresses.isEmpty ? "<unset>" : addresses.joined(separator: ",")
                },
                age,
            ]
        case ("tekton.dev", "PipelineRun"), ("tekton.dev", "TaskRun"):
            return [
                name, text("Succeeded") { KubeSimulation.condition($0)?.string("status") },
                text("Reason") { KubeSimulation.condition($0)?.string("reason") },
                date("StartTime") { $0.string("status", "startTime") }, date("CompletionTime") { $0.string("status", "completionTime") },
            ]
        case ("argoproj.io", "Application"):
            return [
                name, text("Sync Status") { $0.string("status", "sync", "status") },
                text("Health Status") { $0.string("status", "health", "status") },
                text("Revision", priority: 10) { $0.string("status", "sync", "revision") },
                text("Project", priority: 10) { $0.string("spec", "project") },
            ]
        default:
            return [name, age]
        }
    }

    private static func accessModes(_ value: KubeJSON?) -> String {
        let short = ["ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"]
        return (value?.arrayValue ?? []).compactMap { $0.stringValue.map { short[$0] ?? $0 } }.joined(separator: ",")
    }

    /// The STATUS column of `kubectl get pods`, as the apiserver's printer derives it.
    private static func podStatus(_ pod: KubeJSON) -> String {
        var reason = pod.string("status", "reason") ?? pod.string("status", "phase") ?? "Unknown"
        var running = false
        for status in (pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []).reversed() {
            if let waiting = status.string("state", "waiting", "reason"), !waiting.isEmpty {
                reason = waiting
            } else if let terminated = status[path: ["state", "terminated"]] {
                if let why = terminated.string("reason"), !why.isEmpty {
                    reason = why
                } else if let signal = terminated["signal"]?.integerValue, signal != 0 {
                    reason = "Signal:\(signal)"
                } else {
                    reason = "ExitCode:\(terminated["exitCode"]?.integerValue ?? 0)"
                }
            } else if status["ready"]?.boolValue == true, status[path: ["state", "running"]] != nil {
                running = true
            }
        }
        if reason == "Completed", running {
            let ready = (pod[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
                $0.string("type") == "Ready" && $0.string("status") == "True"
            }
            reason = ready ? "Running" : "NotReady"
        }
        if pod[path: ["metadata", "deletionTimestamp"]] != nil {
            reason = pod.string("status", "reason") == "NodeLost" ? "Unknown" : "Terminating"
        }
        return reason
    }

    /// The age of a timestamp at `now`, as `kubectl` shows ages.
    static func age(_ stamp: String?, _ now: Timestamp) -> String {
        guard let instant = KubeTime.parse(stamp) else { return "<unknown>" }
        let delta = now.milliseconds - instant.milliseconds
        let seconds = delta >= 0 ? delta / 1000 : -((-delta + 999) / 1000)
        if seconds < -1 { return "<invalid>" }
        return humanDuration(max(seconds, 0))
    }

    /// Kubernetes' `duration.HumanDuration`.
    static func humanDuration(_ seconds: Int64) -> String {
        if seconds < 120 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 { return seconds % 60 == 0 ? "\(minutes)m" : "\(minutes)m\(seconds % 60)s" }
        if minutes < 180 { return "\(minutes)m" }
        let hours = seconds / 3600
        if hours < 8 { return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h\(minutes % 60)m" }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 { return hours % 24 == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(hours % 24)h" }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        if hours < 24 * 365 * 8 {
            let days = (hours / 24) % 365
            return days == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(days)d"
        }
        return "\(hours / 24 / 365)y"
    }
}
