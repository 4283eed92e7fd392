import CommandModel
/// The shape of the lane catalogue (`config/agentrun.yaml`), as data: the validator walks it and
/// `docs/config.md`'s key reference is generated from it.
public indirect enum SchemaType: Sendable {
    case string
    case int
    case bool
    case url
    case choice([String])
    case object([SchemaField])
    /// A mapping from user-chosen names (node names, lane names) to values of one type.
    case map(keyName: String, value: SchemaType)
    /// A sequence of values of one type.
    case list(SchemaType)

    var labelWithArticle: String {
        switch self {
        case .int: "an integer"
        case .choice: "one of " + label
        default: "a " + label
        }
    }

    public var label: String {
        switch self {
        case .string: "string"
        case .int: "integer"
        case .bool: "boolean"
        case .url: "URL"
        case .choice(let choices): choices.joined(separator: " | ")
        case .object: "mapping"
        case .map(let keyName, _): "mapping of \(keyName) → …"
        case .list(let item): "list of \(item.label)"
        }
    }
}

/// One key of a mapping in the schema.
public struct SchemaField: Sendable {
    public var name: String
    public var type: SchemaType
    public var required: Bool
    public var summary: String

    public init(_ name: String, _ type: SchemaType, required: Bool = false, _ summary: String) {
        self.name = name
        self.type = type
        self.required = required
        self.summary = summary
    }
}

/// The lane catalogue's schema.
public enum ConfigSchema {
    public static let bridgeKinds = ["trans", "ssh", "local"]

    static let source: SchemaType = .object([
        SchemaField("worktree", .string, required: true, "Absolute path of the fixed source worktree on the node"),
        SchemaField("branch", .string, required: true, "Branch the worktree must track (`v0.1` → `v0.1...origin/v0.1`)"),
        SchemaField("remote", .string, required: true, "Expected `origin` URL of the worktree"),
        SchemaField(
            "from", .string,
            "YAML-only lanes: the branch the lane's source branch is created from when origin lacks it (`v0.1`); without it a missing branch is refused"
        ),
    ])

