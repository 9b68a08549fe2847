import CSQLite
import IoMTCore

/// The durable store. One actor owns the write connection; `append` returns only after the
/// transaction holding its rows has committed (WAL, synchronous=FULL) — that is the acknowledgement.
///
/// `Store` is the façade: it opens, configures and migrates the file, runs the group commit, reopens after a failed
/// start, and routes each call to the concern that owns its tables — `Readings/` (`ReadingTable`), `Delivery/`
/// (`DeliveryQueue`), `Alerts/` (`AlertJournal`, `AlertEngineStateTable`), `Bindings/` (`BindingBook`), `Audit/`
/// (`AuditTrail`), `Ledger/` (`DedupLedger`, `DeviceMarks`); `Retention/` prunes and relieves the disk bound. A call
/// that spans concerns (a reading with its delivery rows, a binding moving rows between held and pending, a delivery
/// with its ledger entries and audit) is one SQLite transaction opened here.
public actor Store {
    /// Replaced once, by `reopen()`, when the store started as a stand-in (StoreReopen.swift).
    var connection: SQLiteConnection
    let configuration: StoreConfiguration
    let clock: any WallClock
    var migratedVersion: Int
    /// Why the store file could not be opened, while this store is an empty read-only stand-in for it
    /// (StoreReopen.swift); nil when the file is open.
    var unavailableError: StoreError?
    public var unavailable: String? { unavailableError?.description }
    /// The file a stand-in stands for.
    var standInPath: String?
    /// Schema version after migrations.
    public var schemaVersion: Int { migratedVersion }

    // The concerns: each owns its tables' SQL and works on `connection` inside this actor's isolation; the store opens
    // the transactions (one per call, or the group commit's) and routes the public API to them. Replaced together,
    // with the connection, by `reopen()` (StoreReopen.swift).
    var readingTable: ReadingTable
    var deliveryQueue: DeliveryQueue
    var bindingBook: BindingBook
    var alertJournal: AlertJournal
    var engineStateTable: AlertEngineStateTable
    var auditTrail: AuditTrail
    var dedupLedger: DedupLedger
    var deviceMarks: DeviceMarks
    /// Told every binding after each change (Bindings/Store+Bindings.swift, `observeBindings`).
    var bindingsObserver: (@Sendable ([PatientBinding]) -> Void)?

    // Group commit state.
    var waiting: [PendingAppend] = []
    /// Alerts to store in the next group-commit transaction (AlertGroupCommit.swift).
    var waitingAlerts: [PendingAlerts] = []
    /// The alert engine's latest state, written by the next group commit (Alerts/Store+AlertEngineState.swift).
    var stagedEngineState: StagedAlertEngineState?
    /// Alert events decided since the last engine write, journalled with the next state (Alerts/Store+AlertEngineState.swift).
    var stagedEngineEvents: [JournalledAlertEvent] = []
    var waitingRows = 0
    var flushScheduled = false
    /// Transactions that committed appended readings (one per group commit); for tests and metrics.
    var committedAppendTransactions = 0
    public var appendCommits: Int { committedAppendTransactions }
    /// Pages in use after the last commit or relief pass, and whether the disk bound makes `append` refuse
    /// (StoragePressure.swift).
    var storageUsedBytes: Int64 = 0
    var refusingForSpace = false
    /// The database's page size (fixed once the file exists: WAL mode cannot change it), so a measurement reads
    /// two header fields, not three.
    var pageSize: Int64 = 4096
    /// Group commits since pages were last counted, and how many times they were (StoragePressure.swift).
    var commitsSinceStorageMeasurement = 0
    var rowsSinceStorageMeasurement = 0
    var storageMeasurements = 0
    /// When the scheduled retention job runs next (DeliveredPruning.swift); nil: at its first call.
    var nextRetentionRun: Instant?
    public var storageState: (usedBytes: Int64, limitBytes: Int64, refusing: Bool) {
        (storageUsedBytes, configuration.storage.maxBytes, refusingForSpace)
    }
    /// Times a row was moved ahead in the delivery queue (an alert priority set); a reader-ahead compares it.
    var queueJumpCount = 0
    public var queueJumps: Int { queueJumpCount }

    public init(path: String, configuration: StoreConfiguration = StoreConfiguration(), clock: any WallClock = SystemClock()) throws(StoreError) {
        let (connection, version) = try Store.openWritable(path: path)
        try self.init(connection: connection, version: version, configuration: configuration, clock: clock, measuringStorage: true)
    }

    /// Every store is made here, on an opened connection: the stand-in of StoreReopen.swift (`standingInFor`, `unavailable`),
    /// the writable file (`measuringStorage`: the disk bound is checked from the first append), the read-only inspection.
    init(connection: SQLiteConnection, version: Int, configuration: StoreConfiguration, clock: any WallClock,
         standingInFor path: String? = nil, unavailable: StoreError? = nil, measuringStorage: Bool = false) throws(StoreError) {
        self.standInPath = path
        self.unavailableError = unavailable
        self.connection = connection
        self.migratedVersion = version
        self.configuration = configuration
        self.clock = clock
        (readingTable, deliveryQueue, bindingBook, alertJournal, engineStateTable, auditTrail, dedupLedger, deviceMarks) =
            try Store.concerns(on: connection, configuration: configuration, clock: clock)
        if measuringStorage {
            let pageSize = try connection.scalarInt("PRAGMA page_size") ?? 4096
            let used = try Store.usedBytes(connection)
            self.pageSize = pageSize
            self.storageUsedBytes = used
            self.refusingForSpace = used >= configuration.storage.maxBytes
        }
    }

    /// Opens an existing store strictly read-only for inspection (`iomtctl status`): no migration, no pragma
    /// that writes, no file created; works beside a running iomtd. Writing through it fails with SQLITE_READONLY.
    public init(readOnlyPath path: String, configuration: StoreConfiguration = StoreConfiguration(), clock: any WallClock = SystemClock()) throws(StoreError) {
        guard FileIO.exists(path) else { throw .open(path: path, message: "no such file") }
        let connection = try SQLiteConnection(readOnlyPath: path)
        sqlite3_busy_timeout(connection.handle, 5000)
        let version = Int(try connection.scalarInt("PRAGMA user_version") ?? 0)
        guard version == Migrations.latestVersion else {
            throw .open(path: path, message: "schema version \(version), this build reads version \(Migrations.latestVersion); run the matching iomtd once (it migrates the store) or use the matching iomtctl")
        }
        try self.init(connection: connection, version: version, configuration: configuration, clock: clock)
    }

    /// The concerns on one connection, with their caches loaded from it (the order of `Store`'s properties).
    static func concerns(on connection: SQLiteConnection, configuration: StoreConfiguration, clock: any WallClock) throws(StoreError)
        -> (ReadingTable, DeliveryQueue, BindingBook, AlertJournal, AlertEngineStateTable, AuditTrail, DedupLedger, DeviceMarks) {
        let readings = ReadingTable(connection: connection)
        let delivery = try DeliveryQueue(connection: connection, readings: readings, destinations: configuration.destinations)
        return (readings, delivery, try BindingBook(connection: connection, delivery: delivery), AlertJournal(connection: connection),
                AlertEngineStateTable(connection: connection), AuditTrail(connection: connection), DedupLedger(connection: connection),
                DeviceMarks(connection: connection, clock: clock))
    }

    /// Opens (creating when absent), configures and migrates the file at `path` for writing.
    static func openWritable(path: String) throws(StoreError) -> (SQLiteConnection, Int) {
        let connection = try SQLiteConnection(path: path)
        try Store.configure(connection)
        return (connection, try Migrations.migrate(connection))
    }

    /// Pragmas every connection needs; WAL is checked because SQLite silently keeps the old mode
    /// when it cannot switch (e.g. a file system without shared memory).
    static func configure(_ connection: SQLiteConnection) throws(StoreError) {
        sqlite3_busy_timeout(connection.handle, 5000)
        // SQLite falls back to read-only when it cannot write the file (read-only mount, permissions); such a
        // connection stays read-only after the cause is fixed, so it is refused here and opened again later.
        if sqlite3_db_readonly(connection.handle, "main") == 1 {
            throw .open(path: connection.path, message: "opened read-only (read-only file system or file permissions); iomtd must write it: remount read-write or fix ownership (chown iomtd)")
        }
        let mode = try connection.scalarText("PRAGMA journal_mode=WAL")
        guard mode?.lowercased() == "wal" else {
            throw .open(path: connection.path, message: "journal_mode is \(mode ?? "unknown"), expected wal; put the store on a local file system (not NFS/tmpfs without shm)")
        }
        let synchronous = TestOnlySynchronousOverride.requested ?? (name: "FULL", level: 2)
        try connection.execute("PRAGMA synchronous=\(synchronous.name); PRAGMA foreign_keys=ON")
        guard try connection.scalarInt("PRAGMA synchronous") == synchronous.level, try connection.scalarInt("PRAGMA foreign_keys") == 1 else {
            throw .open(path: connection.path, message: "SQLite refused synchronous=\(synchronous.name) or foreign_keys=ON")
        }
    }

    /// Largest per-destination backlog, counting rows queued for the next group commit.
    var undeliveredIncludingQueued: Int {
        guard !configuration.destinations.isEmpty else { return 0 }
        return configuration.destinations.map { deliveryQueue.backlog[$0, default: 0] }.max()! + waitingRows
    }

    /// PRAGMA integrity_check result ("ok" when healthy).
    public func integrityCheck() throws(StoreError) -> String {
        let statement = try connection.statement("PRAGMA integrity_check")
        defer { statement.reset() }
        var lines: [String] = []
        while try statement.step() { lines.append(statement.text(0) ?? "") }
        return lines.joined(separator: "\n")
    }

    /// Copies WAL content into the main file (PASSIVE: never blocks readers); for shutdown and tests.
    public func checkpoint() throws(StoreError) {
        try connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    }
}
