import GRDB
import GRDBSQLite

/// The hot loops of ``SQLiteFlowStore`` — writing and reading thousands of rows per batch —
/// bind and read columns through SQLite's C API on GRDB's prepared statements: GRDB's generic
/// argument and row types cost more than SQLite itself at these rates. Everything else uses GRDB.
struct SQLiteRows {
    let statement: Statement
    let database: Database

    init(_ sql: String, in database: Database) throws {
        statement = try database.cachedStatement(sql: sql)
        self.database = database
    }

    /// A value to bind.
    enum Value {
        case text(String)
        case bytes([UInt8])
        case integer(Int)
        case real(Double)
        case null
    }

    /// Runs the statement once with `values` bound to `?1`, `?2`, …
    /// - Returns: the number of rows it changed.
    @discardableResult
    func execute(_ values: [Value]) throws -> Int {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (position, value) in values.enumerated() {
            let index = Int32(position + 1)
            let code: Int32
            switch value {
            case .text(let text): code = sqlite3_bind_text(handle, index, text, -1, Self.transient)
            case .bytes(let bytes) where bytes.isEmpty:
                code = sqlite3_bind_text(handle, index, "", 0, Self.transient)
            case .bytes(let bytes):
                // SQLite copies the bytes (transient).
                code = bytes.withUnsafeBytes { buffer in
                    sqlite3_bind_text(handle, index, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(buffer.count), Self.transient)
                }
            case .integer(let number): code = sqlite3_bind_int64(handle, index, Int64(number))
            case .real(let number): code = sqlite3_bind_double(handle, index, number)
            case .null: code = sqlite3_bind_null(handle, index)
            }
            try check(code)
        }
        let result = sqlite3_step(handle)
        guard result == SQLITE_DONE || result == SQLITE_ROW else { throw error(result) }
        sqlite3_reset(handle)
        return database.changesCount
    }

    /// Runs the statement with `values` bound and calls `row` for each result row.
    func query(_ values: [Value], row: (RowReader) throws -> Void) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (position, value) in values.enumerated() {
            let index = Int32(position + 1)
            switch value {
            case .text(let text): try check(sqlite3_bind_text(handle, index, text, -1, Self.transient))
            case .integer(let number): try check(sqlite3_bind_int64(handle, index, Int64(number)))
            case .real(let number): try check(sqlite3_bind_double(handle, index, number))
            case .bytes, .null: try check(sqlite3_bind_null(handle, index))
            }
        }
        defer { sqlite3_reset(handle) }
        while true {
            let result = sqlite3_step(handle)
            if result == SQLITE_DONE { return }
            guard result == SQLITE_ROW else { throw error(result) }
            try row(RowReader(handle: handle))
        }
    }

    /// The columns of the current row.
    struct RowReader {
        let handle: OpaquePointer

        func text(_ column: Int32) -> String {
            sqlite3_column_text(handle, column).map { String(cString: $0) } ?? ""
        }

        func bytes(_ column: Int32) -> [UInt8] {
            guard let pointer = sqlite3_column_blob(handle, column) else { return [] }
            return Array(UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column))))
        }

        func integer(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
        func real(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
        func optionalText(_ column: Int32) -> String? {
            sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : text(column)
        }
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private func check(_ code: Int32) throws {
        if code != SQLITE_OK { throw error(code) }
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(database.sqliteConnection)),
                      sql: statement.sql)
    }
}
