import CommandModel
import FoundationEssentials

/// Checks a decoded catalogue against `ConfigSchema` and the cross-references between its parts,
/// reporting every problem at the line and column where it is.
public struct ConfigValidator {
    public let file: String
    public let text: String
    /// The user's environment: `ARS_ALLOW_KEY_ENV` names further variables that may hold the key.
    public let environment: [String: String]

    public init(file: String, text: String, environment: [String: String] = [:]) {
        self.file = file
        self.text = text
        self.environment = environment
    }

    /// All problems in the file, in source order; empty when it is valid.
    public func validate() -> [ArsError] { validating().problems }

    /// The decoded document (nil after a syntax error) and all problems in source order, from
    /// one parse of the text.
    public func validating() -> (document: YAML.Document?, problems: [ArsError]) {
        let document: YAML.Document
        do {
            document = try YAML.decodeDocument(text)
        } catch {
            return (
                nil,
                [
                    problem(
                        .yamlSyntax, "YAML syntax error: \(error.message)", at: error.position,
                        hint: "fix the YAML at this position")
                ]
            )
        }
        var problems: [ArsError] = []
        check(document.value, against: ConfigSchema.catalog, path: "", document: document, into: &problems)
        if problems.isEmpty { checkReferences(document, into: &problems) }
        checkSafety(document, into: &problems)
        return (
            document,
            problems.sorted { ($0.location?.line ?? 0, $0.location?.column ?? 0) < ($1.location?.line ?? 0, $1.location?.column ?? 0) }
        )
    }

    // MARK: - Schema walk

