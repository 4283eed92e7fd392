/// A path into a value: `a.b[0].c`, `items[-1]`, `labels["app.kubernetes.io/name"]`.
public struct ValuePath: Sendable, Equatable, CustomStringConvertible {
    public enum Component: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component]) { self.components = components }

    /// Parses the textual form; throws with the column (1-based) of the first bad character.
    public init(parsing text: String) throws(PathError) {
        var components: [Component] = []
        let chars = Array(text)
        var i = 0
        func fail(_ message: String) -> PathError { PathError(message: message, column: i + 1, path: text) }
        func readKey() throws(PathError) -> String {
            let start = i
            while i < chars.count, chars[i] != ".", chars[i] != "[" { i += 1 }
            guard i > start else { throw fail("expected a field name") }
            return String(chars[start..<i])
        }
        if chars.isEmpty { throw fail("empty path") }
        if chars[0] != "[" { components.append(.key(try readKey())) }
        while i < chars.count {
            if chars[i] == "." {
                i += 1
                components.append(.key(try readKey()))
            } else if chars[i] == "[" {
                i += 1
                if i < chars.count, chars[i] == "\"" {
                    i += 1
                    let start = i
                    while i < chars.count, chars[i] != "\"" { i += 1 }
                    guard i < chars.count else { throw fail("unterminated quoted key") }
                    components.append(.key(String(chars[start..<i])))
                    i += 1
                } else {
                    let start = i
                    while i < chars.count, chars[i] != "]" { i += 1 }
                    guard let index = Int(String(chars[start..<i])) else {
                        i = start
                        throw fail("expected an index or a quoted key inside [ ]")
                    }
                    components.append(.index(index))
                }
                guard i < chars.count, chars[i] == "]" else { throw fail("expected ']'") }
                i += 1
            } else {
                throw fail("expected '.' or '['")
            }
        }
        self.components = components
    }

    public var description: String {
        var out = ""
        for component in components {
            switch component {
            case .key(let key) where key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }):
                out += out.isEmpty ? key : "." + key
            case .key(let key): out += "[\"\(key)\"]"
            case .index(let index): out += "[\(index)]"
            }
        }
        return out
    }
}

/// A malformed value path.
public struct PathError: Error, Sendable, Equatable {
    public var message: String
    public var column: Int
    public var path: String
}

extension Value {
    /// The value at `path`, or nil when any step is missing. Negative indexes count from the end.
    public subscript(path path: ValuePath) -> Value? {
        var current = self
        for component in path.components {
            switch (component, current) {
            case (.key(let key), .object(let object)):
                guard let next = object[key] else { return nil }
                current = next
            case (.index(let index), .array(let items)):
                let resolved = index < 0 ? items.count + index : index
                guard items.indices.contains(resolved) else { return nil }
                current = items[resolved]
            default:
                return nil
            }
        }
        return current
    }

    /// Convenience: looks up a textual path; nil when the path is malformed or missing.
    public func lookup(_ path: String) -> Value? {
        guard let parsed = try? ValuePath(parsing: path) else { return nil }
        return self[path: parsed]
    }
}
