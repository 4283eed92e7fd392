import Foundation
import Yams

/// YAML encoding and decoding of `Value`, with 1-based source positions for error messages.
public enum YAML {
    /// A position in a source text: 1-based line and column (columns count Unicode scalars).
    public struct Position: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public init(line: Int, column: Int) { self.line = line; self.column = column }
        public var description: String { "\(line):\(column)" }
    }

    /// A YAML syntax or structure error at a position.
    public struct SyntaxError: Error, Sendable, Equatable {
        public var message: String
        public var position: Position
    }

    /// A decoded document plus where each mapping key and each value came from, keyed by the
    /// value path (`nodes.G14.lanes.v01.namespace`, `items[2].name`; the root is `""`).
    public struct Document: Sendable {
        public var value: Value
        public var keyPositions: [String: Position]
        public var valuePositions: [String: Position]

        /// The best position to report for a path: the key if it has one, else the value.
        public func position(of path: String) -> Position? { keyPositions[path] ?? valuePositions[path] }
    }

    // MARK: - Decoding

    /// Decodes the first document of a YAML text; an empty text decodes to `.null`.
    public static func decode(_ text: String) throws(SyntaxError) -> Value {
        try decodeDocument(text).value
    }

    /// Decodes the first document with source positions.
    public static func decodeDocument(_ text: String) throws(SyntaxError) -> Document {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { throw syntaxError(error, text: text) }
        var document = Document(value: .null, keyPositions: [:], valuePositions: [:])
        if let node { document.value = try convert(node, path: "", into: &document) }
        return document
    }

    /// Decodes every document of a multi-document YAML stream (`---` separated).
    public static func decodeAll(_ text: String) throws(SyntaxError) -> [Document] {
        var documents: [Document] = []
        do {
            // The sequence stores a syntax error instead of throwing it; check after the loop.
            var nodes = try Yams.compose_all(yaml: text)
            while let node = nodes.next() {
                var document = Document(value: .null, keyPositions: [:], valuePositions: [:])
                document.value = try convert(node, path: "", into: &document)
                documents.append(document)
            }
            if let error = nodes.error { throw error }
        } catch let error as SyntaxError {
            throw error
        } catch {
            throw syntaxError(error, text: text)
        }
        return documents
    }

    private static func syntaxError(_ error: any Error, text: String) -> SyntaxError {
        if let yamlError = error as? YamlError {
            switch yamlError {
            case .duplicatedKeysInMapping(let duplicates, let context):
                let key = duplicates.sorted().first ?? ""
                return SyntaxError(message: "duplicate key '\(key)'", position: secondOccurrence(of: key, in: text, after: context.mark))
            case .scanner(let context, let problem, let mark, _),
                .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                let message = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
                return SyntaxError(message: message, position: Position(line: mark.line, column: mark.column))
            default:
                break
            }
        }
        return SyntaxError(message: "\(error)", position: Position(line: 1, column: 1))
    }

    /// Where a duplicated key appears for the second time at the same indentation, searching from
    /// the mapping's start (Yams reports only the mapping).
    private static func secondOccurrence(of key: String, in text: String, after mark: Mark) -> Position {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var seen = 0
        // Yams counts lines at `\r`, NEL, LS and PS too, so its line can lie past the last `\n` line.
        for index in min(max(0, mark.line - 1), lines.count)..<lines.count {
            let line = lines[index]
            let trimmed = line.drop { $0 == " " || $0 == "-" }
            for prefix in [key + ":", "\"\(key)\":", "'\(key)':"] where trimmed.hasPrefix(prefix) {
                seen += 1
                if seen == 2 { return Position(line: index + 1, column: line.count - trimmed.count + 1) }
            }
        }
        return Position(line: mark.line, column: mark.column)
    }

    private static func position(_ mark: Mark?) -> Position {
        Position(line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    private static func convert(_ node: Node, path: String, into document: inout Document) throws(SyntaxError) -> Value {
        document.valuePositions[path] = position(node.mark)
        switch node {
        case .scalar(let scalar):
            return scalarValue(scalar, node: node)
        case .sequence(let sequence):
            var items: [Value] = []
            for (index, child) in sequence.enumerated() {
                items.append(try convert(child, path: "\(path)[\(index)]", into: &document))
            }
            return .array(items)
        case .mapping(let mapping):
            var object = Object()
            for (keyNode, child) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    throw SyntaxError(message: "mapping keys must be plain scalars", position: position(keyNode.mark))
                }
                let key = keyScalar.string
                if object[key] != nil {
                    throw SyntaxError(message: "duplicate key '\(key)'", position: position(keyNode.mark))
                }
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                document.keyPositions[childPath] = position(keyNode.mark)
                object[key] = try convert(child, path: childPath, into: &document)
            }
            return .object(object)
        case .alias:
            throw SyntaxError(message: "YAML aliases are not supported here; write the value out", position: position(node.mark))
        }
    }

    private static func scalarValue(_ scalar: Node.Scalar, node: Node) -> Value {
        guard scalar.style == .plain else { return .string(scalar.string) }
        // YAML 1.1 base-60 numbers (`1:30` = 90) surprise people and overflow in Yams' parser
        // (found by fuzzing); like YAML 1.2, read anything with a colon as text.
        if scalar.string.contains(":") { return .string(scalar.string) }
        if node.null != nil { return .null }
        if let bool = node.bool { return .bool(bool) }
        if let int = node.int { return .int(int) }
        if let double = node.float { return .double(double) }
        return .string(scalar.string)
    }

    // MARK: - Encoding

    /// Encodes a value as a block-style YAML document.
    public static func encode(_ value: Value) -> String {
        var out = ""
        switch value {
        case .array(let items) where !items.isEmpty: writeSequence(items, indent: 0, into: &out)
        case .object(let object) where !object.isEmpty: writeMapping(object, indent: 0, into: &out)
        default: out = inline(value) + "\n"
        }
        return out
    }

    private static func writeMapping(_ object: Object, indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent)
        for (key, value) in object {
            out += pad + scalarString(key) + ":"
            writeNested(value, indent: indent, into: &out)
        }
    }

    private static func writeSequence(_ items: [Value], indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent)
        for item in items {
            switch item {
            case .object(let object) where !object.isEmpty:
                // First field on the dash line, the rest aligned under it.
                var nested = ""
                writeMapping(object, indent: indent + 1, into: &nested)
                out += pad + "- " + nested.dropFirst(pad.count + 2)
            case .array(let inner) where !inner.isEmpty:
                out += pad + "-\n"
                writeSequence(inner, indent: indent + 1, into: &out)
            default:
                out += pad + "-"
                writeNested(item, indent: indent, into: &out)
            }
        }
    }

    private static func writeNested(_ value: Value, indent: Int, into out: inout String) {
        switch value {
        case .object(let object) where !object.isEmpty:
            out += "\n"
            writeMapping(object, indent: indent + 1, into: &out)
        case .array(let items) where !items.isEmpty:
            out += "\n"
            writeSequence(items, indent: indent + 1, into: &out)
        case .string(let s) where isBlockCandidate(s):
            out += " |-\n"
            let pad = String(repeating: "  ", count: indent + 1)
            for line in s.split(separator: "\n", omittingEmptySubsequences: false) {
                out += line.isEmpty ? "\n" : pad + line + "\n"
            }
        default:
            out += " " + inline(value) + "\n"
        }
    }

    private static func isBlockCandidate(_ s: String) -> Bool {
        s.contains("\n") && !s.hasSuffix("\n") && !s.hasPrefix(" ")
            && !s.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F }
    }

    private static func inline(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): d.isNaN ? ".nan" : d.isInfinite ? (d > 0 ? ".inf" : "-.inf") : JSON.format(double: d)
        case .string(let s): scalarString(s)
        case .array: "[]"
        case .object: "{}"
        }
    }

    /// A string as a YAML scalar: plain when it cannot be misread, double-quoted otherwise.
    static func scalarString(_ s: String) -> String {
        needsQuotes(s) ? JSON.encode(.string(s)) : s
    }

    private static func needsQuotes(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return true }
        if first == " " || last == " " { return true }
        if "-?:,[]{}#&*!|>'\"%@`~".unicodeScalars.contains(first) { return true }
        if s.contains(": ") || s.contains(" #") || s.hasSuffix(":") { return true }
        if s.unicodeScalars.contains(where: {
            $0.value < 0x20 || $0.value == 0x7F || $0 == "\u{85}" || $0 == "\u{2028}" || $0 == "\u{2029}" || $0 == "\u{FEFF}"
        }) {
            return true
        }
        // Anything YAML 1.1/1.2 would read as null, bool or number.
        let lowered = s.lowercased()
        if ["null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", ".nan", ".inf", "-.inf", "+.inf"].contains(lowered) {
            return true
        }
        if Double(s) != nil || Int(s) != nil { return true }
        if s.hasPrefix("0x") || s.hasPrefix("0o") || s.hasPrefix("0b") { return true }
        if s.range(of: #"^[-+]?[0-9][0-9_:.eE+-]*$"#, options: .regularExpression) != nil { return true }
        return false
    }
}
