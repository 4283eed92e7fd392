import CommandModel
import FoundationEssentials

/// The operators' lane catalogue: which nodes exist, how to reach them, and each lane's facts.
public struct LaneCatalog: Sendable {
    public var defaultNode: String
    public var defaultLane: String
    public var auth: AuthSettings
    public var nodes: [NodeSettings]

    /// A node by name (exact, then case-insensitive: `g14` finds `G14`).
    public func node(_ name: String) -> NodeSettings? {
        nodes.first { $0.name == name } ?? nodes.first { $0.name.lowercased() == name.lowercased() }
    }
}

public struct AuthSettings: Sendable {
    public var apiKeyEnv: String
    public var apiKeyFile: String?
}

public struct NodeSettings: Sendable {
    public var name: String
    public var bridge: BridgeSettings
    public var lanes: [LaneSettings]

    public init(name: String, bridge: BridgeSettings, lanes: [LaneSettings] = []) {
        self.name = name
        self.bridge = bridge
        self.lanes = lanes
    }

    public func lane(_ name: String) -> LaneSettings? {
        lanes.first { $0.name == name } ?? lanes.first { $0.name.lowercased() == name.lowercased() }
    }
}

/// How commands reach a node (`nodes.<node>.bridge` in the catalogue).
public struct BridgeSettings: Sendable {
    public enum Kind: String, Sendable { case trans, ssh, local }
    public var kind: Kind
    /// The executable the bridge runs: `trans`, `ssh`, or kubectl for `local` (see `defaultCommand`).
    public var command: String
    public var host: String?
    public var user: String?
    public var port: Int?
    public var identityFile: String?
    /// `ssh`: the known_hosts file that holds the node's host key.
    public var knownHostsFile: String?
    public var kubeconfig: String?
    /// Seconds a command may run when it names no timeout of its own (nil: the bridge's default).
    public var timeout: Int?

    /// The executable a bridge of this kind runs when the catalogue names none.
    public static func defaultCommand(for kind: Kind) -> String {
        switch kind {
        case .trans: "trans"
        case .ssh: "ssh"
        case .local: "kubectl"
        }
    }
}

extension BridgeSettings {
    /// Bridge settings built in code (tests, generated catalogues); `command` defaults by kind.
    public init(
        kind: Kind, command: String? = nil, host: String? = nil, user: String? = nil, port: Int? = nil,
        identityFile: String? = nil, knownHostsFile: String? = nil, kubeconfig: String? = nil, timeout: Int? = nil
    ) {
        self.kind = kind
        self.command = command ?? Self.defaultCommand(for: kind)
        self.host = host
        self.user = user
        self.port = port
        self.identityFile = identityFile
        self.knownHostsFile = knownHostsFile
        self.kubeconfig = kubeconfig
        self.timeout = timeout
    }
}

public struct LaneSettings: Sendable {
    public var node: String
    public var name: String
    /// The lane's whole YAML mapping, for plugins that read keys this type does not name.
    public var raw: Value
    public var restBaseURL: String
    public var namespace: String
    public var ciNamespace: String?
    public var yamlOnly: Bool

    /// `G14/v01`.
    public var qualifiedName: String { "\(node)/\(name)" }

    /// A string the lane must declare (`gitops.branch`, `image.registry`), or the usage error that
    /// names the missing key.
    public func required(_ key: String) throws(ArsError) -> String {
        guard let value = raw.lookup(key)?.stringValue, !value.isEmpty else {
            throw ArsError.usage(
                .laneKeyMissing, "\(yamlOnly ? "YAML-only lane" : "lane") \(qualifiedName) has no '\(key)' in the catalogue",
                hint: "add it to the lane (docs/config.md), or pick another lane with --node/--lane")
        }
        return value
    }
}

extension LaneCatalog {
    /// Builds the typed catalogue from a document that `ConfigValidator` accepted.
    public init(validated value: Value) {
        defaultNode = value.lookup("defaults.node")?.stringValue ?? ""
        defaultLane = value.lookup("defaults.lane")?.stringValue ?? ""
        auth = AuthSettings(
            apiKeyEnv: value.lookup("auth.apiKeyEnv")?.stringValue ?? "HWLAB_API_KEY",
            apiKeyFile: value.lookup("auth.apiKeyFile")?.stringValue)
        nodes = (value["nodes"]?.objectValue ?? Object()).map { nodeName, node in
            let bridge = node["bridge"] ?? .null
            let lanes = (node["lanes"]?.objectValue ?? Object()).map { laneName, lane in
                LaneSettings(
                    node: nodeName, name: laneName, raw: lane,
                    restBaseURL: lane["restBaseUrl"]?.stringValue ?? "",
                    namespace: lane["namespace"]?.stringValue ?? "",
                    ciNamespace: lane["ciNamespace"]?.stringValue,
                    yamlOnly: lane["yamlOnly"]?.boolValue ?? false)
            }
            return NodeSettings(
                name: nodeName,
                bridge: BridgeSettings(
                    kind: bridge["kind"]?.stringValue.flatMap(BridgeSettings.Kind.init(rawValue:)) ?? .trans,
                    command: bridge["command"]?.stringValue,
                    host: bridge["host"]?.stringValue, user: bridge["user"]?.stringValue,
                    port: bridge["port"]?.intValue, identityFile: bridge["identityFile"]?.stringValue,
                    knownHostsFile: bridge["knownHostsFile"]?.stringValue,
                    kubeconfig: bridge["kubeconfig"]?.stringValue, timeout: bridge["timeout"]?.intValue),
                lanes: lanes)
        }
    }
}