    static let lane: SchemaType = .object([
        SchemaField("restBaseUrl", .url, required: true, "Base URL of the lane's AgentRun REST API (direct HTTP)"),
        SchemaField("namespace", .string, required: true, "Runtime namespace of the lane (`agentrun-v01`)"),
        SchemaField("ciNamespace", .string, "Namespace of the lane's Tekton PipelineRuns (`agentrun-ci`)"),
        SchemaField("source", source, "The fixed source worktree"),
        SchemaField(
            "gitops",
            .object([
                SchemaField("branch", .string, required: true, "GitOps branch whose latest commit Argo CD should run"),
                SchemaField(
                    "path", .string,
                    "Path of the lane's desired state (its Kubernetes manifests) inside the GitOps branch; YAML-only lanes need it (`deploy/agentrun-v02`)"
                ),
                SchemaField(
                    "artifactsPath", .string,
                    "YAML-only lanes: file of the rendered artifact catalog inside the GitOps branch (default `artifacts/<namespace>.yaml`)"
                ),
            ]), "The lane's GitOps desired state"),
        SchemaField("argoApp", .string, "Argo CD Application as `namespace/name` (`argocd/agentrun-g14-v01`)"),
        SchemaField(
            "pipelineRunPrefix", .string, "Name prefix of the lane's PipelineRuns (`agentrun-v01-ci-`); `cleanup-runs` touches only these"),
        SchemaField(
            "pipeline", .string, "Tekton Pipeline the lane's runs use (default: the prefix without its trailing `-`, `agentrun-v01-ci`)"),
        SchemaField("pipelineGitUrl", .string, "`git-url` parameter for a new PipelineRun when no earlier run can serve as its template"),
        SchemaField(
            "manager",
            .object([
                SchemaField("deployment", .string, required: true, "Name of the manager Deployment"),
                SchemaField("replicas", .int, "YAML-only lanes: replicas of the rendered Deployment (default 1)"),
                SchemaField("port", .int, "YAML-only lanes: the manager's HTTP port, in its container and its Service (default 8080)"),
                SchemaField(
                    "env", .map(keyName: "variable", value: .string),
                    "YAML-only lanes: plain environment of the manager container (never a secret: those are `secrets`)"),
            ]), "The lane's manager workload"),
        SchemaField(
            "image",
            .object([
                SchemaField(
                    "registry", .string, required: true, "Registry the lane's pipeline pushes to (`registry.d601.unidesk.invalid`)"),
                SchemaField(
                    "repository", .string, required: true, "Image repository in it (`agentrun/manager`); the tag is the source commit"),
                SchemaField("context", .string, "Build context inside the source tree (default `.`)"),
                SchemaField("dockerfile", .string, "Dockerfile inside the context (default `Dockerfile`)"),
            ]), "YAML-only lanes: the manager image, built from the lane's source commit"),
        SchemaField(
            "secrets",
            .list(
                .object([
                    SchemaField("name", .string, required: true, "Secret name in the lane's namespace"),
                    SchemaField(
                        "keys", .list(.string), required: true,
                        "The keys it holds; each reaches the manager as an environment variable of that name"),
                    SchemaField(
                        "sourceFile", .string, required: true,
                        "Local file `KEY=value` lines materialised by `platform-db postgres export-secrets` (`~` allowed; mode 0600 — never the values here)"
                    ),
                ])), "YAML-only lanes: the Secrets `control-plane secret-sync` writes; names and keys only"),
        SchemaField(
            "database",
            .object([
                SchemaField("host", .string, required: true, "Database host"),
                SchemaField("port", .int, "Database port (default 5432)"),
                SchemaField("name", .string, required: true, "Database name"),
                SchemaField("user", .string, required: true, "Login user"),
                SchemaField("sslMode", .string, "libpq sslmode (default `require`)"),
                SchemaField(
                    "passwordSecret",
                    .object([
                        SchemaField("name", .string, required: true, "A Secret of `secrets`"),
                        SchemaField("key", .string, required: true, "One of its keys"),
                    ]), required: true, "Where the password is: a Secret reference, never the value"),
            ]), "YAML-only lanes: the manager's database connection (`AGENTRUN_DB_*`); the password only as a Secret reference"),
        SchemaField(
            "expose",
            .object([
                SchemaField(
                    "edgeNode", .string, required: true, "The edge node (a node of this catalogue; its bridge reaches it) running Caddy"),
                SchemaField("host", .string, required: true, "Public host name of the lane (`agentrun-v02.d601.unidesk.example`)"),
                SchemaField("httpsPort", .int, "Port of the public HTTPS URL (default 443)"),
                SchemaField("upstream", .string, required: true, "`HOST:PORT` where the edge reaches the lane (the FRP port on the edge)"),
                SchemaField(
                    "allowPortsFile", .string, required: true,
                    "Allow-list file on the edge, one port a line; expose adds the upstream's port"),
                SchemaField("caddyfile", .string, required: true, "The edge's Caddyfile (it imports `sitesDir`)"),
                SchemaField(
                    "sitesDir", .string, required: true, "Folder of site files the Caddyfile imports; expose writes `<host>.caddy` there"),
                SchemaField("caddyAdmin", .string, "Caddy's admin address for `caddy reload` (default `127.0.0.1:2019`)"),
                SchemaField(
                    "tls", .choice(["auto", "internal"]), "`auto` (Caddy's ACME certificates, the default) or `internal` (Caddy's own CA)"),
                SchemaField("caFile", .string, "CA bundle that signs the host's certificate, to check it from here (`internal` TLS)"),
            ]), "YAML-only lanes: the public HTTPS entry on the edge (an allow-listed port and a Caddy site; never an Ingress or NodePort)"),
        SchemaField(
            "restCAFile", .string, "CA bundle (PEM) that signs restBaseUrl's certificate, when a public CA does not (`~` allowed)"),
        SchemaField(
            "egressProxy",
            .object([
                SchemaField("host", .string, required: true, "Proxy Service DNS name"),
                SchemaField("port", .int, required: true, "Proxy port"),
                SchemaField("namespace", .string, "Namespace of the proxy Service and Deployment"),
                SchemaField("service", .string, "Name of the proxy Service and Deployment"),
                SchemaField("probeHost", .string, "Host an egress check fetches through the proxy (`codeload.github.com`)"),
                SchemaField(
                    "probeProxy", .string,
                    "`HOST:PORT` where the node reaches the proxy for `egress check` (default: the Service's ClusterIP:port)"),
                SchemaField("probeCAFile", .string, "CA bundle on the node for the probe's TLS (default: the node's system CAs)"),
            ]), "The runtime egress proxy runner jobs use"),
        SchemaField(
            "gitMirror",
            .object([
                SchemaField(
                    "baseUrl", .url,
                    "Read URL of the git mirror: runners fetch `https://github.com/OWNER/NAME` from `<baseUrl>/github.com/OWNER/NAME.git`"),
                SchemaField("cacheDir", .string, "Mirror cache folder on the node"),
                SchemaField(
                    "repository", .string,
                    "The lane's repository inside the cache (default: from source.remote, `github.com/pikasTech/agentrun.git`)"),
                SchemaField("staleAfterHours", .int, "A cached repository last fetched longer ago than this is stale (default 24)"),
                SchemaField(
                    "bundles", .map(keyName: "aipod", value: .list(.url)),
                    "The GitHub repositories each aipod's gitbundles come from; `git-mirror coverage` checks the cache holds them"),
            ]), "The node's git mirror"),
        SchemaField(
            "yamlOnly", .bool, "True for lanes whose deployment truth lives only in this catalogue (plan/apply/secret-sync/restart/expose)"),
    ])

