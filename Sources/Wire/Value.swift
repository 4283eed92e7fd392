import FoundationEssentials

/// A structured result: what every command returns, what scripts bind, and what printers render.
///
/// Objects keep their keys in insertion order, so `-o json` and `-o yaml` print fields in the
/// order a command (or a server) produced them.
public enum Value: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    case object(Object)
}

// MARK: - Ordered object

/// An ordered map from keys to values.
public struct Object: Sendable, Equatable, Sequence {
    public private(set) var keys: [String] = []
    /// `values[i]` belongs to `keys[i]`; iterating walks the two arrays (no hashing, no boxing).
    private var values: [Value] = []
    private var positions: [String: Int] = [:]

    public init() {}

    public init(_ pairs: [(String, Value)]) {
        for (key, value) in pairs { self[key] = value }
    }

    /// Reading a missing key gives nil; assigning nil removes the key; assigning an existing key
    /// keeps its position.
    public subscript(key: String) -> Value? {
        get { positions[key].map { values[$0] } }
        set {
            if let newValue {
                if let position = positions[key] {
                    values[position] = newValue
                } else {
                    positions[key] = keys.count
                    keys.append(key)
                    values.append(newValue)
                }
            } else if let position = positions.removeValue(forKey: key) {
                keys.remove(at: position)
                values.remove(at: position)
                for index in position..<keys.count { positions[keys[index]] = index }
            }
        }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public struct Iterator: IteratorProtocol {
        fileprivate let keys: [String]
        fileprivate let values: [Value]
        fileprivate var index = 0

        public mutating func next() -> (key: String, value: Value)? {
            guard index < keys.count else { return nil }
            defer { index += 1 }
            return (keys[index], values[index])
        }
    }

    public func makeIterator() -> Iterator { Iterator(keys: keys, values: values) }

    public var underestimatedCount: Int { keys.count }

    public static func == (lhs: Object, rhs: Object) -> Bool {
        lhs.keys == rhs.keys && lhs.values == rhs.values
    }
}

// MARK: - Literals

extension Value: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: Value...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, Value)...) { self = .object(Object(elements)) }
}

// MARK: - Accessors

extension Value {
    /// Builds an object value from ordered pairs; pairs whose value is nil are left out.
    public static func object(_ pairs: KeyValuePairs<String, Value?>) -> Value {
        var object = Object()
        for (key, value) in pairs { if let value { object[key] = value } }
        return .object(object)
    }

    /// Wraps an optional string: nil becomes `.null`.
    public static func optional(_ string: String?) -> Value { string.map(Value.string) ?? .null }

    /// Wraps an optional flag: nil becomes `.null`.
    public static func optional(_ bool: Bool?) -> Value { bool.map(Value.bool) ?? .null }

    /// Wraps an optional number: nil becomes `.null`.
    public static func optional(_ int: Int?) -> Value { int.map(Value.int) ?? .null }

    /// A copy of this object with `key` set (added at the end when new); other values unchanged.
    public func setting(_ key: String, _ newValue: Value) -> Value {
        guard var object = objectValue else { return self }
        object[key] = newValue
        return .object(object)
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 9e15: return Int(d)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    public var arrayValue: [Value]? { if case .array(let a) = self { return a } else { return nil } }
    public var objectValue: Object? { if case .object(let o) = self { return o } else { return nil } }

    /// Field access on objects; nil for anything else.
    public subscript(key: String) -> Value? { objectValue?[key] }

    /// The name of this value's type, as used in error messages and `.ars` scripts.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int: "int"
        case .double: "number"
        case .string: "string"
        case .array: "list"
        case .object: "object"
        }
    }

    /// A short plain-text form: strings as they are, scalars as literals, containers as compact JSON.
    public var plainText: String {
        switch self {
        case .null: ""
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): JSON.format(double: d)
        case .string(let s): s
        case .array, .object: JSON.encode(self, pretty: false)
        }
    }
}
