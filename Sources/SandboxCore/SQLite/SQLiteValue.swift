/// A value bound to a statement parameter or read from a result column.
enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    /// The text, or nil when the value is not text.
    var text: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    /// The integer, or nil when the value is not an integer.
    var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }
}

// MARK: - Conversions

extension SQLiteValue {
    /// Text, or null for nil.
    init(_ value: String?) {
        self = value.map { .text($0) } ?? .null
    }

    /// An integer from a Swift `Int`.
    init(_ value: Int) {
        self = .integer(Int64(value))
    }
}

/// One result row: its values by column position and by column name.
struct SQLiteRow: Sendable {
    let columns: [String]
    let values: [SQLiteValue]

    /// The value of the named column (null when the row has no such column).
    subscript(_ name: String) -> SQLiteValue {
        guard let index = columns.firstIndex(of: name) else { return .null }
        return values[index]
    }
}
