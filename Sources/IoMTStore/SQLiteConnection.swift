import CSQLite
import IoMTCore

/// SQLite asks for SQLITE_TRANSIENT (a sentinel destructor) to copy bound text/blobs; the C macro is not imported.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One SQLite connection with a prepared-statement cache. Not Sendable: owned by one actor (or one thread).
final class SQLiteConnection {
    let path: String
    private(set) var handle: OpaquePointer?
    private var statements: [String: SQLiteStatement] = [:]

    convenience init(path: String) throws(StoreError) {
        try self.init(path: path, name: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      hint: "check that the directory exists and is writable")
    }

    /// Opens an existing file strictly read-only (SQLITE_OPEN_READONLY) and creates no file. While a writer
    /// holds the database its -wal and -shm exist and are shared, so committed rows still in the WAL are seen.
    /// Without them (no writer; a clean close removes both) a read-only open would create them, so the file is
    /// opened `immutable=1` instead: nothing to share, nothing created.
    convenience init(readOnlyPath path: String) throws(StoreError) {
        let shared = FileIO.exists(path + "-wal") && FileIO.exists(path + "-shm")
        try self.init(path: path, name: shared ? path : "file:" + Self.uriPath(path) + "?immutable=1",
                      flags: SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | (shared ? 0 : SQLITE_OPEN_URI),
                      hint: "check that the file exists and is readable")
    }

    /// `name` is what SQLite opens (the path, or a URI naming it); a failure names `path` and `hint`s what to check.
    private init(path: String, name: String, flags: Int32, hint: String) throws(StoreError) {
        self.path = path
        var db: OpaquePointer?
        let code = sqlite3_open_v2(name, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw .open(path: path, message: "\(message) (SQLite code \(code)); \(hint)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    /// A file name as a URI path: '%', '?' and '#' would otherwise end or escape it.
    private static func uriPath(_ path: String) -> String {
        var result = ""
        for character in path.unicodeScalars {
            switch character {
            case "%": result += "%25"
            case "?": result += "%3f"
            case "#": result += "%23"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    deinit {
        for statement in statements.values { statement.finalize() }
        statements.removeAll()
        if let handle { sqlite3_close_v2(handle) }
    }

    var lastErrorMessage: String { handle.map { String(cString: sqlite3_errmsg($0)) } ?? "closed" }

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Runs one or more statements without results (DDL, BEGIN/COMMIT).
    func execute(_ sql: String) throws(StoreError) {
        var errorPointer: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &errorPointer)
        if code != SQLITE_OK {
            let message = errorPointer.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(errorPointer)
            throw .sqlite(code: code, message: message, statement: sql)
        }
    }

    /// A cached prepared statement, reset and with bindings cleared, ready to bind.
    func statement(_ sql: String) throws(StoreError) -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard code == SQLITE_OK, let raw else {
            throw .sqlite(code: code, message: lastErrorMessage, statement: sql)
        }
        let statement = SQLiteStatement(raw: raw, sql: sql, connection: self)
        statements[sql] = statement
        return statement
    }

    /// First column of the first row as text (PRAGMA results).
    func scalarText(_ sql: String) throws(StoreError) -> String? {
        let statement = try statement(sql)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.text(0)
    }

    func scalarInt(_ sql: String) throws(StoreError) -> Int64? {
        let statement = try statement(sql)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.int64(0)
    }

    /// Virtual-machine steps the cached statements ran since the last call (SQLITE_STMTSTATUS_VM_STEP), then
    /// zeroed: a measure of work that grows with the rows a query visits, for tests that a query does not scan.
    func takeVirtualMachineSteps() -> Int {
        statements.values.reduce(0) { $0 + $1.takeVirtualMachineSteps() }
    }

    /// Runs `body` inside BEGIN IMMEDIATE … COMMIT; rolls back when it throws.
    func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

/// A prepared statement with typed binding (1-based indexes, as in SQLite) and typed column reads (0-based).
final class SQLiteStatement {
    private let raw: OpaquePointer
    let sql: String
    private unowned let connection: SQLiteConnection

    init(raw: OpaquePointer, sql: String, connection: SQLiteConnection) {
        self.raw = raw; self.sql = sql; self.connection = connection
    }

    func finalize() { sqlite3_finalize(raw) }

    func takeVirtualMachineSteps() -> Int { Int(sqlite3_stmt_status(raw, SQLITE_STMTSTATUS_VM_STEP, 1)) }

    func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    private func check(_ code: Int32) throws(StoreError) {
        if code != SQLITE_OK { throw .sqlite(code: code, message: connection.lastErrorMessage, statement: sql) }
    }

    func bind(_ value: Int64, at index: Int32) throws(StoreError) { try check(sqlite3_bind_int64(raw, index, value)) }
    func bind(_ value: Int, at index: Int32) throws(StoreError) { try check(sqlite3_bind_int64(raw, index, Int64(value))) }
    func bind(_ value: Int64?, at index: Int32) throws(StoreError) {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }
    func bind(_ value: Double?, at index: Int32) throws(StoreError) {
        if let value { try check(sqlite3_bind_double(raw, index, value)) } else { try bindNull(at: index) }
    }
    func bind(_ value: String, at index: Int32) throws(StoreError) {
        var text = value
        let code = text.withUTF8 { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return sqlite3_bind_text(raw, index, "", 0, sqliteTransient) }
            return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                sqlite3_bind_text(raw, index, $0, Int32(buffer.count), sqliteTransient)
            }
        }
        try check(code)
    }
    func bind(_ value: String?, at index: Int32) throws(StoreError) {
        if let value { try bind(value, at: index) } else { try bindNull(at: index) }
    }
    func bind(_ bytes: [UInt8], at index: Int32) throws(StoreError) {
        // An empty array has no base address; bind a zero-length blob so it does not read back as NULL.
        let code = bytes.withUnsafeBytes { buffer in
            buffer.baseAddress == nil || buffer.isEmpty
                ? sqlite3_bind_zeroblob(raw, index, 0)
                : sqlite3_bind_blob(raw, index, buffer.baseAddress, Int32(buffer.count), sqliteTransient)
        }
        try check(code)
    }
    func bindNull(at index: Int32) throws(StoreError) { try check(sqlite3_bind_null(raw, index)) }

    /// Advances; true when a row is available, false when done.
    @discardableResult
    func step() throws(StoreError) -> Bool {
        let code = sqlite3_step(raw)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw .sqlite(code: code, message: connection.lastErrorMessage, statement: sql)
    }

    /// Steps a statement that returns no rows, then resets it.
    func run() throws(StoreError) {
        defer { sqlite3_reset(raw) }
        try step()
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(raw, column) == SQLITE_NULL }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(raw, column) }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(raw, column)) }
    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }
    func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : sqlite3_column_double(raw, column) }
    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(raw, column) else { return nil }
        let count = Int(sqlite3_column_bytes(raw, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }
    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(raw, column))
        guard count > 0, let pointer = sqlite3_column_blob(raw, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
