import Commands
import FoundationEssentials

/// What a YAML-only lane's catalogue entry declares — the lane's whole deployment truth (never the
/// source repository's `deploy/deploy.json`). A missing key is a usage error that names it.
struct YAMLLaneFacts: LaneScoped {
    struct Image: Sendable {
        var registry: String
        var repository: String
        var context: String
        var dockerfile: String

        /// `registry.d601.unidesk.invalid/agentrun/manager:<commit>`: built from that source commit.
        func reference(commit: String) -> String { "\(registry)/\(repository):\(commit)" }
    }

    struct Manager: Sendable {
        var deployment: String
        var replicas: Int
        var port: Int
        /// Plain variables, in the catalogue's order.
        var env: [(String, String)]
    }

    /// One Secret `secret-sync` writes: its keys, and the local file its values come from.
    struct SecretSource: Sendable {
        var name: String
        var keys: [String]
        /// As the catalogue writes it (`~/…`); `Session.expandingTilde` makes it a path.
        var sourceFile: String
    }

    struct Database: Sendable {
        var host: String
        var port: Int
        var name: String
        var user: String
        var sslMode: String
        var passwordSecret: String
        var passwordKey: String
    }

    struct Exposure: Sendable {
        var edgeNode: String
        var host: String
        var httpsPort: Int
        var upstream: HostPort
        var allowPortsFile: String
        var caddyfile: String
        var sitesDir: String
        var caddyAdmin: String
        var internalTLS: Bool
        var caFile: String?

        /// `https://agentrun-v02.d601.unidesk.example` (the port only when it is not 443).
        var publicURL: String { "https://\(host)" + (httpsPort == 443 ? "" : ":\(httpsPort)") }
        /// The site file expose writes: `<sitesDir>/<host>.caddy`.
        var siteFile: String { (sitesDir.hasSuffix("/") ? sitesDir : sitesDir + "/") + host + ".caddy" }
    }

    let lane: LaneSettings
    let worktree: SourceWorktree
    /// The branch a missing source branch is created from (`source.from`).
    let sourceFrom: String?
    let gitopsBranch: String
    /// Folder of the lane's manifests in the GitOps branch (`deploy/agentrun-v02`).
    let gitopsPath: String
    /// The artifact catalog's file in the GitOps branch (`artifacts/agentrun-v02.yaml`).
    let artifactsPath: String
    let image: Image
    let manager: Manager
    let secrets: [SecretSource]
    let database: Database?
    let exposure: Exposure?
    let ciNamespace: String?
    let runPrefix: String?
    /// `argocd/agentrun-d601-v02`, when the lane declares an Application.
    let argoApp: (namespace: String, name: String)?

