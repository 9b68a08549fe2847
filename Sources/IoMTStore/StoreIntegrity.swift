import CSQLite
import Glibc
import IoMTCore
import IoMTSystem

/// What `iomtctl store check` reports about one store file.
public struct StoreCheckReport: Sendable, Hashable {
    public var path: String
    /// `PRAGMA quick_check` lines ("ok" when healthy), or why the file could not be checked.
    public var integrity: [String]
    public var schemaVersion: Int?
    /// Rows per table (readings, alerts, delivery, …) for the tables that could be counted.
    public var counts: [(table: String, rows: Int)]
    /// The schema version this build writes.
    public var expectedSchemaVersion: Int { Migrations.latestVersion }
    public var healthy: Bool { integrity == ["ok"] && schemaVersion == Migrations.latestVersion }
    public static func == (lhs: StoreCheckReport, rhs: StoreCheckReport) -> Bool {
        lhs.path == rhs.path && lhs.integrity == rhs.integrity && lhs.schemaVersion == rhs.schemaVersion
            && lhs.counts.map(\.table) == rhs.counts.map(\.table) && lhs.counts.map(\.rows) == rhs.counts.map(\.rows)
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(path); hasher.combine(integrity) }
}

/// Store integrity: the check at daemon start (a corrupt file is moved aside, kept for recovery, and a new
/// store started) and the read-only check behind `iomtctl store check`.
public enum StoreIntegrity {
    static let countedTables = ["readings", "delivery", "alerts", "alert_dispatch", "devices", "bindings", "audit"]

    /// Checks a file strictly read-only (beside a running daemon too): quick_check, schema version, row counts.
    public static func check(path: String) -> StoreCheckReport {
        var report = StoreCheckReport(path: path, integrity: [], schemaVersion: nil, counts: [])
        guard FileIO.exists(path) else {
            report.integrity = ["no such file"]
            return report
        }
        do {
            let connection = try SQLiteConnection(readOnlyPath: path)
            sqlite3_busy_timeout(connection.handle, 5000)
            report.schemaVersion = Int(try connection.scalarInt("PRAGMA user_version") ?? 0)
            report.integrity = try quickCheck(connection)
            if report.integrity == ["ok"], let version = report.schemaVersion, version >= 13, let problem = try counterMismatch(connection) {
                report.integrity = [problem]
            }
            for table in countedTables {
                if let rows = try? connection.scalarInt("SELECT count(*) FROM \(table)") { report.counts.append((table, Int(rows))) }
            }
        } catch {
            report.integrity = ["\(error)"]
        }
        return report
    }

    /// Whether the status counters (`delivery_counts`, DeliveryCounters.swift) equal a fresh count of the delivery
    /// rows; the text names the first difference and the fix. A full count: for the check, never for status.
    static func counterMismatch(_ connection: SQLiteConnection) throws(StoreError) -> String? {
        func read(_ sql: String) throws(StoreError) -> [String: Int64] {
            let statement = try connection.statement(sql)
            defer { statement.reset() }
            var result: [String: Int64] = [:]
            while try statement.step() { result[statement.text(0) ?? ""] = statement.int64(1) }
            return result
        }
        let counters = try read("SELECT destination || ' state ' || state, count FROM delivery_counts WHERE count <> 0")
        let rows = try read("SELECT destination || ' state ' || state, count(*) FROM delivery GROUP BY destination, state")
        guard counters != rows else { return nil }
        let key = Set(counters.keys).union(rows.keys).sorted().first { counters[$0] != rows[$0] } ?? ""
        return "delivery_counts (the status counters) differ from the delivery rows: \(key) counted \(counters[key] ?? 0), stored \(rows[key] ?? 0); `iomtctl store recover` copies the rows into a new store, which counts them afresh"
    }

    static func quickCheck(_ connection: SQLiteConnection) throws(StoreError) -> [String] {
        let statement = try connection.statement("PRAGMA quick_check")
        defer { statement.reset() }
        var lines: [String] = []
        while try statement.step() { lines.append(statement.text(0) ?? "") }
        return lines
    }

    /// Opens the daemon's store. A file that is not a database, or fails `PRAGMA quick_check`, is moved aside
    /// (with its -wal and -shm) to `<path>.corrupt-<UTC time>` — kept for `iomtctl store recover` — and a new
    /// store is started in its place. Returns the store and, when one was moved aside, where to.
    /// Other failures (permissions, a read-only file system) are thrown: moving aside would not help.
    public static func openMovingAsideCorrupt(path: String, configuration: StoreConfiguration = StoreConfiguration(),
                                              clock: any WallClock = SystemClock()) throws(StoreError) -> (store: Store, movedAside: String?) {
        let aside = try moveAsideIfCorrupt(path: path, clock: clock)
        return (try Store(path: path, configuration: configuration, clock: clock), aside)
    }

    /// Moves a corrupt file at `path` (with its -wal and -shm) aside; returns where to, nil when it is not corrupt.
    static func moveAsideIfCorrupt(path: String, clock: any WallClock) throws(StoreError) -> String? {
        guard let problem = corruption(path: path) else { return nil }
        let aside = path + ".corrupt-" + compactTime(clock.now())
        for suffix in ["", "-wal", "-shm"] where FileIO.exists(path + suffix) {
            guard rename(path + suffix, aside + suffix) == 0 else {
                throw .open(path: path, message: "corrupt (\(problem)) and cannot be moved aside to \(aside)\(suffix): \(Errno.text(errno))")
            }
        }
        Log.error("store \(path) is corrupt (\(problem)); moved aside to \(aside) for recovery (iomtctl store recover --from \(aside)), starting a new store", "store")
        return aside
    }

    /// Why the file at `path` is corrupt, or nil when it is healthy, absent, or fails for another reason.
    private static func corruption(path: String) -> String? {
        guard FileIO.exists(path) else { return nil }
        do {
            let connection = try SQLiteConnection(path: path)
            sqlite3_busy_timeout(connection.handle, 5000)
            let lines = try quickCheck(connection)
            return lines == ["ok"] ? nil : lines.prefix(3).joined(separator: "; ")
        } catch {
            guard case let .sqlite(code, message, _) = error, [SQLITE_CORRUPT, SQLITE_NOTADB].contains(code & 0xff) else { return nil }
            return message
        }
    }

    /// 20261204T123456Z: sortable, no characters a shell or a file manager trips over.
    static func compactTime(_ time: Instant) -> String {
        String(time.iso8601.filter { $0 != "-" && $0 != ":" }.prefix(15)) + "Z"
    }
}
