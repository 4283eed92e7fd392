import Foundation

/// The patch formats of `PATCH` requests: JSON merge patch (RFC 7386), strategic merge patch
/// (served as a merge patch without the `$` directives), and JSON patch (RFC 6902).
enum KubePatch {
    enum Format: Sendable {
        case merge, strategic, json

        /// The format a `Content-Type` names, nil when it is not one the sandbox applies.
        init?(contentType: String) {
            let media = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            switch media {
            case "application/merge-patch+json": self = .merge
            case "application/strategic-merge-patch+json": self = .strategic
            case "application/json-patch+json": self = .json
            default: return nil
            }
        }
    }

    /// Applies `patch` (the request body) to `target`.
    static func apply(_ format: Format, patch: KubeJSON, to target: KubeJSON) throws(KubeStatus) -> KubeJSON {
        switch format {
        case .merge:
            guard patch.objectValue != nil else { throw KubeStatus.badRequest("a merge patch must be a JSON object") }
            return merge(patch, into: target)
        case .strategic:
            guard patch.objectValue != nil else { throw KubeStatus.badRequest("a strategic merge patch must be a JSON object") }
            return merge(withoutDirectives(patch), into: target)
        case .json:
            guard let operations = patch.arrayValue else { throw KubeStatus.badRequest("a JSON patch must be an array of operations") }
            var document = target
            for (index, operation) in operations.enumerated() {
                document = try applyOperation(operation, index: index, to: document)
            }
            return document
        }
    }

    // MARK: - Merge patch

    /// RFC 7386: objects merge member by member, `null` removes, anything else replaces.
    static func merge(_ patch: KubeJSON, into target: KubeJSON) -> KubeJSON {
        guard case .object(let changes) = patch else { return patch }
        var members = target.objectValue ?? [:]
        for (key, value) in changes {
            if value.isNull {
                members.removeValue(forKey: key)
            } else {
                members[key] = merge(value, into: members[key] ?? .null)
            }
        }
        return .object(members)
    }

    /// Drops strategic-merge directives (`$patch`, `$retainKeys`, `$setElementOrder/…`,
    /// `$deleteFromPrimitiveList/…`) so the rest applies as a merge patch.
    private static func withoutDirectives(_ value: KubeJSON) -> KubeJSON {
        switch value {
        case .object(let members):
            var kept: [String: KubeJSON] = [:]
            for (key, member) in members where !key.hasPrefix("$") { kept[key] = withoutDirectives(member) }
            return .object(kept)
        case .array(let items):
            return .array(items.map(withoutDirectives))
        default:
            return value
        }
    }

    // MARK: - JSON patch

    private static func applyOperation(_ operation: KubeJSON, index: Int, to document: KubeJSON) throws(KubeStatus) -> KubeJSON {
        guard let op = operation["op"]?.stringValue, let path = operation["path"]?.stringValue else {
            throw KubeStatus.badRequest("JSON patch operation \(index) needs \"op\" and \"path\"")
        }
        let pointer = try pointerTokens(path)
        switch op {
        case "add":
            guard let value = operation["value"] else { throw KubeStatus.badRequest("JSON patch operation \(index) (add) needs \"value\"") }
            return try add(value, at: pointer, in: document, path: path)
        case "remove":
            return try remove(at: pointer, in: document, path: path).document
        case "replace":
            guard let value = operation["value"] else {
                throw KubeStatus.badRequest("JSON patch operation \(index) (replace) needs \"value\"")
            }
            let removed = try remove(at: pointer, in: document, path: path).document
            return try add(value, at: pointer, in: removed, path: path)
        case "move", "copy":
            guard let from = operation["from"]?.stringValue else {
                throw KubeStatus.badRequest("JSON patch operation \(index) (\(op)) needs \"from\"")
            }
            let source = try pointerTokens(from)
            guard let value = value(at: source, in: document) else { throw KubeStatus.unprocessable("JSON patch: \(from) does not exist") }
            let base = op == "move" ? try remove(at: source, in: document, path: from).document : document
            return try add(value, at: pointer, in: base, path: path)
        case "test":
            guard let expected = operation["value"], value(at: pointer, in: document) == expected else {
                throw KubeStatus.unprocessable("JSON patch test at \(path) failed")
            }
            return document
        default:
            throw KubeStatus.badRequest("JSON patch operation \(index): unknown op \"\(op)\"")
        }
    }

    private static func pointerTokens(_ path: String) throws(KubeStatus) -> [String] {
        guard !path.isEmpty else { return [] }
        guard path.hasPrefix("/") else { throw KubeStatus.badRequest("JSON pointer \"\(path)\" must start with /") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func value(at pointer: [String], in document: KubeJSON) -> KubeJSON? {
        var current = document
        for token in pointer {
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let items):
                guard let position = Int(token), items.indices.contains(position) else { return nil }
                current = items[position]
            default:
                return nil
            }
        }
        return current
    }

    private static func add(_ value: KubeJSON, at pointer: [String], in document: KubeJSON, path: String) throws(KubeStatus) -> KubeJSON {
        guard let token = pointer.first else { return value }
        let rest = Array(pointer.dropFirst())
        switch document {
        case .object(var members):
            if rest.isEmpty {
                members[token] = value
            } else {
                guard let child = members[token] else { throw KubeStatus.unprocessable("JSON patch: the parent of \(path) does not exist") }
                members[token] = try add(value, at: rest, in: child, path: path)
            }
            return .object(members)
        case .array(var items):
            if rest.isEmpty {
                if token == "-" {
                    items.append(value)
                } else {
                    guard let position = Int(token), (0...items.count).contains(position) else {
                        throw KubeStatus.unprocessable("JSON patch: index \(token) of \(path) is out of range")
                    }
                    items.insert(value, at: position)
                }
            } else {
                guard let position = Int(token), items.indices.contains(position) else {
                    throw KubeStatus.unprocessable("JSON patch: index \(token) of \(path) is out of range")
                }
                items[position] = try add(value, at: rest, in: items[position], path: path)
            }
            return .array(items)
        default:
            throw KubeStatus.unprocessable("JSON patch: the parent of \(path) is not an object or array")
        }
    }

    private static func remove(at pointer: [String], in document: KubeJSON, path: String) throws(KubeStatus) -> (
        document: KubeJSON, removed: KubeJSON
    ) {
        guard let token = pointer.first else { throw KubeStatus.unprocessable("JSON patch: cannot remove the whole document") }
        let rest = Array(pointer.dropFirst())
        switch document {
        case .object(var members):
            guard let child = members[token] else { throw KubeStatus.unprocessable("JSON patch: \(path) does not exist") }
            if rest.isEmpty {
                members.removeValue(forKey: token)
                return (.object(members), child)
            }
            let (updated, removed) = try remove(at: rest, in: child, path: path)
            members[token] = updated
            return (.object(members), removed)
        case .array(var items):
            guard let position = Int(token), items.indices.contains(position) else {
                throw KubeStatus.unprocessable("JSON patch: index \(token) of \(path) is out of range")
            }
            if rest.isEmpty {
                let removed = items.remove(at: position)
                return (.array(items), removed)
            }
            let (updated, removed) = try remove(at: rest, in: items[position], path: path)
            items[position] = updated
            return (.array(items), removed)
        default:
            throw KubeStatus.unprocessable("JSON patch: \(path) does not exist")
        }
    }
}
