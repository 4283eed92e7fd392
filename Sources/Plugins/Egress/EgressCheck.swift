import Commands
import FoundationEssentials

/// What the cluster and the probe say about the lane's egress proxy, and the verdict.
struct EgressReport: Sendable {
    enum Verdict: String, Sendable {
        case ok, infrastructure, upstream

        /// Who owns it.
        var owner: String {
            switch self {
            case .ok: "none"
            case .infrastructure: "UniDesk/G14 runtime egress infrastructure"
            case .upstream: "upstream network beyond the proxy"
            }
        }

        /// The seed's sentence on what it means for closing an issue.
        var meaning: String {
            switch self {
            case .ok:
                "the proxy Service has a ready endpoint and a request through it reached the probe host: runner egress works; a failure after this is not the proxy's"
            case .infrastructure:
                "the UniDesk/G14 runtime egress infrastructure is at fault: a connect refused after the runner got its proxy env is not an AgentRun failure, and an issue blocked by it may not be closed as fixed by AgentRun"
            case .upstream:
                "the proxy is healthy but cannot reach the probe host: an upstream network problem beyond the proxy, neither AgentRun nor the proxy deployment"
            }
        }
    }

    var serviceFound = false
    var clusterIP: String?
    var servicePort: Int?
    var readyAddresses: [String] = []
    var notReadyAddresses: [String] = []
    var sliceReady = 0
    var sliceNotReady = 0
    var deploymentFound = false
    var desiredReplicas = 0
    var readyReplicas = 0
    var pods: [PodStatus] = []
    var probe: ProbeResult?
    /// Where the probe reached the proxy (`10.43.201.9:3128`).
    var probeProxy: String?

    static let badPodReasons: Set<String> = [
        "ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff", "ContainerStatusUnknown", "CreateContainerConfigError", "Error",
        "OOMKilled",
    ]

    /// Each finding that makes the infrastructure the owner, in the order an operator reads them.
    var infrastructureFindings: [String] {
        var found: [String] = []
        if !serviceFound { found.append("the proxy Service does not exist") }
        if !deploymentFound {
            found.append("the proxy Deployment does not exist")
        } else if readyReplicas < max(1, desiredReplicas) {
            found.append("Deployment \(readyReplicas)/\(desiredReplicas) ready")
        }
        if readyAddresses.isEmpty && sliceReady == 0 {
            found.append(notReadyAddresses.isEmpty && sliceNotReady == 0 ? "no endpoint" : "endpoints only notReady")
        }
        for pod in pods {
            for reason in pod.reasons where Self.badPodReasons.contains(reason) { found.append("pod \(pod.name) \(reason)") }
        }
        if let probe, probe.proxyUnreachable {
            found.append(
                "the proxy refused or did not take the connection (curl exit \(probe.exit)\(probe.error.isEmpty ? "" : ": \(probe.error)"))"
            )
        }
        return found
    }

    var verdict: Verdict {
        if !infrastructureFindings.isEmpty { return .infrastructure }
        guard let probe, probe.exit == 0, probe.connectStatus == 200 || probe.connectStatus == 0, probe.httpStatus > 0 else {
            return probe == nil ? .infrastructure : .upstream
        }
        return .ok
    }

    /// Why the verdict, in one line.
    var reason: String {
        switch verdict {
        case .ok:
            "Service \(clusterIP ?? "?"):\(servicePort ?? 0) → \(readyAddresses.count + sliceReady > 0 ? "ready endpoint" : "?"), Deployment \(readyReplicas)/\(desiredReplicas); CONNECT \(probe?.connectStatus ?? 0), HTTP \(probe?.httpStatus ?? 0)"
        case .infrastructure:
            infrastructureFindings.isEmpty ? "the proxy could not be probed" : infrastructureFindings.joined(separator: "; ")
        case .upstream:
            "the proxy answered CONNECT \(probe?.connectStatus ?? 0) (curl exit \(probe?.exit ?? -1)\(probe.map { $0.error.isEmpty ? "" : ": \($0.error)" } ?? ""))"
        }
    }
}

