import FlowMigration
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

    /// Runs the statement once with the parameters `bind` binds — every one of them: the
    /// statement keeps the values of the run before for parameters it leaves out.
    /// - Returns: the number of rows it changed.
    @discardableResult
    func execute(binding bind: (Binder) throws -> Void) throws -> Int {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        try bind(Binder(handle: handle, rows: self))
        let result = sqlite3_step(handle)
        guard result == SQLITE_DONE || result == SQLITE_ROW else { throw error(result) }
        sqlite3_reset(handle)
        return Int(sqlite3_changes(database.sqliteConnection))
    }

    /// Binds values to the parameters of a statement about to run (SQLite copies them).
    struct Binder {
        let handle: OpaquePointer
        let rows: SQLiteRows

        /// The text with its length, not as a C string: a U+0000 inside must not end it.
        func text(_ index: Int32, _ text: String) throws {
            var text = text
            try text.withUTF8 { utf8 in try bytes(index, UnsafeRawBufferPointer(utf8)) }
        }

        /// UTF-8 bytes as text (a message is stored as the text it is).
        func bytes(_ index: Int32, _ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { buffer in try self.bytes(index, buffer) }
        }

        private func bytes(_ index: Int32, _ buffer: UnsafeRawBufferPointer) throws {
            guard let start = buffer.baseAddress, !buffer.isEmpty else {
                return try rows.check(sqlite3_bind_text(handle, index, "", 0, SQLiteRows.transient))
            }
            try rows.check(sqlite3_bind_text(handle, index, start.assumingMemoryBound(to: CChar.self), Int32(buffer.count), SQLiteRows.transient))
        }

        func integer(_ index: Int32, _ number: Int) throws {
            try rows.check(sqlite3_bind_int64(handle, index, Int64(number)))
        }

        func real(_ index: Int32, _ number: Double) throws {
            try rows.check(sqlite3_bind_double(handle, index, number))
        }

        func null(_ index: Int32) throws {
            try rows.check(sqlite3_bind_null(handle, index))
        }
    }

    /// Runs the statement with the parameters `bind` binds (all of them) and calls `row` for
    /// each result row.
    func query(binding bind: (Binder) throws -> Void, row: (RowReader) throws -> Void) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        try bind(Binder(handle: handle, rows: self))
        defer { sqlite3_reset(handle) }
        // One buffer for every row: no reader outlives its row, so it is never copied.
        var types = [Int32](repeating: SQLITE_NULL, count: Int(sqlite3_column_count(handle)))
        while true {
            let result = sqlite3_step(handle)
            if result == SQLITE_DONE { return }
            guard result == SQLITE_ROW else { throw error(result) }
            for column in types.indices { types[column] = sqlite3_column_type(handle, Int32(column)) }
            try row(RowReader(handle: handle, types: types))
        }
    }

    /// The columns of the current row.
    struct RowReader {
        let handle: OpaquePointer
        /// Each column's storage class as the row holds it, read before any value: reading a
        /// value as another type converts it, after which SQLite's own answer is undefined (a
        /// blob read as text then says text).
        let types: [Int32]

        /// The text with its length (a U+0000 inside does not end it).
        func text(_ column: Int32) -> String {
            guard let pointer = sqlite3_column_text(handle, column) else { return "" }
            return String(decoding: UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
        }

        func bytes(_ column: Int32) -> [UInt8] {
            guard let pointer = sqlite3_column_blob(handle, column) else { return [] }
            return Array(UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column))))
        }

        func integer(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
        func real(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
        func optionalText(_ column: Int32) -> String? {
            type(column) == SQLITE_NULL ? nil : text(column)
        }

        /// The column's storage class in the row: `SQLITE_INTEGER`, `SQLITE_FLOAT`, `SQLITE_TEXT`,
        /// `SQLITE_BLOB`, `SQLITE_NULL`.
        func type(_ column: Int32) -> Int32 { types[Int(column)] }

        /// The value for a message: `NULL`, a number, a quoted text (at most 40 characters), or `a blob of N bytes`.
        func quoted(_ column: Int32) -> String {
            switch type(column) {
            case SQLITE_NULL: return "NULL"
            case SQLITE_INTEGER: return String(integer(column))
            case SQLITE_FLOAT: return String(real(column))
            case SQLITE_TEXT:
                let value = text(column)
                return "'\(PrintableText.escaped(value.count > 40 ? String(value.prefix(40)) + "…" : value))' (text)"
            default: return "a blob of \(sqlite3_column_bytes(handle, column)) bytes"
            }
        }
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    fileprivate func check(_ code: Int32) throws {
        if code != SQLITE_OK { throw error(code) }
    }

    private func error(_ code: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(database.sqliteConnection)),
                      sql: statement.sql)
    }
}
