import Foundation

/// Checks a decoded catalogue against `ConfigSchema` and the cross-references between its parts,
/// reporting every problem at the line and column where it is.
public struct ConfigValidator {
    public let file: String
    public let text: String
    private let lines: [Substring]

    public init(file: String, text: String) {
        self.file = file
        self.text = text
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// All problems in the file, in source order; empty when it is valid.
    public func validate() -> [ArsError] {
        let document: YAML.Document
        do {
            document = try YAML.decodeDocument(text)
        } catch {
            return [problem("yaml-syntax", "YAML syntax error: \(error.message)", at: error.position,
                            hint: "fix the YAML at this position")]
        }
        var problems: [ArsError] = []
        check(document.value, against: ConfigSchema.catalog, path: "", document: document, into: &problems)
        if problems.isEmpty { checkReferences(document, into: &problems) }
        return problems.sorted { ($0.location?.line ?? 0, $0.location?.column ?? 0) < ($1.location?.line ?? 0, $1.location?.column ?? 0) }
    }

    // MARK: - Schema walk

    private func check(_ value: Value, against type: SchemaType, path: String, document: YAML.Document, into problems: inout [ArsError]) {
        let at = document.valuePositions[path] ?? YAML.Position(line: 1, column: 1)
        let name = path.isEmpty ? "the file" : "'\(path)'"
        func wrongType() {
            problems.append(problem("config-type", "\(name) must be \(type.labelWithArticle), not \(article(value.typeName)) \(value.typeName)", at: at))
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
            if let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil {
                return
            }
            problems.append(problem("config-url", "\(name) must be an http(s) URL, got '\(text)'", at: at))
        case .choice(let choices):
            guard let text = value.stringValue else { return wrongType() }
            if !choices.contains(text) {
                let suggestion = Suggestions.closest(to: text, in: choices, limit: 1).first.map { "did you mean '\($0)'? " } ?? ""
                problems.append(problem("config-choice", "\(name) is '\(text)', which is not one of: \(choices.joined(separator: ", "))", at: at, hint: suggestion + "use one of the listed values"))
            }
        case .object(let fields):
            guard let object = value.objectValue else { return wrongType() }
            let known = fields.map(\.name)
            for (key, child) in object {
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                guard let field = fields.first(where: { $0.name == key }) else {
                    let keyAt = document.keyPositions[childPath] ?? at
                    problems.append(problem(
                        "config-unknown-key", "unknown key '\(key)'" + (path.isEmpty ? "" : " in '\(path)'"), at: keyAt,
                        hint: Suggestions.hint(for: key, in: known) ?? "known keys here: \(known.joined(separator: ", "))"))
                    continue
                }
                check(child, against: field.type, path: childPath, document: document, into: &problems)
            }
            for field in fields where field.required && object[field.name] == nil {
                problems.append(problem(
                    "config-missing-key", "\(name) is missing the required key '\(field.name)' (\(field.summary))",
                    at: document.keyPositions[path] ?? at, hint: "add '\(field.name):' under \(path.isEmpty ? "the top level" : "'\(path)'")"))
            }
        case .map(let keyName, let valueType):
            guard let object = value.objectValue else { return wrongType() }
            if object.isEmpty {
                problems.append(problem("config-empty", "\(name) must name at least one \(keyName)", at: at))
            }
            for (key, child) in object {
                check(child, against: valueType, path: path.isEmpty ? key : "\(path).\(key)", document: document, into: &problems)
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
                    problems.append(problem(
                        "config-reference", "defaults.lane '\(lane)' is not a lane of node '\(node)'",
                        at: document.valuePositions["defaults.lane"]!,
                        hint: Suggestions.hint(for: lane, in: lanes) ?? "lanes of \(node): \(lanes.joined(separator: ", "))"))
                }
            } else {
                problems.append(problem(
                    "config-reference", "defaults.node '\(node)' is not one of the nodes", at: document.valuePositions["defaults.node"]!,
                    hint: Suggestions.hint(for: node, in: nodes.keys) ?? "nodes: \(nodes.keys.joined(separator: ", "))"))
            }
        }
        for (name, node) in nodes where node.lookup("bridge.kind")?.stringValue == "ssh" && node.lookup("bridge.host") == nil {
            problems.append(problem(
                "config-missing-key", "node '\(name)' uses the ssh bridge but has no bridge.host",
                at: document.valuePositions["nodes.\(name).bridge"]!, hint: "add 'host:' under bridge"))
        }
        for (name, node) in nodes {
            if let timeout = node.lookup("bridge.timeout")?.intValue, timeout <= 0 {
                problems.append(problem(
                    "config-range", "nodes.\(name).bridge.timeout must be a positive number of seconds, got \(timeout)",
                    at: document.valuePositions["nodes.\(name).bridge.timeout"] ?? YAML.Position(line: 1, column: 1), hint: "leave it out for the default (120)"))
            }
        }
    }

    private func article(_ word: String) -> String { "aeiou".contains(word.first ?? "x") ? "an" : "a" }

    private func problem(_ code: String, _ message: String, at position: YAML.Position, hint: String? = nil) -> ArsError {
        let lineText = position.line - 1 < lines.count ? String(lines[position.line - 1]) : nil
        return ArsError.invalidInput(
            code, message, hint: hint,
            location: SourceLocation(file: file, line: position.line, column: position.column, lineText: lineText))
    }
}