/// `egress check`: the lane's egress proxy, from the cluster's objects and a real request through it.
struct EgressCheckCommand: Command {
    let signature = CommandSignature(
        "egress check",
        summary:
            "The lane's egress proxy: Service, endpoints, Deployment, Pods, and a real HTTPS request through it, with one verdict and its owner",
        discussion: """
            Reads the proxy's Service (ClusterIP, port), Endpoints and EndpointSlices (ready and notReady addresses), Deployment (desired/ready) and Pods (phase, restarts, waiting/terminated reasons) with kubectl through the node's bridge, and probes https://<probeHost>/ through the proxy with curl on the node (CONNECT status, TLS, HTTP status, timings).
            One verdict: ok (exit 0); infrastructure — Deployment not ready, no ready endpoint, ImagePullBackOff, ContainerStatusUnknown, CrashLoopBackOff, or the proxy refusing (exit 1): the UniDesk/G14 runtime egress infrastructure owns it and an AgentRun issue blocked by it may not be closed; upstream — a healthy proxy that cannot reach the target (exit 1). Exit 3 when the cluster cannot be read.
            """,
        options: [.node, .lane],
        examples: [
            Example("egress check", "Is runner egress healthy on the default lane?"),
            Example("egress check -o json", "The same, for evidence"),
        ])

    func resolve(_ invocation: Invocation, in session: Session) throws -> EgressFacts {
        try EgressFacts(try invocation.lane(in: session))
    }

    func run(_ facts: EgressFacts, in session: Session) async throws -> CommandOutput {
        let node = try NodeClient(session: session, lane: facts.lane)
        let ns = facts.namespace
        if session.io.stderr.isTerminal {
            session.progress("reading \(ns)/\(facts.service) on \(facts.lane.node) and probing through it …")
        }
        async let service = node.kubectlJSON(["-n", ns, "get", "service", facts.service])
        async let endpoints = node.kubectlJSON(["-n", ns, "get", "endpoints", facts.service])
        async let slices = node.kubectlList([
            "-n", ns, "get", "endpointslices.discovery.k8s.io", "-l", "kubernetes.io/service-name=\(facts.service)",
        ])
        async let deployment = node.kubectlJSON(["-n", ns, "get", "deployment", facts.service])
        var report = EgressReport()
        let serviceValue = try await service
        report.serviceFound = serviceValue != nil
        report.clusterIP = serviceValue?.lookup("spec.clusterIP")?.stringValue
        report.servicePort = serviceValue?.lookup("spec.ports")?.arrayValue?.first?["port"]?.intValue
        // The probe runs while the rest is read.
        let proxy = facts.probeProxy ?? report.clusterIP.map { "\($0):\(report.servicePort ?? facts.port)" }
        async let probe: ProbeResult? = Self.probe(proxy, facts: facts, node: node)
        for subset in try await endpoints?["subsets"]?.arrayValue ?? [] {
            report.readyAddresses += (subset["addresses"]?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue }
            report.notReadyAddresses += (subset["notReadyAddresses"]?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue }
        }
        for slice in try await slices {
            for endpoint in slice["endpoints"]?.arrayValue ?? [] {
                if endpoint.lookup("conditions.ready")?.boolValue == false { report.sliceNotReady += 1 } else { report.sliceReady += 1 }
            }
        }
        let deploymentValue = try await deployment
        report.deploymentFound = deploymentValue != nil
        report.desiredReplicas = deploymentValue?.lookup("spec.replicas")?.intValue ?? 1
        report.readyReplicas = deploymentValue?.lookup("status.readyReplicas")?.intValue ?? 0
        let labels = (deploymentValue?.lookup("spec.selector.matchLabels")?.objectValue).map { object in
            object.compactMap { key, value in value.stringValue.map { "\(key)=\($0)" } }.joined(separator: ",")
        }
        report.pods = try await node.kubectlList(["-n", ns, "get", "pods", "-l", labels ?? "app.kubernetes.io/name=\(facts.service)"]).map(
            PodStatus.init)
        report.probe = try await probe
        report.probeProxy = proxy
        return Self.output(report, facts: facts)
    }