// MARK: - Loading

/// A catalogue loaded from a file, with where it came from.
public struct LoadedConfig: Sendable {
    public var path: String
    /// How the path was chosen (`--config`, `$ARS_CONFIG`, …), for `config view` and `--raw`.
    public var source: String
    public var text: String
    public var catalog: LaneCatalog
}

/// Where a catalogue was found, and whether the user chose it.
public struct LocatedConfig: Sendable, Equatable {
    public var path: String
    /// How it was chosen: `--config`, `$ARS_CONFIG`, `./config/agentrun.yaml`, `$XDG_CONFIG_HOME/ars/agentrun.yaml`.
    public var source: String
    /// True for `--config`, `$ARS_CONFIG` and the user's own config folder; false for a
    /// catalogue found in the working folder (used only once trusted, and announced on stderr).
    public var isUsersOwn: Bool
    /// Catalogues passed over because they are not trusted, with what to do (for stderr).
    public var notices: [String] = []
}

/// Finds and loads the lane catalogue.
public enum ConfigLoader {
    /// The source name of the catalogue found in the working folder.
    public static let workingFolderSource = "./config/agentrun.yaml"

    /// The places searched, in order, with how each is named in messages.
    public static func searchPath(explicit: String?, environment: [String: String], currentDirectory: String) -> [(
        path: String, source: String
    )] {
        var candidates: [(String, String)] = []
        if let explicit { candidates.append((explicit, "--config")) }
        if let env = environment["ARS_CONFIG"], !env.isEmpty { candidates.append((env, "$ARS_CONFIG")) }
        candidates.append((Paths.join(currentDirectory, "config/agentrun.yaml"), workingFolderSource))
        let xdg =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Paths.join(Paths.home(environment), ".config")
        candidates.append((Paths.join(xdg, "ars/agentrun.yaml"), "$XDG_CONFIG_HOME/ars/agentrun.yaml"))
        return candidates
    }

    /// Locates the catalogue: an explicit `--config` or `$ARS_CONFIG` must exist; the others are
    /// used when present — the working folder's only when its content is trusted
    /// (`CatalogueTrust`); an untrusted one is passed over with a notice.
    public static func locate(explicit: String?, environment: [String: String], currentDirectory: String) throws(ArsError) -> LocatedConfig
    {
        let candidates = searchPath(explicit: explicit, environment: environment, currentDirectory: currentDirectory)
        var notices: [String] = []
        for candidate in candidates {
            if FileManager.default.fileExists(atPath: candidate.path) {
                guard candidate.source == workingFolderSource else {
                    return LocatedConfig(path: candidate.path, source: candidate.source, isUsersOwn: true, notices: notices)
                }
                let text = (try? String(contentsOfFile: candidate.path, encoding: .utf8)) ?? ""
                if CatalogueTrust(environment: environment).isTrusted(path: candidate.path, text: text) {
                    return LocatedConfig(path: candidate.path, source: candidate.source, isUsersOwn: false, notices: notices)
                }
                notices.append(
                    "ignoring \(workingFolderSource) in this folder: it is not trusted (a catalogue chooses the API key, the hosts and the programs ars uses); "
                        + "read it, then run 'ars config trust' to use it, or name it with --config")
                continue
            }
            if candidate.source == "--config" || candidate.source == "$ARS_CONFIG" {
                throw ArsError.invalidInput(
                    .configNotFound, "config file \(candidate.path) (from \(candidate.source)) does not exist",
                    hint: "check the path, or copy config/agentrun.yaml from the ars repository")
            }
        }
        throw ArsError.invalidInput(
            .configNotFound, notices.isEmpty ? "no lane catalogue found" : "no trusted lane catalogue found",
            hint: (notices.isEmpty ? "" : "./config/agentrun.yaml is not trusted: read it, then run 'ars config trust'; ")
                + "looked in " + candidates.map(\.path).joined(separator: ", ")
                + "; create one from config/agentrun.yaml in the ars repository (see docs/config.md)")
    }

    /// Reads and validates a catalogue; the first problem is thrown, with a count of the rest.
    public static func load(path: String, source: String, environment: [String: String] = [:]) throws(ArsError) -> LoadedConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ArsError.invalidInput(
                .configUnreadable, "cannot read config file \(path)", hint: "check that it exists and is readable")
        }
        let text = String(decoding: data, as: UTF8.self)
        let (document, problems) = ConfigValidator(file: path, text: text, environment: environment).validating()
        if var first = problems.first {
            if problems.count > 1 {
                first.hint = (first.hint.map { $0 + "; " } ?? "") + "\(problems.count - 1) more problem(s): run 'ars config validate'"
            }
            throw first
        }
        return LoadedConfig(path: path, source: source, text: text, catalog: LaneCatalog(validated: document?.value ?? .null))
    }
}
