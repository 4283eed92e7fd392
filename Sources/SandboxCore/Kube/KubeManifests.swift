import Foundation
import Yams

/// Manifest files as Argo CD reads a directory source: `*.json` holds one object, `*.yaml` and
/// `*.yml` one or more `---`-separated documents (empty ones skipped). Every document must be an
/// object of a kind the sandbox serves, with a name.
enum KubeManifests {
    /// One object to apply, with the file it came from.
    struct Manifest: Sendable {
        var file: String
        var object: KubeJSON
        var resource: KubeResource
    }

    /// Why a file cannot be applied: `file:line:col: problem` where a position is known.
    struct Failure: Error, CustomStringConvertible, Sendable {
        var file: String
        var message: String
        var description: String { "\(file): \(message)" }
    }

    /// Whether Argo CD reads `name` in a directory source.
    static func isManifest(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml") || lowered.hasSuffix(".json")
    }

    /// Every object of `files` (file name → text), files in name order, documents in file order.
    static func parse(_ files: [String: String]) throws(Failure) -> [Manifest] {
        var manifests: [Manifest] = []
        for name in files.keys.sorted() where isManifest(name) {
            let documents = try documents(of: name, text: files[name] ?? "")
            for (index, document) in documents.enumerated() {
                manifests.append(try manifest(document, file: name, index: index, of: documents.count))
            }
        }
        return manifests
    }

    private static func documents(of file: String, text: String) throws(Failure) -> [KubeJSON] {
        if file.lowercased().hasSuffix(".json") {
            do {
                return [try KubeJSON(parsing: text)]
            } catch {
                throw Failure(file: file, message: error.description)
            }
        }
        do {
            // Timestamps stay strings, as Kubernetes reads them.
            // The sequence is its own iterator: a syntax error ends it and stays in `error`.
            var nodes = try Yams.compose_all(yaml: text, Resolver.default.removing(.timestamp))
            var documents: [KubeJSON] = []
            while let node = nodes.next() {
                let value = try json(node)
                if !value.isNull { documents.append(value) }
            }
            if let error = nodes.error { throw error }
            return documents
        } catch let error as Failure {
            throw Failure(file: file, message: error.message)
        } catch {
            throw Failure(file: file, message: yamlMessage(error))
        }
    }

    private static func manifest(_ object: KubeJSON, file: String, index: Int, of count: Int) throws(Failure) -> Manifest {
        let place = count > 1 ? "\(file) (document \(index + 1))" : file
        guard object.objectValue != nil else { throw Failure(file: place, message: "a manifest must be an object") }
        guard let apiVersion = object.string("apiVersion"), let kind = object.string("kind") else {
            throw Failure(file: place, message: "a manifest needs apiVersion and kind")
        }
        guard let resource = KubeCatalog.resource(apiVersion: apiVersion, kind: kind) else {
            throw Failure(file: place, message: "\(kind) (\(apiVersion)) is not a kind the sandbox serves")
        }
        guard let name = object.string("metadata", "name"), !name.isEmpty else {
            throw Failure(file: place, message: "\(kind) without metadata.name")
        }
        return Manifest(file: file, object: object, resource: resource)
    }

    /// A YAML node as JSON: scalars by their resolved tag (`null`, `bool`, `int`, `float`, else a string).
    private static func json(_ node: Node) throws -> KubeJSON {
        switch node {
        case .scalar(let scalar):
            // `node.tag` is the resolved tag (`scalar.tag` of a plain scalar is only the implicit `?`).
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return node.bool.map(KubeJSON.bool) ?? .string(scalar.string)
            case .int: return node.int.map { KubeJSON.int($0) } ?? .string(scalar.string)
            case .float:
                guard let value = node.float, value.isFinite else { return .string(scalar.string) }
                return .number(String(value))
            default: return .string(scalar.string)
            }
        case .mapping(let mapping):
            var members: [String: KubeJSON] = [:]
            for (key, value) in mapping {
                guard let name = key.scalar?.string else {
                    throw Failure(file: "", message: "\(key.mark.map { "\($0): " } ?? "")a mapping key must be a scalar")
                }
                members[name] = try json(value)
            }
            return .object(members)
        case .sequence(let sequence):
            return .array(try sequence.map(json))
        case .alias:
            throw Failure(file: "", message: "\(node.mark.map { "\($0): " } ?? "")aliases are not supported")
        }
    }

    /// `line:col: problem` of a Yams error.
    private static func yamlMessage(_ error: Error) -> String {
        guard let error = error as? YamlError else { return "\(error)" }
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return "\(mark.line):\(mark.column): \(problem)"
        default:
            return "\(error)"
        }
    }
}
