import Commands
import FoundationEssentials

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

extension PodStatus {
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

    /// The probe command, for the node: curl through the proxy to the probe host, its error
    /// (if any) and then timings and statuses on the last line, never the body. It writes
    /// nothing on the node (`--stderr -` keeps curl's error on stdout).
    static func script(proxy: String, host: String, caFile: String?) -> String {
        var words = [
            "curl", "-sS", "-o", "/dev/null", "--stderr", "-", "--max-time", "15", "--proxy", "http://" + proxy,
            "-w", "\\nconnect=%{http_connect} code=%{http_code} tcp=%{time_connect} tls=%{time_appconnect} total=%{time_total}",
            "https://\(host)/",
        ]
        if let caFile { words += ["--cacert", caFile] }
        return ShellQuote.join(words) + "; printf ' exit=%s\\n' \"$?\""
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

    /// Reads the probe's output: the line of fields, and curl's error lines before it.
    init(output: String) {
        var fields: [String: String] = [:]
        let lines = output.split(separator: "\n").map { $0.trimmingSpaces() }
        let fieldLine = lines.last { $0.hasPrefix("connect=") } ?? ""
        let error = lines.filter { !$0.isEmpty && $0 != fieldLine }.joined(separator: " ")
        for word in fieldLine.split(separator: " ") {
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        self.init(
            exit: Int(fields["exit"] ?? "") ?? -1, connectStatus: Int(fields["connect"] ?? "") ?? 0,
            httpStatus: Int(fields["code"] ?? "") ?? 0,
            connectSeconds: Double(fields["tcp"] ?? "") ?? 0, tlsSeconds: Double(fields["tls"] ?? "") ?? 0,
            totalSeconds: Double(fields["total"] ?? "") ?? 0,
            error: String(error.prefix(300)))
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