    private func check(_ value: Value, against type: SchemaType, path: String, document: YAML.Document, into problems: inout [ArsError]) {
        let at = document.valuePositions[path] ?? YAML.Position(line: 1, column: 1)
        let name = path.isEmpty ? "the file" : "'\(path)'"
        func wrongType() {
            problems.append(
                problem(.configType, "\(name) must be \(type.labelWithArticle), not \(article(value.typeName)) \(value.typeName)", at: at)
            )
        }
        switch type {
        case .string:
            if value.stringValue == nil { wrongType() }
        case .int:
            if case .int = value {} else { wrongType() }
        case .bool:
            if value.boolValue == nil { wrongType() }
        case .url:
            guard let text = value.stringValue else { return wrongType() }
            guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                return problems.append(
                    problem(
                        .configUrl, "\(name) must be an http(s) URL, got '\(CatalogueSafety.displayURL(text))'", at: at, showLine: false))
            }
            if url.user != nil || url.password != nil || url.query != nil || url.fragment != nil {
                problems.append(
                    problem(
                        .configUnsafe,
                        "\(name) carries credentials, a query or a fragment (\(CatalogueSafety.displayURL(text))): ars would print and send them",
                        at: at, hint: "give the bare base URL; the API key comes from auth.apiKeyEnv or auth.apiKeyFile", showLine: false))
            }
        case .choice(let choices):
            guard let text = value.stringValue else { return wrongType() }
            if !choices.contains(text) {
                let suggestion = Suggestions.closest(to: text, in: choices, limit: 1).first.map { "did you mean '\($0)'? " } ?? ""
                problems.append(
                    problem(
                        .configChoice, "\(name) is '\(text)', which is not one of: \(choices.joined(separator: ", "))", at: at,
                        hint: suggestion + "use one of the listed values"))
            }
        case .object(let fields):
            guard let object = value.objectValue else { return wrongType() }
            let known = fields.map(\.name)
            for (key, child) in object {
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                guard let field = fields.first(where: { $0.name == key }) else {
                    let keyAt = document.keyPositions[childPath] ?? at
                    problems.append(
                        problem(
                            .configUnknownKey, "unknown key '\(key)'" + (path.isEmpty ? "" : " in '\(path)'"), at: keyAt,
                            hint: Suggestions.hint(for: key, in: known) ?? "known keys here: \(known.joined(separator: ", "))"))
                    continue
                }
                check(child, against: field.type, path: childPath, document: document, into: &problems)
            }
            for field in fields where field.required && object[field.name] == nil {
                problems.append(
                    problem(
                        .configMissingKey, "\(name) is missing the required key '\(field.name)' (\(field.summary))",
                        at: document.keyPositions[path] ?? at,
                        hint: "add '\(field.name):' under \(path.isEmpty ? "the top level" : "'\(path)'")"))
            }
        case .map(let keyName, let valueType):
            guard let object = value.objectValue else { return wrongType() }
            if object.isEmpty {
                problems.append(problem(.configEmpty, "\(name) must name at least one \(keyName)", at: at))
            }
            for (key, child) in object {
                check(child, against: valueType, path: path.isEmpty ? key : "\(path).\(key)", document: document, into: &problems)
            }
        case .list(let itemType):
            guard let items = value.arrayValue else { return wrongType() }
            for (index, item) in items.enumerated() {
                check(item, against: itemType, path: "\(path)[\(index)]", document: document, into: &problems)
            }
        }
    }

    // MARK: - Cross-references

    private func checkReferences(_ document: YAML.Document, into problems: inout [ArsError]) {
        let value = document.value
        let nodes = value["nodes"]?.objectValue ?? Object()
        if let node = value.lookup("defaults.node")?.stringValue {
            if let nodeValue = nodes[node] {
                if let lane = value.lookup("defaults.lane")?.stringValue, nodeValue.lookup("lanes")?[lane] == nil {
                    let lanes = nodeValue.lookup("lanes")?.objectValue?.keys ?? []
                    problems.append(
                        problem(
                            .configReference, "defaults.lane '\(lane)' is not a lane of node '\(node)'",
                            at: document.valuePositions["defaults.lane"]!,
                            hint: Suggestions.hint(for: lane, in: lanes) ?? "lanes of \(node): \(lanes.joined(separator: ", "))"))
                }
            } else {
                problems.append(
                    problem(
                        .configReference, "defaults.node '\(node)' is not one of the nodes",
                        at: document.valuePositions["defaults.node"]!,
                        hint: Suggestions.hint(for: node, in: nodes.keys) ?? "nodes: \(nodes.keys.joined(separator: ", "))"))
            }
        }
        for (nodeName, node) in nodes {
            for (laneName, lane) in node["lanes"]?.objectValue ?? Object() {
                checkLaneReferences(lane, path: "nodes.\(nodeName).lanes.\(laneName)", nodes: nodes, document: document, into: &problems)
            }
        }
        for (name, node) in nodes where node.lookup("bridge.kind")?.stringValue == "ssh" && node.lookup("bridge.host") == nil {
            problems.append(
                problem(
                    .configMissingKey, "node '\(name)' uses the ssh bridge but has no bridge.host",
                    at: document.valuePositions["nodes.\(name).bridge"]!, hint: "add 'host:' under bridge"))
        }
        for (name, node) in nodes {
            if let timeout = node.lookup("bridge.timeout")?.intValue, timeout <= 0 {
                problems.append(
                    problem(
                        .configRange, "nodes.\(name).bridge.timeout must be a positive number of seconds, got \(timeout)",
                        at: document.valuePositions["nodes.\(name).bridge.timeout"] ?? YAML.Position(line: 1, column: 1),
                        hint: "leave it out for the default (120)"))
            }
        }
    }

    /// The references inside a YAML-only lane's entry: the edge node is a node, the upstream is
    /// `HOST:PORT`, the database password is a key of a declared Secret. (A key the lane's
    /// commands need but the entry lacks is their error, naming it, not the catalogue's.)
    private func checkLaneReferences(_ lane: Value, path: String, nodes: Object, document: YAML.Document, into problems: inout [ArsError]) {
        func at(_ key: String) -> YAML.Position {
            document.valuePositions["\(path).\(key)"] ?? document.valuePositions[path] ?? YAML.Position(line: 1, column: 1)
        }
        if let edge = lane.lookup("expose.edgeNode")?.stringValue, nodes[edge] == nil {
            problems.append(
                problem(
                    .configReference, "\(path).expose.edgeNode '\(edge)' is not one of the nodes", at: at("expose.edgeNode"),
                    hint: Suggestions.hint(for: edge, in: nodes.keys) ?? "declare the edge node (with its bridge) under nodes"))
        }
        if let host = lane.lookup("expose.host")?.stringValue, !DNSName.isValid(host) {
            problems.append(
                problem(
                    .configRange, "\(path).expose.host '\(host)' is not a host name", at: at("expose.host"),
                    hint: "letters, digits, '-' and '.', such as agentrun-v02.d601.unidesk.example"))
        }
        if let upstream = lane.lookup("expose.upstream")?.stringValue, HostPort(upstream) == nil {
            problems.append(
                problem(
                    .configRange, "\(path).expose.upstream '\(upstream)' is not HOST:PORT", at: at("expose.upstream"),
                    hint: "give the address the edge reaches the lane at, such as 127.0.0.1:18080"))
        }
        if let secret = lane.lookup("database.passwordSecret.name")?.stringValue {
            let declared = (lane["secrets"]?.arrayValue ?? []).filter { $0["name"]?.stringValue == secret }
            let key = lane.lookup("database.passwordSecret.key")?.stringValue ?? ""
            if declared.isEmpty {
                let names = (lane["secrets"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
                problems.append(
                    problem(
                        .configReference, "\(path).database.passwordSecret.name '\(secret)' is not one of the lane's secrets",
                        at: at("database.passwordSecret.name"),
                        hint: Suggestions.hint(for: secret, in: names) ?? "declare it under secrets (name, keys, sourceFile)"))
            } else if !declared.contains(where: { ($0["keys"]?.arrayValue ?? []).contains(.string(key)) }) {
                problems.append(
                    problem(
                        .configReference, "\(path).database.passwordSecret.key '\(key)' is not a key of Secret \(secret)",
                        at: at("database.passwordSecret.key"), hint: "add it to the Secret's keys, or name one of them"))
            }
        }
    }

    // MARK: - Safety

    /// What a catalogue may not say, whoever wrote it: a relative bridge program, an ssh host or
    /// user that ssh would read as an option, a key variable that is not the AgentRun key's, and
    /// a REST URL that would carry the key in clear text off this machine.
    private func checkSafety(_ document: YAML.Document, into problems: inout [ArsError]) {
        let value = document.value
        func at(_ path: String) -> YAML.Position { document.valuePositions[path] ?? YAML.Position(line: 1, column: 1) }
        if let keyEnv = value.lookup("auth.apiKeyEnv")?.stringValue, !CatalogueSafety.isAllowedKeyVariable(keyEnv, environment: environment)
        {
            problems.append(
                problem(
                    .configUnsafe,
                    "auth.apiKeyEnv '\(keyEnv)' is not a variable ars sends as the AgentRun API key (allowed: HWLAB_API_KEY and ARS_*)",
                    at: at("auth.apiKeyEnv"),
                    hint: "if this variable really holds your AgentRun key, allow it yourself: export ARS_ALLOW_KEY_ENV=\(keyEnv)"))
        }
        for (name, node) in value["nodes"]?.objectValue ?? Object() {
            if let command = node.lookup("bridge.command")?.stringValue, !CatalogueSafety.isAllowedProgram(command) {
                problems.append(
                    problem(
                        .configUnsafe,
                        "nodes.\(name).bridge.command '\(command)' is a relative path: it would run a program of whatever folder ars runs in",
                        at: at("nodes.\(name).bridge.command"), hint: "use an absolute path, or a bare name that is looked up on PATH"))
            }
            for key in ["host", "user"] {
                if let word = node.lookup("bridge.\(key)")?.stringValue, !CatalogueSafety.isPlainSSHWord(word) {
                    problems.append(
                        problem(
                            .configUnsafe,
                            "nodes.\(name).bridge.\(key) '\(word)' starts with '-' or holds white space or control characters: ssh would read it as an option",
                            at: at("nodes.\(name).bridge.\(key)"), hint: "give a host name or address (and a login name) as they are"))
                }
            }
            for (laneName, lane) in node["lanes"]?.objectValue ?? Object() {
                guard let text = lane["restBaseUrl"]?.stringValue, let url = URL(string: text), url.scheme == "http",
                    let host = url.host, !CatalogueSafety.isLoopback(host)
                else { continue }
                problems.append(
                    problem(
                        .configUnsafe,
                        "nodes.\(name).lanes.\(laneName).restBaseUrl is plain http to \(host): the API key would cross the network in clear text",
                        at: at("nodes.\(name).lanes.\(laneName).restBaseUrl"),
                        hint: "use https (plain http is allowed only to this machine: localhost, 127.0.0.0/8, ::1)"))
            }
        }
    }

    private func article(_ word: String) -> String { "aeiou".contains(word.first ?? "x") ? "an" : "a" }

    /// A problem at a position; `showLine: false` leaves the offending line out of the message
    /// (it may hold credentials).
    private func problem(_ code: ErrorCode, _ message: String, at position: YAML.Position, hint: String? = nil, showLine: Bool = true)
        -> ArsError
    {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let lineText = showLine && position.line - 1 < lines.count ? String(lines[position.line - 1]) : nil
        return ArsError.invalidInput(
            code, message, hint: hint,
            location: SourceLocation(file: file, line: position.line, column: position.column, lineText: lineText))
    }
}