    static let bridge: SchemaType = .object([
        SchemaField(
            "kind", .choice(bridgeKinds), required: true,
            "How commands reach the node: `trans` (the UniDesk bridge), `ssh`, or `local` (this machine)"),
        SchemaField(
            "command", .string,
            "The executable the bridge runs, a name looked up on `PATH` or a path: `trans` (default `trans`), `ssh` (default `ssh`), `local`: kubectl (default `kubectl`)"
        ),
        SchemaField("host", .string, "`ssh`: host name or address"),
        SchemaField("user", .string, "`ssh`: login user (default: ssh's own choice)"),
        SchemaField("port", .int, "`ssh`: port (default 22)"),
        SchemaField("identityFile", .string, "`ssh`: private key file (`~` allowed)"),
        SchemaField(
            "knownHostsFile", .string,
            "`ssh`: known_hosts file holding the node's host key (default: ssh's own); an unknown host key fails, it is never accepted blindly"
        ),
        SchemaField("kubeconfig", .string, "`local`: kubeconfig for kubectl (`~` allowed); `ssh`: kubeconfig path on the node"),
        SchemaField("timeout", .int, "Seconds a node command may run when it names no timeout of its own (default 120)"),
    ])

    /// The whole catalogue.
    public static let catalog: SchemaType = .object([
        SchemaField("apiVersion", .choice(["ars/v1"]), "Version of this schema"),
        SchemaField("kind", .choice(["LaneCatalog"]), "Always `LaneCatalog`"),
        SchemaField(
            "defaults",
            .object([
                SchemaField("node", .string, required: true, "Node used when neither the context nor `--node` names one"),
                SchemaField("lane", .string, required: true, "Lane used when neither the context nor `--lane` names one"),
            ]), required: true, "The lane used when none is given (the historic G14 v0.1 lane)"),
        SchemaField(
            "auth",
            .object([
                SchemaField("apiKeyEnv", .string, "Environment variable holding the API key (default `HWLAB_API_KEY`)"),
                SchemaField(
                    "apiKeyFile", .string, "File holding the API key, used when the variable is unset (`~` allowed; should be mode 0600)"),
            ]), "Where the API key comes from; the key itself is never written here"),
        SchemaField(
            "nodes",
            .map(
                keyName: "node",
                value: .object([
                    SchemaField("bridge", bridge, required: true, "The remote-exec bridge to the node"),
                    SchemaField(
                        "lanes", .map(keyName: "lane", value: lane),
                        "AgentRun lanes deployed on the node (none on an edge node that only serves `expose`)"),
                ])), required: true, "Nodes by name (`G14`, `D601`)"),
    ])
}
