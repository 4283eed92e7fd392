import Foundation

/// A parsed JSON document for assertions: subscripts never trap, a missing member reads `.missing`.
enum JSON: Sendable, Equatable, Decodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])
    case missing

    /// Parses bytes; `.missing` when they are not JSON.
    init(data: Data) {
        self = (try? JSONDecoder().decode(JSON.self, from: data)) ?? .missing
    }

    subscript(_ key: String) -> JSON {
        if case .object(let members) = self { return members[key] ?? .missing }
        return .missing
    }

    subscript(_ index: Int) -> JSON {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return .missing
    }

    var string: String? { if case .string(let value) = self { return value } else { return nil } }
    var int: Int? { if case .number(let value) = self { return Int(exactly: value) } else { return nil } }
    var bool: Bool? { if case .bool(let value) = self { return value } else { return nil } }
    var array: [JSON] { if case .array(let items) = self { return items } else { return [] } }
    var isNull: Bool { self == .null }
    var keys: Set<String> { if case .object(let members) = self { return Set(members.keys) } else { return [] } }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        case .array(let items): "[\(items.map(\.description).joined(separator: ","))]"
        case .object(let members): "{\(members.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ","))}"
        case .missing: "<missing>"
        }
    }
}
