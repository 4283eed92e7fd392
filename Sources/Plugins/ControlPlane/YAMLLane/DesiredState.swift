import Commands
import FoundationEssentials

/// A YAML-only lane's GitOps desired state, rendered from its catalogue entry alone: the artifact
/// catalog (which image is built from which source commit) and the manifests Argo CD (or whoever
/// syncs the GitOps path) applies — the Namespace, the manager Deployment with its plain env, its
/// database parameters and its Secret references, and its Service. Pure: the same facts and
/// commit give the same bytes.
struct DesiredState: Sendable {
    /// One file of the GitOps branch: its path there and its text.
    struct File: Sendable, Equatable {
        var path: String
        var text: String
    }

    /// The manifests, in apply order: the Namespace, the manager Deployment, its Service.
    let manifests: [Value]
    /// The manager Deployment among them.
    var deployment: Value { manifests[1] }
    let artifactCatalog: Value
    /// Every file the lane owns in the GitOps branch: the manifests under `gitops.path`, then the
    /// artifact catalog.
    let files: [File]

    static let managedBy = "ars"
    /// The annotation naming the source commit the desired state was rendered for.
    static let sourceCommitAnnotation = "agentrun.dev/source-commit"
    /// Written in place of the commit while the plan cannot know it yet (the source branch still
    /// has to lose its `deploy/deploy.json`, and the commit that does so names the build).
    static let pendingCommit = "PENDING-source-commit-after-deploy-json-removal"

    /// `commit` nil: the commit is not known yet (see `pendingCommit`).
    init(facts: YAMLLaneFacts, commit: String?) {
        let commit = commit ?? Self.pendingCommit
        let namespace = facts.lane.namespace
        let selector: Value = [
            "app.kubernetes.io/name": .string(facts.manager.deployment), "app.kubernetes.io/instance": .string(namespace),
        ]
        let labels = selector.setting("app.kubernetes.io/managed-by", .string(Self.managedBy))
        let image = facts.image.reference(commit: commit)

        var env: [Value] = facts.manager.env.map { ["name": .string($0.0), "value": .string($0.1)] }
        if let database = facts.database {
            env += [
                ["name": "AGENTRUN_DB_HOST", "value": .string(database.host)],
                ["name": "AGENTRUN_DB_PORT", "value": .string(String(database.port))],
                ["name": "AGENTRUN_DB_NAME", "value": .string(database.name)],
                ["name": "AGENTRUN_DB_USER", "value": .string(database.user)],
                ["name": "AGENTRUN_DB_SSLMODE", "value": .string(database.sslMode)],
                Self.secretEnv("AGENTRUN_DB_PASSWORD", secret: database.passwordSecret, key: database.passwordKey),
            ]
        }
        for secret in facts.secrets {
            env += secret.keys.map { Self.secretEnv($0, secret: secret.name, key: $0) }
        }

        let namespaceManifest: Value = [
            "apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace), "labels": labels],
        ]
        let deployment: Value = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": [
                "name": .string(facts.manager.deployment), "namespace": .string(namespace), "labels": labels,
                "annotations": [Self.sourceCommitAnnotation: .string(commit)],
            ],
            "spec": [
                "replicas": .int(facts.manager.replicas),
                "selector": ["matchLabels": selector],
                "template": [
                    "metadata": ["labels": selector],
                    "spec": [
                        "containers": [
                            [
                                "name": "manager", "image": .string(image),
                                "ports": [["name": "http", "containerPort": .int(facts.manager.port)]],
                                "env": .array(env),
                            ]
                        ]
                    ],
                ],
            ],
        ]
        let service: Value = [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": .string(facts.manager.deployment), "namespace": .string(namespace), "labels": labels],
            "spec": [
                "type": "ClusterIP", "selector": selector,
                "ports": [["name": "http", "port": .int(facts.manager.port), "targetPort": "http"]],
            ],
        ]
        manifests = [namespaceManifest, deployment, service]
        artifactCatalog = [
            "apiVersion": "ars/v1", "kind": "ArtifactCatalog", "lane": .string(facts.lane.qualifiedName),
            "artifacts": [
                [
                    "name": .string(facts.manager.deployment), "image": .string(image),
                    "source": [
                        "remote": .string(facts.worktree.remote), "branch": .string(facts.worktree.branch), "commit": .string(commit),
                    ],
                    "build": ["context": .string(facts.image.context), "dockerfile": .string(facts.image.dockerfile)],
                ]
            ],
        ]
        let header =
            "# Rendered by `ars control-plane apply \(facts.laneFlags)` from the UniDesk lane catalogue; edit the catalogue, not this file.\n"
        let yaml = Printer(format: .yaml)
        let names = ["namespace.yaml", "manager-deployment.yaml", "manager-service.yaml"]
        files =
            zip(names, manifests).map { File(path: "\(facts.gitopsPath)/\($0)", text: header + yaml.renderValue($1)) }
            + [File(path: facts.artifactsPath, text: header + yaml.renderValue(artifactCatalog))]
    }

    private static func secretEnv(_ name: String, secret: String, key: String) -> Value {
        ["name": .string(name), "valueFrom": ["secretKeyRef": ["name": .string(secret), "key": .string(key)]]]
    }
}

/// What the seed forbids in a lane's cluster for exposure: an Ingress, a NodePort or
/// LoadBalancer Service, a hostPort, or a forwarding layer. The public entry is the edge's Caddy
/// site alone (`control-plane expose`).
enum ExposureGuard {
    static let rule =
        "a lane is exposed only through the edge's allow-listed port and Caddy site (control-plane expose); never an Ingress, NodePort, LoadBalancer, hostPort or a forwarding layer in the lane's cluster"

    /// One line per forbidden thing in these manifests (`Ingress agentrun-v02/x`).
    static func violations(in manifests: [Value]) -> [String] {
        var found: [String] = []
        for manifest in manifests {
            let kind = manifest["kind"]?.stringValue ?? ""
            let name = (manifest.lookup("metadata.namespace")?.stringValue).map { $0 + "/" } ?? ""
            let id = name + (manifest.lookup("metadata.name")?.stringValue ?? "?")
            switch kind {
            case "Ingress", "IngressRoute", "Gateway", "HTTPRoute": found.append("\(kind) \(id)")
            case "Service":
                if let type = manifest.lookup("spec.type")?.stringValue, type == "NodePort" || type == "LoadBalancer" {
                    found.append("Service \(id) of type \(type)")
                }
            default: break
            }
            let podSpec = kind == "Pod" ? manifest["spec"] : manifest.lookup("spec.template.spec")
            for container in podSpec?["containers"]?.arrayValue ?? [] {
                for port in container["ports"]?.arrayValue ?? [] where port["hostPort"] != nil {
                    found.append(
                        "\(kind) \(id) container \(container["name"]?.stringValue ?? "?") hostPort \(port["hostPort"]?.plainText ?? "")")
                }
            }
            if podSpec?["hostNetwork"]?.boolValue == true { found.append("\(kind) \(id) with hostNetwork") }
        }
        return found
    }
}