    init(_ lane: LaneSettings) throws(ArsError) {
        guard lane.yamlOnly else {
            throw ArsError.usage(
                .notYamlOnly,
                "lane \(lane.qualifiedName) is not YAML-only: its desired state is not rendered from the catalogue",
                hint:
                    "plan, apply, secret-sync, restart and expose act on lanes with yamlOnly: true (ars config lanes lists them); the historic lane builds with control-plane trigger-current"
            )
        }
        let raw = lane.raw
        self.lane = lane
        worktree = try SourceWorktree(lane: lane)
        sourceFrom = raw.lookup("source.from")?.stringValue
        gitopsBranch = try lane.required("gitops.branch")
        gitopsPath = try lane.required("gitops.path").trimming(anyOf: "/")
        artifactsPath = raw.lookup("gitops.artifactsPath")?.stringValue ?? "artifacts/\(lane.namespace).yaml"
        image = Image(
            registry: try lane.required("image.registry"), repository: try lane.required("image.repository"),
            context: raw.lookup("image.context")?.stringValue ?? ".",
            dockerfile: raw.lookup("image.dockerfile")?.stringValue ?? "Dockerfile")
        manager = Manager(
            deployment: try lane.required("manager.deployment"), replicas: raw.lookup("manager.replicas")?.intValue ?? 1,
            port: raw.lookup("manager.port")?.intValue ?? 8080,
            env: (raw.lookup("manager.env")?.objectValue ?? Object()).map { ($0, $1.stringValue ?? $1.plainText) })
        secrets = (raw["secrets"]?.arrayValue ?? []).compactMap { secret in
            guard let name = secret["name"]?.stringValue, let file = secret["sourceFile"]?.stringValue else { return nil }
            return SecretSource(name: name, keys: (secret["keys"]?.arrayValue ?? []).compactMap(\.stringValue), sourceFile: file)
        }
        for secret in secrets {
            guard DNSName.isValid(secret.name), !secret.name.contains(where: \.isUppercase) else {
                throw ArsError.usage(
                    .laneKeyInvalid, "secrets name '\(secret.name)' of lane \(lane.qualifiedName) is not a Kubernetes object name",
                    hint: "use lower-case letters, digits, '-' and '.'")
            }
            for key in secret.keys
            where key.isEmpty || !key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) }) {
                throw ArsError.usage(
                    .laneKeyInvalid, "key '\(key)' of Secret \(secret.name) (lane \(lane.qualifiedName)) is not a Secret key",
                    hint: "a key is letters, digits, '-', '_' and '.'")
            }
        }
        if raw["database"] != nil {
            database = Database(
                host: try lane.required("database.host"), port: raw.lookup("database.port")?.intValue ?? 5432,
                name: try lane.required("database.name"),
                user: try lane.required("database.user"), sslMode: raw.lookup("database.sslMode")?.stringValue ?? "require",
                passwordSecret: try lane.required("database.passwordSecret.name"),
                passwordKey: try lane.required("database.passwordSecret.key"))
        } else {
            database = nil
        }
        if raw["expose"] != nil {
            let upstreamText = try lane.required("expose.upstream")
            guard let upstream = HostPort(upstreamText) else {
                throw ArsError.usage(
                    .laneKeyInvalid, "expose.upstream of lane \(lane.qualifiedName) must be HOST:PORT (got '\(upstreamText)')")
            }
            let host = try lane.required("expose.host")
            guard DNSName.isValid(host) else {
                throw ArsError.usage(
                    .laneKeyInvalid, "expose.host '\(host)' of lane \(lane.qualifiedName) is not a host name",
                    hint: "letters, digits, '-' and '.', such as agentrun-v02.d601.unidesk.example")
            }
            exposure = Exposure(
                edgeNode: try lane.required("expose.edgeNode"), host: host,
                httpsPort: raw.lookup("expose.httpsPort")?.intValue ?? 443,
                upstream: upstream, allowPortsFile: try lane.required("expose.allowPortsFile"),
                caddyfile: try lane.required("expose.caddyfile"),
                sitesDir: try lane.required("expose.sitesDir"),
                caddyAdmin: raw.lookup("expose.caddyAdmin")?.stringValue ?? "127.0.0.1:2019",
                internalTLS: raw.lookup("expose.tls")?.stringValue == "internal", caFile: raw.lookup("expose.caFile")?.stringValue)
        } else {
            exposure = nil
        }
        ciNamespace = lane.ciNamespace
        runPrefix = raw["pipelineRunPrefix"]?.stringValue
        if let app = raw["argoApp"]?.stringValue {
            let parts = app.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw ArsError.usage(.laneKeyInvalid, "argoApp of lane \(lane.qualifiedName) must be namespace/name (got '\(app)')")
            }
            argoApp = (parts[0], parts[1])
        } else {
            argoApp = nil
        }
    }

    /// `--node D601 --lane v02`, for commands ars prints for the user to run.
    var laneFlags: String { "--node \(ShellQuote.quote(lane.node)) --lane \(ShellQuote.quote(lane.name))" }

    func node(in session: Session) throws(ArsError) -> NodeClient { try NodeClient(session: session, lane: lane) }

    /// The exposure, or a usage error when the lane declares none.
    func requireExposure() throws(ArsError) -> Exposure {
        guard let exposure else {
            throw ArsError.usage(
                .laneKeyMissing, "YAML-only lane \(lane.qualifiedName) declares no 'expose' in the catalogue",
                hint: "add expose (edgeNode, host, upstream, allowPortsFile, caddyfile, sitesDir) to the lane (docs/config.md)")
        }
        return exposure
    }
}

/// The options of a YAML-only lane's write: its facts and the write gate's mode.
struct GatedYAMLLane: LaneScoped {
    let facts: YAMLLaneFacts
    let mode: WriteGate.Mode
    var lane: LaneSettings { facts.lane }

    static func resolve(_ invocation: Invocation, in session: Session) throws(ArsError) -> GatedYAMLLane {
        let mode = try WriteGate.resolve(invocation)
        return GatedYAMLLane(facts: try YAMLLaneFacts(try invocation.lane(in: session)), mode: mode)
    }
}