    /// curl through the proxy on the node; nil when there is no address to reach it at.
    static func probe(_ proxy: String?, facts: EgressFacts, node: NodeClient) async throws -> ProbeResult? {
        guard let proxy else { return nil }
        let result = try await node.script(ProbeResult.script(proxy: proxy, host: facts.probeHost, caFile: facts.probeCAFile), in: "/")
        return ProbeResult(output: result.stdoutText)
    }

    static func output(_ report: EgressReport, facts: EgressFacts) -> CommandOutput {
        let verdict = report.verdict
        let value = Value.object([
            "apiVersion": "ars/v1", "kind": "EgressCheck", "lane": .string(facts.lane.qualifiedName),
            "proxy": .object([
                "host": .string(facts.host), "port": .int(facts.port), "namespace": .string(facts.namespace),
                "service": .string(facts.service),
            ]),
            "service": .object([
                "exists": .bool(report.serviceFound), "clusterIP": .optional(report.clusterIP),
                "port": report.servicePort.map { .int($0) } ?? .null,
            ]),
            "endpoints": .object([
                "ready": .array(report.readyAddresses.map(Value.string)), "notReady": .array(report.notReadyAddresses.map(Value.string)),
                "slicesReady": .int(report.sliceReady), "slicesNotReady": .int(report.sliceNotReady),
            ]),
            "deployment": .object([
                "exists": .bool(report.deploymentFound), "desired": .int(report.desiredReplicas), "ready": .int(report.readyReplicas),
            ]),
            "pods": .array(report.pods.map(\.value)),
            "probe": .object([
                "host": .string(facts.probeHost), "via": .optional(report.probeProxy), "result": report.probe?.value ?? .null,
            ]),
            "verdict": .string(verdict.rawValue), "owner": .string(verdict.owner), "reason": .string(report.reason),
            "meaning": .string(verdict.meaning),
        ])
        func mark(_ ok: Bool) -> String { ok ? "✓" : "✗" }
        let probe = report.probe
        let rows: [[String]] =
            [
                ["Service", mark(report.serviceFound), report.clusterIP.map { "\($0):\(report.servicePort ?? 0)" } ?? "missing"],
                [
                    "Endpoints", mark(!report.readyAddresses.isEmpty || report.sliceReady > 0),
                    "ready \(report.readyAddresses.joined(separator: ",").isEmpty ? "none" : report.readyAddresses.joined(separator: ",")); notReady \(report.notReadyAddresses.count); slices \(report.sliceReady) ready, \(report.sliceNotReady) notReady",
                ],
                [
                    "Deployment", mark(report.deploymentFound && report.readyReplicas >= max(1, report.desiredReplicas)),
                    report.deploymentFound ? "\(report.readyReplicas)/\(report.desiredReplicas) ready" : "missing",
                ],
            ]
            + report.pods.map { pod in
                [
                    "Pod", mark(pod.ready && pod.reasons.allSatisfy { !EgressReport.badPodReasons.contains($0) }),
                    "\(pod.name) \(pod.phase) restarts \(pod.restarts)"
                        + (pod.reasons.isEmpty ? "" : " " + pod.reasons.joined(separator: ",")),
                ]
            } + [
                [
                    "Probe", mark(verdict == .ok),
                    probe.map {
                        "https://\(facts.probeHost)/ via \(report.probeProxy ?? "?"): CONNECT \($0.connectStatus), HTTP \($0.httpStatus), \(Int($0.totalSeconds * 1000)) ms"
                            + ($0.error.isEmpty ? "" : " — \($0.error)")
                    } ?? "not run (no proxy address)",
                ]
            ]
        var blocks: [HumanBlock] = [
            .summary("\(facts.lane.qualifiedName) egress: \(verdict.rawValue) — \(report.reason)"),
            .table(Table(columns: [.init("CHECK"), .init(""), .init("DETAIL")], rows: rows)),
            .fields([("owner", verdict.owner), ("meaning", verdict.meaning)]),
        ]
        if verdict != .ok {
            blocks.append(
                .next([
                    ShellQuote.join(["kubectl", "--node", facts.lane.node, "-n", facts.namespace, "describe", "deployment", facts.service])
                ]))
        }
        return CommandOutput(value, human: blocks, status: verdict == .ok ? 0 : 1)
    }
}
