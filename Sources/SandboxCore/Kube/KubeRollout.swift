import Digest
import Foundation

/// The Deployment and ReplicaSet controllers, the kubelet and the endpoints controllers as far as
/// a rolling update needs them, played on the sandbox clock.
///
/// A Deployment whose pod template changes (a user's write, or Argo CD applying a new image) rolls
/// out at once: `generation` went up with the write; the controller observes it, counts the
/// revision on, and makes (or scales back up) the ReplicaSet `<deployment>-<pod-template-hash>`
/// with `spec.replicas` new pods, `ContainerCreating`. 8 s after the change their containers run
/// (not yet ready, `notReadyAddresses` of the Service's Endpoints), 16 s after it they are Ready:
/// the Service's Endpoints and EndpointSlices point at them, the old pods are deleted, older
/// ReplicaSets scaled to 0, and the Deployment reports `NewReplicaSetAvailable`. A change during a
/// rollout starts over from the newest template; the pods of the superseded one go at the end.
/// A spec change that leaves the template alone is only observed (`observedGeneration`).
extension KubeCluster {
    static let revisionAnnotation = "deployment.kubernetes.io/revision"
    static let templateHashLabel = "pod-template-hash"

    /// The rollout's steps (the timer's `step`); its `detail` is the pod-template hash.
    private enum RolloutStep: Int {
        case start = 0, containersStarted = 1, complete = 2, observe = 3
    }

    func deploymentWritten(old: KubeJSON?, new: KubeJSON, at now: Timestamp) throws {
        guard let old, let uid = new.string("metadata", "uid") else { return }
        if new[path: ["spec", "template"]] != old[path: ["spec", "template"]] {
            try store.setTimer(uid: uid, purpose: KubeSimulation.rolloutTimer, due: now, step: RolloutStep.start.rawValue)
        } else if new[path: ["metadata", "generation"]] != new[path: ["status", "observedGeneration"]],
            try store.timer(uid: uid, purpose: KubeSimulation.rolloutTimer) == nil
        {
            try store.setTimer(uid: uid, purpose: KubeSimulation.rolloutTimer, due: now, step: RolloutStep.observe.rawValue)
        }
    }

    func stepRollout(_ timer: KubeStore.Timer) throws {
        guard let deployment = try store.fetch(uid: timer.uid), deployment.string("kind") == "Deployment" else {
            try store.removeTimer(uid: timer.uid, purpose: timer.purpose)
            return
        }
        let now = timer.due
        switch RolloutStep(rawValue: timer.step) {
        case .start:
            let hash = try startRollout(deployment, at: now)
            try store.setTimer(
                uid: timer.uid, purpose: timer.purpose, due: now.adding(milliseconds: KubeSimulation.containerStartDelay),
                step: RolloutStep.containersStarted.rawValue, detail: hash)
        case .containersStarted:
            try startContainers(deployment, hash: timer.detail, at: now)
            try store.setTimer(
                uid: timer.uid, purpose: timer.purpose,
                due: now.adding(milliseconds: KubeSimulation.podReadyDelay - KubeSimulation.containerStartDelay),
                step: RolloutStep.complete.rawValue, detail: timer.detail)
        case .complete:
            try completeRollout(deployment, hash: timer.detail, at: now)
            try store.removeTimer(uid: timer.uid, purpose: timer.purpose)
        case .observe, nil:
            var observed = deployment
            observed[path: ["status", "observedGeneration"]] = deployment[path: ["metadata", "generation"]]
            try update(KubeCatalog.deployments, old: deployment, new: observed, at: now, asController: true)
            try store.removeTimer(uid: timer.uid, purpose: timer.purpose)
        }
    }

    // MARK: The steps

