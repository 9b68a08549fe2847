import CSQLite
import IoMTCore

/// `iomtctl store recover`: copies every row still readable from a damaged store into a new store file.
/// Table by table in one statement; a table that fails part-way is copied again in rowid ranges, and a range
/// that fails row by row, so one bad page costs only the rows on it. Columns both schemas have are copied
/// (a moved-aside store may be of an older version); row ids are kept, so alerts still point at their readings.
public enum StoreRecovery {
    public struct TableResult: Sendable, Hashable {
        public var name: String
        public var copied: Int
        /// Rows (or, for a table without row ids, the whole table) that could not be read.
        public var unreadable: Int
    }
    public struct Result: Sendable, Hashable { public var tables: [TableResult] }

    static let chunk: Int64 = 500
    /// Tables the new store derives from the rows copied (DeliveryCounters.swift).
    static let derivedTables: Set<String> = ["delivery_counts"]

    public static func copyReadable(from source: String, to destination: String) throws(StoreError) -> Result {
        do { _ = try Store(path: destination) } // creates the file at the current schema; closed again here
        let connection = try SQLiteConnection(path: destination)
        try connection.execute("PRAGMA foreign_keys=OFF")
        let attach = try connection.statement("ATTACH DATABASE ? AS damaged")
        try attach.bind(source, at: 1)
        try attach.run()
        let tables = try names(connection, "SELECT name FROM main.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
        let sourceTables = Set((try? names(connection, "SELECT name FROM damaged.sqlite_schema WHERE type = 'table'")) ?? [])
        var result = Result(tables: [])
        // Counters are not copied: the triggers count the delivery rows that could be read as they are inserted.
        for table in tables where sourceTables.contains(table) && !derivedTables.contains(table) {
            let wanted = Set(try names(connection, "SELECT name FROM pragma_table_info('\(table)', 'main')"))
            let columns = ((try? names(connection, "SELECT name FROM pragma_table_info('\(table)', 'damaged')")) ?? [])
                .filter { wanted.contains($0) }.map { "\"\($0)\"" }.joined(separator: ", ")
            guard !columns.isEmpty else { continue }
            let copy = "INSERT OR IGNORE INTO main.\"\(table)\" (\(columns)) SELECT \(columns) FROM damaged.\"\(table)\""
            result.tables.append(copyTable(table, copy: copy, connection: connection))
        }
        try connection.execute("DETACH DATABASE damaged")
        return result
    }

    private static func copyTable(_ table: String, copy: String, connection: SQLiteConnection) -> TableResult {
        var outcome = TableResult(name: table, copied: 0, unreadable: 0)
        if (try? connection.execute(copy)) != nil {
            outcome.copied = connection.changes
            return outcome
        }
        // Part of the table is unreadable: ranges of row ids, then single rows in a failing range.
        guard let low = try? connection.scalarInt("SELECT min(rowid) FROM damaged.\"\(table)\""),
              let high = try? connection.scalarInt("SELECT max(rowid) FROM damaged.\"\(table)\"") else {
            outcome.unreadable = 1 // WITHOUT ROWID, or its root page is gone: nothing more to try
            return outcome
        }
        var start = low
        while start <= high {
            let end = start > high - chunk ? high : start + chunk - 1
            if (try? connection.execute(copy + " WHERE rowid BETWEEN \(start) AND \(end)")) != nil {
                outcome.copied += connection.changes
            } else {
                for rowid in start...end {
                    if (try? connection.execute(copy + " WHERE rowid = \(rowid)")) != nil { outcome.copied += connection.changes } else { outcome.unreadable += 1 }
                }
            }
            if end == high { break }
            start = end + 1
        }
        return outcome
    }

    private static func names(_ connection: SQLiteConnection, _ sql: String) throws(StoreError) -> [String] {
        let statement = try connection.statement(sql)
        defer { statement.reset() }
        var result: [String] = []
        while try statement.step() { result.append(statement.text(0) ?? "") }
        return result
    }
}
