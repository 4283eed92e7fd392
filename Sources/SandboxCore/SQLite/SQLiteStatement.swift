@preconcurrency import CSQLite

/// A prepared statement. Owned by one `SQLiteConnection` and used only from the isolation
/// domain that owns that connection.
final class SQLiteStatement {
    private let handle: OpaquePointer
    private let connection: OpaquePointer
    let sql: String

    init(connection: OpaquePointer, sql: String) throws {
        var handle: OpaquePointer?
        let code = sqlite3_prepare_v2(connection, sql, -1, &handle, nil)
        guard code == SQLITE_OK, let handle else {
            sqlite3_finalize(handle)
            throw SQLiteError(connection: connection, code: code, sql: sql)
        }
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: - Running

    /// Binds `parameters` to `?1…?N`, steps through every row and resets the statement so it
    /// can be reused. Text is copied by SQLite, never borrowed.
    func run(_ parameters: [SQLiteValue]) throws -> [SQLiteRow] {
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        try bind(parameters)
        var rows: [SQLiteRow] = []
        let names = columnNames()
        while true {
            let code = sqlite3_step(handle)
            switch code {
            case SQLITE_ROW:
                rows.append(SQLiteRow(columns: names, values: (0..<Int32(names.count)).map(column)))
            case SQLITE_DONE:
                return rows
            default:
                throw SQLiteError(connection: connection, code: code, sql: sql)
            }
        }
    }

    // MARK: - Binding and reading

    private func bind(_ parameters: [SQLiteValue]) throws {
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == parameters.count else {
            throw SQLiteError(code: SQLITE_RANGE, message: "statement takes \(expected) parameters, got \(parameters.count)", sql: sql)
        }
        for (offset, value) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .real(let number): code = sqlite3_bind_double(handle, index, number)
            case .text(let text): code = sqlite3_bind_text(handle, index, text, -1, csqlite_transient())
            }
            guard code == SQLITE_OK else { throw SQLiteError(connection: connection, code: code, sql: sql) }
        }
    }

    private func columnNames() -> [String] {
        (0..<sqlite3_column_count(handle)).map { index in
            // NULL only when SQLite is out of memory.
            sqlite3_column_name(handle, index).map { String(cString: $0) } ?? "column\(index)"
        }
    }

    private func column(_ index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_NULL: return .null
        default: return sqlite3_column_text(handle, index).map { .text(String(cString: $0)) } ?? .null
        }
    }
}
