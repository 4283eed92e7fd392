import FoundationEssentials

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

    /// Decodes the only document of a YAML text with source positions; a second document is an
    /// error (use `decodeAll` for streams).
    public static func decodeDocument(_ text: String) throws(SyntaxError) -> Document {
        let events = YAMLEvents(text)
        guard let first = try events.nextDocument() else { return Document(value: .null, keyPositions: [:], valuePositions: [:]) }
        if let second = try events.nextDocumentStart() {
            throw SyntaxError(message: "expected a single document in the stream: but found another document", position: second)
        }
        return first
    }

    /// Decodes every document of a multi-document YAML stream (`---` separated).
    public static func decodeAll(_ text: String) throws(SyntaxError) -> [Document] {
        let events = YAMLEvents(text)
        var documents: [Document] = []
        while let document = try events.nextDocument() { documents.append(document) }
        return documents
    }

    /// A plain scalar read the way YAML 1.1 (and Yams, which ars used before) reads it: null,
    /// bool, int (with `0x`, `0o`, `0b` and a leading-`0` octal), float, else text. Anything with
    /// a colon is text: YAML 1.1's base-60 numbers (`1:30` = 90) surprise people.
    static func plainScalar(_ string: String) -> Value {
        if string.contains(":") { return .string(string) }
        switch string {
        case "", "~", "null", "Null", "NULL": return .null
        default: break
        }
        switch string.lowercased() {
        case "true", "yes", "on": return .bool(true)
        case "false", "no", "off": return .bool(false)
        case ".inf", "+.inf": return .double(.infinity)
        case "-.inf": return .double(-.infinity)
        case ".nan": return .double(.nan)
        default: break
        }
        let digits = string.contains("_") ? String(string.filter { $0 != "_" }) : string
        if let int = integer(digits) { return .int(int) }
        if let double = Double(digits) { return .double(double) }
        return .string(string)
    }

    /// `0`, a signed decimal, or a signed `0x`/`0b`/`0o`/`0` (octal) number that fits an `Int`.
    private static func integer(_ text: String) -> Int? {
        if text == "0" { return 0 }
        let negative = text.hasPrefix("-")
        let unsigned = text.dropFirst(negative || text.hasPrefix("+") ? 1 : 0)
        for (prefix, radix) in [("0x", 16), ("0b", 2), ("0o", 8), ("0", 8)] where unsigned.hasPrefix(prefix) {
            return Int((negative ? "-" : "") + unsigned.dropFirst(prefix.count), radix: radix)
        }
        return Int(text)
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
        // `[-+]?[0-9][0-9_:.eE+-]*`: what YAML 1.1 could read as a (base-60) number.
        let bytes = s.utf8
        let body = bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") ? bytes.dropFirst() : bytes[...]
        guard let head = body.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(head) else { return false }
        return body.allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "_:.eE+-".utf8.contains(byte)
        }
    }
}
