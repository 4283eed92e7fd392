import Commands
import Foundation

/// The lane's egress proxy as the catalogue declares it (`egressProxy`).
struct EgressFacts: Sendable, LaneScoped {
    let lane: LaneSettings
    /// The DNS name runners use (`g14-provider-egress-proxy.unidesk.svc.cluster.local`).
    let host: String
    let port: Int
    let namespace: String
    let service: String
    let probeHost: String
    /// Where the node reaches the proxy, when not the Service's ClusterIP:port.
    let probeProxy: String?
    /// A CA bundle on the node for the probe's TLS, when not the system's.
    let probeCAFile: String?

    init(_ lane: LaneSettings) throws(ArsError) {
        guard let proxy = lane.raw["egressProxy"], let host = proxy["host"]?.stringValue, let port = proxy["port"]?.intValue else {
            throw ArsError.usage(
                .laneKeyMissing, "lane \(lane.qualifiedName) has no 'egressProxy' (host and port) in the catalogue",
                hint: "add egressProxy: {host: …, port: …, namespace: …, service: …} to the lane (see docs/config.md)")
        }
        self.lane = lane
        self.host = host
        self.port = port
        // `NAME.NAMESPACE.svc…` gives both when the catalogue leaves them out.
        let labels = host.split(separator: ".").map(String.init)
        namespace = proxy["namespace"]?.stringValue ?? (labels.count > 1 ? labels[1] : "default")
        service = proxy["service"]?.stringValue ?? labels.first ?? host
        probeHost = proxy["probeHost"]?.stringValue ?? "codeload.github.com"
        probeProxy = proxy["probeProxy"]?.stringValue
        probeCAFile = proxy["probeCAFile"]?.stringValue
    }
}

/// A proxy Pod as the check reads it.
struct ProxyPod: Sendable {
    let name: String
    let phase: String
    let ready: Bool
    let restarts: Int
    /// Waiting and abnormal terminated reasons of its containers (`ImagePullBackOff`, `ContainerStatusUnknown`).
    let reasons: [String]

    init(_ value: Value) {
        name = value.lookup("metadata.name")?.stringValue ?? "?"
        phase = value.lookup("status.phase")?.stringValue ?? "Unknown"
        ready = (value.lookup("status.conditions")?.arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
        let statuses = value.lookup("status.containerStatuses")?.arrayValue ?? []
        restarts = statuses.compactMap { $0["restartCount"]?.intValue }.reduce(0, +)
        reasons =
            statuses.compactMap { $0.lookup("state.waiting.reason")?.stringValue }
            + statuses.compactMap { status in
                guard let reason = status.lookup("state.terminated.reason")?.stringValue, reason != "Completed" else { return nil }
                return reason
            }
    }

    var value: Value {
        .object([
            "name": .string(name), "phase": .string(phase), "ready": .bool(ready), "restarts": .int(restarts),
            "reasons": .array(reasons.map(Value.string)),
        ])
    }
}

/// What curl saw through the proxy on the node.
struct ProbeResult: Sendable {
    /// curl's exit status (0 when an HTTP answer came back).
    let exit: Int
    /// The proxy's answer to CONNECT (0 when there was none).
    let connectStatus: Int
    /// The target's HTTP status (0 when there was none).
    let httpStatus: Int
    let connectSeconds: Double
    let tlsSeconds: Double
    let totalSeconds: Double
    /// curl's own error line.
    let error: String

    /// The probe command, for the node: curl through the proxy to the probe host, timings and
    /// statuses on one line, never the body.
    static func script(proxy: String, host: String, caFile: String?) -> String {
        var words = [
            "curl", "-sS", "-o", "/dev/null", "--max-time", "15", "--proxy", "http://" + proxy,
            "-w", "connect=%{http_connect} code=%{http_code} tcp=%{time_connect} tls=%{time_appconnect} total=%{time_total}",
            "https://\(host)/",
        ]
        if let caFile { words += ["--cacert", caFile] }
        return ShellQuote.join(words) + " 2>/tmp/.ars-egress-probe.$$; status=$?; printf ' exit=%s\\n' \"$status\"; "
            + "head -c 300 /tmp/.ars-egress-probe.$$ | tr '\\n' ' '; rm -f /tmp/.ars-egress-probe.$$; true"
    }

    init(
        exit: Int, connectStatus: Int, httpStatus: Int, connectSeconds: Double = 0, tlsSeconds: Double = 0, totalSeconds: Double = 0,
        error: String = ""
    ) {
        self.exit = exit
        self.connectStatus = connectStatus
        self.httpStatus = httpStatus
        self.connectSeconds = connectSeconds
        self.tlsSeconds = tlsSeconds
        self.totalSeconds = totalSeconds
        self.error = error
    }

    /// Reads the probe's output.
    init(output: String) {
        var fields: [String: String] = [:]
        let lines = output.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        for word in (lines.first ?? "").split(separator: " ") {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        self.init(
            exit: Int(fields["exit"] ?? "") ?? -1, connectStatus: Int(fields["connect"] ?? "") ?? 0,
            httpStatus: Int(fields["code"] ?? "") ?? 0,
            connectSeconds: Double(fields["tcp"] ?? "") ?? 0, tlsSeconds: Double(fields["tls"] ?? "") ?? 0,
            totalSeconds: Double(fields["total"] ?? "") ?? 0,
            error: lines.count > 1 ? String(lines[1]).trimmingCharacters(in: .whitespacesAndNewlines) : "")
    }

    /// The proxy did not take the connection (refused, unreachable, name unknown).
    var proxyUnreachable: Bool { [5, 7].contains(exit) || (exit == 28 && connectStatus == 0 && connectSeconds == 0) }

    var value: Value {
        func ms(_ seconds: Double) -> Value { .int(Int((seconds * 1000).rounded())) }
        return .object([
            "curlExit": .int(exit), "connectStatus": .int(connectStatus), "httpStatus": .int(httpStatus),
            "tlsOk": .bool(httpStatus > 0),
            "timingsMs": .object(["connect": ms(connectSeconds), "tls": ms(tlsSeconds), "total": ms(totalSeconds)]),
            "error": error.isEmpty ? .null : .string(error),
        ])
    }
}