    /// The new ReplicaSet and its pods; answers the pod-template hash.
    private func startRollout(_ deployment: KubeJSON, at now: Timestamp) throws -> String {
        let namespace = deployment.string("metadata", "namespace") ?? "default"
        let template = deployment[path: ["spec", "template"]] ?? .object([:])
        let hash = Self.podTemplateHash(template)
        let replicaSetName = "\(deployment.string("metadata", "name") ?? "")-\(hash)"
        let replicas = Int(deployment[path: ["spec", "replicas"]]?.integerValue ?? 1)
        let revision = (Int64(deployment.string("metadata", "annotations", Self.revisionAnnotation) ?? "") ?? 0) + 1

        var labels = template[path: ["metadata", "labels"]]?.objectValue ?? [:]
        labels[Self.templateHashLabel] = .string(hash)
        var podTemplate = template
        podTemplate[path: ["metadata", "labels"]] = .object(labels)
        let annotations: [String: KubeJSON] = [
            "deployment.kubernetes.io/desired-replicas": .string(String(replicas)),
            "deployment.kubernetes.io/max-replicas": .string(String(replicas + Self.maxSurge(deployment, replicas: replicas))),
            Self.revisionAnnotation: .string(String(revision)),
        ]
        var replicaSet: KubeJSON
        if let existing = try store.fetch(KubeCatalog.replicaSets, namespace: namespace, name: replicaSetName) {
            // Back to an earlier template: its ReplicaSet is scaled up again.
            var scaled = existing
            scaled[path: ["spec", "replicas"]] = .int(replicas)
            for (key, value) in annotations { scaled[path: ["metadata", "annotations", key]] = value }
            replicaSet = try update(KubeCatalog.replicaSets, old: existing, new: scaled, at: now, asController: true)
        } else {
            var selector = deployment[path: ["spec", "selector"]] ?? .object([:])
            selector[path: ["matchLabels", Self.templateHashLabel]] = .string(hash)
            replicaSet = try make(
                .object([
                    "apiVersion": .string("apps/v1"), "kind": .string("ReplicaSet"),
                    "metadata": .object([
                        "name": .string(replicaSetName), "namespace": .string(namespace), "labels": .object(labels),
                        "annotations": .object(annotations), "ownerReferences": .array([ownerReference(deployment)]),
                    ]),
                    "spec": .object(["replicas": .int(replicas), "selector": selector, "template": podTemplate]),
                ]), at: now)
        }

        let pods = try ownPods(deployment)
        var current = pods.filter { Self.labels(of: $0)[Self.templateHashLabel] == hash }
        for index in current.count..<max(current.count, replicas) {
            current.append(try make(try replicaPod(podTemplate, replicaSet: replicaSet, index: index, at: now), at: now))
        }
        try setReplicaSetStatus(replicaSet, pods: current, at: now)

        let old = pods.filter { Self.labels(of: $0)[Self.templateHashLabel] != hash }
        let oldReady = old.filter(Self.isReady).count
        var updated = deployment
        updated[path: ["metadata", "annotations", Self.revisionAnnotation]] = .string(String(revision))
        updated[path: ["status", "observedGeneration"]] = deployment[path: ["metadata", "generation"]]
        Self.setReplicaCounts(&updated, replicas: old.count + current.count, updated: current.count, ready: oldReady, available: oldReady)
        let available = oldReady >= replicas - Self.maxUnavailable(deployment, replicas: replicas)
        Self.setCondition(
            &updated, "Available", available, reason: available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
            message: available ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", at: now)
        Self.setCondition(
            &updated, "Progressing", true, reason: "ReplicaSetUpdated", message: "ReplicaSet \"\(replicaSetName)\" is progressing.", at: now
        )
        try update(KubeCatalog.deployments, old: deployment, new: updated, at: now, asController: true)
        try setHealth(ofApplicationsManaging: updated, to: "Progressing", at: now)
        return hash
    }

    /// The new pods' containers run (the image was pulled); readiness is still being probed.
    private func startContainers(_ deployment: KubeJSON, hash: String, at now: Timestamp) throws {
        let node = try node()
        for pod in try ownPods(deployment) where Self.labels(of: pod)[Self.templateHashLabel] == hash {
            guard pod.string("status", "phase") == "Pending" else { continue }
            let namespace = pod.string("metadata", "namespace") ?? ""
            let name = pod.string("metadata", "name") ?? ""
            let ip = podIP("\(namespace)/\(name)")
            var running = pod
            running[path: ["status", "phase"]] = .string("Running")
            running[path: ["status", "podIP"]] = .string(ip)
            running[path: ["status", "podIPs"]] = .array([.object(["ip": .string(ip)])])
            running[path: ["status", "hostIP"]] = .string(node.ip)
            running[path: ["status", "hostIPs"]] = .array([.object(["ip": .string(node.ip)])])
            Self.setPodCondition(&running, "PodReadyToStartContainers", true, at: now)
            running[path: ["status", "containerStatuses"]] = .array(
                (pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []).map { status in
                    var started = status
                    let image = status.string("image") ?? ""
                    let repository = image.split(separator: ":").dropLast().joined(separator: ":")
                    started["containerID"] = .string(
                        "containerd://" + SHA256.hex("container/\(namespace)/\(name)/\(status.string("name") ?? "")/\(now.milliseconds)"))
                    started["imageID"] = .string("\(repository.isEmpty ? image : repository)@sha256:" + SHA256.hex("image/\(image)"))
                    started["started"] = .bool(true)
                    started["state"] = .object(["running": .object(["startedAt": .string(KubeTime.format(now))])])
                    return started
                })
            try update(KubeCatalog.pods, old: pod, new: running, at: now, asController: true)
        }
        try refreshEndpoints(namespace: deployment.string("metadata", "namespace") ?? "", at: now)
    }

    /// The new pods are Ready: the old ones go, older ReplicaSets are scaled to 0, the Deployment
    /// is complete.
    private func completeRollout(_ deployment: KubeJSON, hash: String, at now: Timestamp) throws {
        let namespace = deployment.string("metadata", "namespace") ?? ""
        let pods = try ownPods(deployment)
        var current: [KubeJSON] = []
        for pod in pods where Self.labels(of: pod)[Self.templateHashLabel] == hash {
            var ready = pod
            Self.setPodCondition(&ready, "Ready", true, at: now)
            Self.setPodCondition(&ready, "ContainersReady", true, at: now)
            ready[path: ["status", "containerStatuses"]] = .array(
                (pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []).map { status in
                    var updated = status
                    updated["ready"] = .bool(true)
                    return updated
                })
            current.append(try update(KubeCatalog.pods, old: pod, new: ready, at: now, asController: true))
        }
        try remove(pods.filter { Self.labels(of: $0)[Self.templateHashLabel] != hash }, at: now)

        let ownerUID = deployment.string("metadata", "uid")
        for replicaSet in try store.list(KubeCatalog.replicaSets, namespace: namespace)
        where (replicaSet[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).contains(where: { $0.string("uid") == ownerUID }) {
            if Self.labels(of: replicaSet)[Self.templateHashLabel] == hash {
                try setReplicaSetStatus(replicaSet, pods: current, at: now)
            } else if replicaSet[path: ["spec", "replicas"]]?.integerValue != 0 {
                var scaled = replicaSet
                scaled[path: ["spec", "replicas"]] = .int(0)
                scaled[path: ["status"]] = .object([
                    "observedGeneration": .int((replicaSet[path: ["metadata", "generation"]]?.integerValue ?? 1) + 1), "replicas": .int(0),
                ])
                try update(KubeCatalog.replicaSets, old: replicaSet, new: scaled, at: now, asController: true)
            }
        }

        let replicaSetName = "\(deployment.string("metadata", "name") ?? "")-\(hash)"
        var updated = deployment
        updated[path: ["status", "observedGeneration"]] = deployment[path: ["metadata", "generation"]]
        Self.setReplicaCounts(&updated, replicas: current.count, updated: current.count, ready: current.count, available: current.count)
        Self.setCondition(
            &updated, "Available", true, reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability.", at: now)
        Self.setCondition(
            &updated, "Progressing", true, reason: "NewReplicaSetAvailable",
            message: "ReplicaSet \"\(replicaSetName)\" has successfully progressed.", at: now)
        try update(KubeCatalog.deployments, old: deployment, new: updated, at: now, asController: true)
        try refreshEndpoints(namespace: namespace, at: now)
        try setHealth(ofApplicationsManaging: updated, to: "Healthy", at: now)
    }

    // MARK: Pods and ReplicaSets

    /// The Deployment's pods: its selector matches, they carry a pod-template hash, and they have
    /// not finished.
    private func ownPods(_ deployment: KubeJSON) throws -> [KubeJSON] {
        let selector = Self.stringMap(deployment[path: ["spec", "selector", "matchLabels"]])
        guard !selector.isEmpty else { return [] }
        return try store.list(KubeCatalog.pods, namespace: deployment.string("metadata", "namespace")).filter { pod in
            let labels = Self.labels(of: pod)
            return labels[Self.templateHashLabel] != nil && selector.allSatisfy { labels[$0.key] == $0.value }
                && !["Succeeded", "Failed"].contains(pod.string("status", "phase") ?? "")
        }
    }

    /// A new pod of `replicaSet`, scheduled on the node, its containers being created.
    private func replicaPod(_ template: KubeJSON, replicaSet: KubeJSON, index: Int, at now: Timestamp) throws -> KubeJSON {
        let namespace = replicaSet.string("metadata", "namespace") ?? "default"
        let prefix = (replicaSet.string("metadata", "name") ?? "") + "-"
        let name = prefix + KubeIdentity.suffix("pod/\(namespace)/\(prefix)/\(try store.currentResourceVersion())/\(index)")
        let node = try node()
        var spec = template["spec"] ?? .object([:])
        spec["nodeName"] = .string(node.name)
        if let account = spec.string("serviceAccountName") { spec["serviceAccount"] = .string(account) }
        for (key, value) in [
            "enableServiceLinks": KubeJSON.bool(true), "preemptionPolicy": .string("PreemptLowerPriority"), "priority": .int(0),
            "schedulerName": .string("default-scheduler"), "restartPolicy": .string("Always"),
        ] where spec[key] == nil {
            spec[key] = value
        }
        if spec["tolerations"] == nil {
            spec["tolerations"] = .array(
                ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"].map {
                    .object([
                        "effect": .string("NoExecute"), "key": .string($0), "operator": .string("Exists"), "tolerationSeconds": .int(300),
                    ])
                })
        }
        // The service account token, as the admission plugin mounts it.
        let tokenVolume = "kube-api-access-" + KubeIdentity.suffix("token/\(namespace)/\(name)")
        spec["volumes"] = .array(
            (spec["volumes"]?.arrayValue ?? []) + [
                .object([
                    "name": .string(tokenVolume),
                    "projected": .object([
                        "defaultMode": .int(420),
                        "sources": .array([
                            .object(["serviceAccountToken": .object(["expirationSeconds": .int(3607), "path": .string("token")])]),
                            .object([
                                "configMap": .object([
                                    "items": .array([.object(["key": .string("ca.crt"), "path": .string("ca.crt")])]),
                                    "name": .string("kube-root-ca.crt"),
                                ])
                            ]),
                            .object([
                                "downwardAPI": .object([
                                    "items": .array([
                                        .object([
                                            "fieldRef": .object(["apiVersion": .string("v1"), "fieldPath": .string("metadata.namespace")]),
                                            "path": .string("namespace"),
                                        ])
                                    ])
                                ])
                            ]),
                        ]),
                    ]),
                ])
            ])
        let containers = (spec["containers"]?.arrayValue ?? []).map { container in
            var mounted = container
            mounted["volumeMounts"] = .array(
                (container["volumeMounts"]?.arrayValue ?? []) + [
                    .object([
                        "mountPath": .string("/var/run/secrets/kubernetes.io/serviceaccount"), "name": .string(tokenVolume),
                        "readOnly": .bool(true),
                    ])
                ])
            return mounted
        }
        spec["containers"] = .array(containers)

        let names = containers.compactMap { $0.string("name") }
        let unready = "containers with unready status: [\(names.joined(separator: " "))]"
        func condition(_ type: String, _ status: Bool, reason: String? = nil, message: String? = nil) -> KubeJSON {
            var members: [String: KubeJSON] = [
                "type": .string(type), "status": .string(status ? "True" : "False"), "lastProbeTime": .null,
                "lastTransitionTime": .string(KubeTime.format(now)),
            ]
            if let reason { members["reason"] = .string(reason) }
            if let message { members["message"] = .string(message) }
            return .object(members)
        }
        let hasResources = containers.contains { $0["resources"]?.objectValue?.isEmpty == false }
        var metadata: [String: KubeJSON] = [
            "name": .string(name), "generateName": .string(prefix), "namespace": .string(namespace),
            "labels": template[path: ["metadata", "labels"]] ?? .object([:]), "ownerReferences": .array([ownerReference(replicaSet)]),
        ]
        if let annotations = template[path: ["metadata", "annotations"]] { metadata["annotations"] = annotations }
        return .object([
            "apiVersion": .string("v1"), "kind": .string("Pod"), "metadata": .object(metadata), "spec": spec,
            "status": .object([
                "conditions": .array([
                    condition("PodReadyToStartContainers", false), condition("Initialized", true),
                    condition("Ready", false, reason: "ContainersNotReady", message: unready),
                    condition("ContainersReady", false, reason: "ContainersNotReady", message: unready), condition("PodScheduled", true),
                ]),
                "containerStatuses": .array(
                    containers.map { container in
                        .object([
                            "image": container["image"] ?? .string(""), "imageID": .string(""), "lastState": .object([:]),
                            "name": container["name"] ?? .string(""), "ready": .bool(false), "restartCount": .int(0),
                            "started": .bool(false), "state": .object(["waiting": .object(["reason": .string("ContainerCreating")])]),
                        ])
                    }),
                "hostIP": .string(node.ip), "hostIPs": .array([.object(["ip": .string(node.ip)])]), "phase": .string("Pending"),
                "qosClass": .string(hasResources ? "Burstable" : "BestEffort"), "startTime": .string(KubeTime.format(now)),
            ]),
        ])
    }

    private func setReplicaSetStatus(_ replicaSet: KubeJSON, pods: [KubeJSON], at now: Timestamp) throws {
        let ready = pods.filter(Self.isReady).count
        var members: [String: KubeJSON] = [
            "replicas": .int(pods.count), "fullyLabeledReplicas": .int(pods.count),
            "observedGeneration": replicaSet[path: ["metadata", "generation"]] ?? .int(1),
        ]
        if ready > 0 {
            members["readyReplicas"] = .int(ready)
            members["availableReplicas"] = .int(ready)
        }
        var updated = replicaSet
        updated["status"] = .object(members)
        try update(KubeCatalog.replicaSets, old: replicaSet, new: updated, at: now, asController: true)
    }

    // MARK: Endpoints

    /// Points each Service's Endpoints and EndpointSlices in `namespace` at the running pods its
    /// selector matches: Ready ones as ready addresses, the others as not ready.
    func refreshEndpoints(namespace: String, at now: Timestamp) throws {
        let pods = try store.list(KubeCatalog.pods, namespace: namespace)
        let stamp = KubeJSON.string(KubeTime.format(now))
        for service in try store.list(KubeCatalog.services, namespace: namespace) {
            let selector = Self.stringMap(service[path: ["spec", "selector"]])
            guard !selector.isEmpty, let serviceName = service.string("metadata", "name") else { continue }
            let members = pods.filter { pod in
                let labels = Self.labels(of: pod)
                return selector.allSatisfy { labels[$0.key] == $0.value } && pod.string("status", "podIP") != nil
                    && !["Succeeded", "Failed"].contains(pod.string("status", "phase") ?? "")
            }.sorted {
                ($0.string("status", "podIP") ?? "", $0.string("metadata", "name") ?? "") < (
                    $1.string("status", "podIP") ?? "", $1.string("metadata", "name") ?? ""
                )
            }
            func targetRef(_ pod: KubeJSON) -> KubeJSON {
                .object([
                    "kind": .string("Pod"), "name": pod["metadata"]?["name"] ?? .null, "namespace": .string(namespace),
                    "uid": pod["metadata"]?["uid"] ?? .null,
                ])
            }

            if let endpoints = try store.fetch(KubeCatalog.endpoints, namespace: namespace, name: serviceName) {
                func address(_ pod: KubeJSON) -> KubeJSON {
                    var members: [String: KubeJSON] = ["ip": pod[path: ["status", "podIP"]] ?? .null, "targetRef": targetRef(pod)]
                    if let node = pod[path: ["spec", "nodeName"]] { members["nodeName"] = node }
                    return .object(members)
                }
                let ready = members.filter(Self.isReady).map(address)
                let unready = members.filter { !Self.isReady($0) }.map(address)
                var subset: [String: KubeJSON] = [
                    "ports": endpoints[path: ["subsets"]]?.arrayValue?.first?["ports"] ?? Self.endpointPorts(service, pods: members)
                ]
                if !ready.isEmpty { subset["addresses"] = .array(ready) }
                if !unready.isEmpty { subset["notReadyAddresses"] = .array(unready) }
                var updated = endpoints
                updated["subsets"] = members.isEmpty ? nil : .array([.object(subset)])
                if updated != endpoints {
                    updated[path: ["metadata", "annotations", "endpoints.kubernetes.io/last-change-trigger-time"]] = stamp
                    try update(KubeCatalog.endpoints, old: endpoints, new: updated, at: now, asController: true)
                }
            }

            for slice in try store.list(KubeCatalog.endpointSlices, namespace: namespace)
            where Self.labels(of: slice)["kubernetes.io/service-name"] == serviceName {
                var updated = slice
                updated["endpoints"] = .array(
                    members.map { pod in
                        let ready = Self.isReady(pod)
                        var members: [String: KubeJSON] = [
                            "addresses": .array([pod[path: ["status", "podIP"]] ?? .null]),
                            "conditions": .object(["ready": .bool(ready), "serving": .bool(ready), "terminating": .bool(false)]),
                            "targetRef": targetRef(pod),
                        ]
                        if let node = pod[path: ["spec", "nodeName"]] { members["nodeName"] = node }
                        return .object(members)
                    })
                if updated != slice {
                    updated[path: ["metadata", "annotations", "endpoints.kubernetes.io/last-change-trigger-time"]] = stamp
                    try update(KubeCatalog.endpointSlices, old: slice, new: updated, at: now, asController: true)
                }
            }
        }
    }

    /// The Service's ports as Endpoints list them: each target port, a named one resolved through
    /// the pods' container ports.
    private static func endpointPorts(_ service: KubeJSON, pods: [KubeJSON]) -> KubeJSON {
        let containerPorts = pods.flatMap {
            ($0[path: ["spec", "containers"]]?.arrayValue ?? []).flatMap { $0["ports"]?.arrayValue ?? [] }
        }
        return .array(
            (service[path: ["spec", "ports"]]?.arrayValue ?? []).map { port in
                var target = port["targetPort"] ?? port["port"] ?? .int(0)
                if let name = target.stringValue, Int(name) == nil {
                    target = containerPorts.first { $0.string("name") == name }?["containerPort"] ?? .int(0)
                }
                var members: [String: KubeJSON] = ["port": target, "protocol": port["protocol"] ?? .string("TCP")]
                if let name = port["name"] { members["name"] = name }
                return .object(members)
            })
    }

    // MARK: Helpers

    /// Kubernetes' pod-template hash: FNV-32a of the template, its decimal digits written in the
    /// name-suffix alphabet (`rand.SafeEncodeString`).
    static func podTemplateHash(_ template: KubeJSON) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in template.text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String(String(hash).utf8.map { alphabet[Int($0) % alphabet.count] })
    }

    static func isReady(_ pod: KubeJSON) -> Bool {
        (pod[path: ["status", "conditions"]]?.arrayValue ?? []).contains { $0.string("type") == "Ready" && $0.string("status") == "True" }
    }

    static func stringMap(_ value: KubeJSON?) -> [String: String] {
        (value?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }

    /// `maxSurge` and `maxUnavailable` of a rolling update (25 % by default: surge rounds up,
    /// unavailable down).
    private static func maxSurge(_ deployment: KubeJSON, replicas: Int) -> Int {
        max(rollingValue(deployment[path: ["spec", "strategy", "rollingUpdate", "maxSurge"]], replicas: replicas, roundUp: true), 1)
    }

    private static func maxUnavailable(_ deployment: KubeJSON, replicas: Int) -> Int {
        rollingValue(deployment[path: ["spec", "strategy", "rollingUpdate", "maxUnavailable"]], replicas: replicas, roundUp: false)
    }

    private static func rollingValue(_ value: KubeJSON?, replicas: Int, roundUp: Bool) -> Int {
        if let number = value?.integerValue, value?.stringValue == nil { return Int(number) }
        let percent = Int(value?.stringValue?.dropLast() ?? "25") ?? 25
        return roundUp ? (replicas * percent + 99) / 100 : replicas * percent / 100
    }

    /// The replica counts of a Deployment's status; zero counts are left out, as the apiserver's
    /// `omitempty` does.
    private static func setReplicaCounts(_ deployment: inout KubeJSON, replicas: Int, updated: Int, ready: Int, available: Int) {
        let unavailable = max(replicas - available, 0)
        for (key, value) in [
            ("replicas", replicas), ("updatedReplicas", updated), ("readyReplicas", ready), ("availableReplicas", available),
            ("unavailableReplicas", unavailable),
        ] {
            deployment[path: ["status", key]] = value == 0 ? nil : .int(value)
        }
    }

    /// Sets a Deployment condition: `lastUpdateTime` now, `lastTransitionTime` now only when the
    /// status changes.
    private static func setCondition(
        _ deployment: inout KubeJSON, _ type: String, _ status: Bool, reason: String, message: String, at now: Timestamp
    ) {
        var conditions = deployment[path: ["status", "conditions"]]?.arrayValue ?? []
        let stamp = KubeJSON.string(KubeTime.format(now))
        let text = status ? "True" : "False"
        let index = conditions.firstIndex { $0.string("type") == type }
        let previous = index.map { conditions[$0] }
        if previous?.string("status") == text, previous?.string("reason") == reason, previous?.string("message") == message {
            return
        }
        let condition = KubeJSON.object([
            "type": .string(type), "status": .string(text), "reason": .string(reason), "message": .string(message),
            "lastUpdateTime": stamp,
            "lastTransitionTime": previous?.string("status") == text ? previous?["lastTransitionTime"] ?? stamp : stamp,
        ])
        if let index { conditions[index] = condition } else { conditions.append(condition) }
        deployment[path: ["status", "conditions"]] = .array(conditions)
    }

    /// Sets a pod condition's status (and its transition time, when it changes).
    private static func setPodCondition(_ pod: inout KubeJSON, _ type: String, _ status: Bool, at now: Timestamp) {
        var conditions = pod[path: ["status", "conditions"]]?.arrayValue ?? []
        let text = status ? "True" : "False"
        guard let index = conditions.firstIndex(where: { $0.string("type") == type }) else { return }
        guard conditions[index].string("status") != text else { return }
        var condition = conditions[index]
        condition["status"] = .string(text)
        condition["lastTransitionTime"] = .string(KubeTime.format(now))
        condition["reason"] = nil
        condition["message"] = nil
        conditions[index] = condition
        pod[path: ["status", "conditions"]] = .array(conditions)
    }
}
