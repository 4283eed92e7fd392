import Foundation

/// A scenario: a folder of `kubectl get … -o json` documents (a bare object or a `List`) that
/// becomes the sandbox cluster's initial objects, plus the reference time its `README.md` states
/// as ``NOW = `2025-11-18T09:00:00Z` ``.
///
/// Files ending in `.json` must parse (an error names `file:line:col`); other files are ignored,
/// and so is `sandbox-egress.json` (the egress endpoints' settings, read by `SandboxEgress`).
/// Every document's text goes through `rewrite` before it is parsed.
public struct KubeScenario: Sendable {
    /// What the seeded state remembers to tell whether it came from this scenario.
    let identity: String
    /// The folder the documents came from.
    public let directory: URL
    /// The scenario's reference time, when its README states one.
    let now: Timestamp?
    /// Every object, deduplicated (the newest `resourceVersion` of the same object wins), in the
    /// order of the files and their items.
    let objects: [KubeJSON]

    /// The name of the built-in default scenario.
    public static let defaultName = "g14-healthy"

    /// The built-in scenario folder (a resource of this module).
    public static var defaultDirectory: URL {
        get throws {
            guard let root = Bundle.module.url(forResource: "Scenarios", withExtension: nil) else {
                throw KubeScenarioError(message: "the built-in scenarios are missing from the ars-sandbox resource bundle")
            }
            return root.appendingPathComponent(defaultName, isDirectory: true)
        }
    }

    /// The raw text of every `.json` document of a scenario folder, by file name, before any
    /// rewrite (what a rewrite is built from).
    public static func documents(in directory: URL) throws -> [String: String] {
        var documents: [String: String] = [:]
        for name in try jsonFiles(in: directory) {
            let url = directory.appendingPathComponent(name)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw KubeScenarioError(message: "\(url.path): not readable as UTF-8 text")
            }
            documents[name] = text
        }
        return documents
    }

    private static func jsonFiles(in directory: URL) throws -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw KubeScenarioError(message: "cannot read the scenario folder \(directory.path): \(error.localizedDescription)")
        }
        return names.filter { name in
            var isDirectory: ObjCBool = false
            return name.lowercased().hasSuffix(".json") && name != SandboxEgress.scenarioFileName
                && FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }.sorted()
    }

    /// Loads the folder (`nil`: the built-in default scenario).
    static func load(directory: URL?, rewrite: @Sendable (String) -> String) throws -> KubeScenario {
        let folder = try directory?.standardizedFileURL ?? defaultDirectory
        // The built-in scenario's revision: a state seeded from an older one is seeded again.
        // 2: the YAML-only lane's namespace agentrun-v02.
        let identity = directory == nil ? "builtin:\(defaultName)#2" : "folder:\(folder.path)"
        var objects: [KubeJSON] = []
        var positions: [String: Int] = [:]
        for (name, text) in try documents(in: folder).sorted(by: { $0.key < $1.key }) {
            let document: KubeJSON
            do {
                document = try KubeJSON(parsing: rewrite(text))
            } catch {
                throw KubeScenarioError(
                    message: "\(folder.appendingPathComponent(name).path):\(error.line):\(error.column): \(error.message)")
            }
            for (index, item) in try items(of: document, file: name).enumerated() {
                let object = try normalized(item, file: name, index: index)
                let key = objectKey(object)
                if let existing = positions[key] {
                    // The same object twice (e.g. an earlier state of it): keep the newer one.
                    if resourceVersion(object) >= resourceVersion(objects[existing]) { objects[existing] = object }
                } else {
                    positions[key] = objects.count
                    objects.append(object)
                }
            }
        }
        return KubeScenario(identity: identity, directory: folder, now: try referenceTime(in: folder), objects: objects)
    }

    /// The items of a `List` (any `…List` kind with `items`), or the document itself.
    private static func items(of document: KubeJSON, file: String) throws -> [KubeJSON] {
        guard document.objectValue != nil else { throw KubeScenarioError(message: "\(file): the document is not a JSON object") }
        if let kind = document["kind"]?.stringValue, kind.hasSuffix("List"), let items = document["items"]?.arrayValue {
            return items
        }
        return [document]
    }

    /// Checks that the object is one the sandbox serves and fills what a stored object always has.
    private static func normalized(_ item: KubeJSON, file: String, index: Int) throws -> KubeJSON {
        let place = "\(file): item \(index)"
        guard item.objectValue != nil, let apiVersion = item["apiVersion"]?.stringValue, let kind = item["kind"]?.stringValue else {
            throw KubeScenarioError(message: "\(place): an object needs apiVersion and kind")
        }
        guard let resource = KubeCatalog.resource(apiVersion: apiVersion, kind: kind) else {
            throw KubeScenarioError(message: "\(place): \(kind) (\(apiVersion)) is not a kind the sandbox serves")
        }
        guard let name = item.string("metadata", "name"), !name.isEmpty else {
            throw KubeScenarioError(message: "\(place): \(kind) without metadata.name")
        }
        var object = item
        if resource.namespaced {
            if (object.string("metadata", "namespace") ?? "").isEmpty { object[path: ["metadata", "namespace"]] = .string("default") }
        } else {
            object[path: ["metadata", "namespace"]] = nil
        }
        object[path: ["metadata", "managedFields"]] = nil
        if object.string("metadata", "uid") == nil {
            object[path: ["metadata", "uid"]] = .string(KubeIdentity.uid("scenario/\(objectKey(object))"))
        }
        return object
    }

    static func objectKey(_ object: KubeJSON) -> String {
        "\(object.string("apiVersion") ?? "")/\(object.string("kind") ?? "")/\(object.string("metadata", "namespace") ?? "")/\(object.string("metadata", "name") ?? "")"
    }

    private static func resourceVersion(_ object: KubeJSON) -> Int64 {
        object[path: ["metadata", "resourceVersion"]]?.integerValue ?? 0
    }

    /// ``NOW = `<RFC 3339>` `` in the folder's README.md, if it has one.
    private static func referenceTime(in folder: URL) throws -> Timestamp? {
        let readme = folder.appendingPathComponent("README.md")
        guard let text = try? String(contentsOf: readme, encoding: .utf8), let marker = text.range(of: "NOW = `") else { return nil }
        let rest = text[marker.upperBound...]
        guard let end = rest.firstIndex(of: "`"), let instant = Timestamp(rfc3339: String(rest[..<end])) else {
            throw KubeScenarioError(message: "\(readme.path): NOW = `…` must hold an RFC 3339 time such as 2025-11-18T09:00:00Z")
        }
        return instant
    }
}

/// A scenario that cannot be loaded; `ars-sandbox` exits 1 with this message.
public struct KubeScenarioError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
