import CSQLite
import IoMTCore

/// A store whose file cannot be opened at start (read-only file system, a directory that cannot be created or
/// written): the daemon keeps running on an empty, read-only stand-in — every read answers empty, every write
/// throws the open error — and `reopen()` swaps in the real file once it can be written.
extension Store {
    /// An in-memory stand-in for the store at `path`, which could not be opened because of `error`.
    public init(standInFor path: String, error: StoreError, configuration: StoreConfiguration = StoreConfiguration(),
                clock: any WallClock = SystemClock()) throws(StoreError) {
        let connection = try SQLiteConnection(path: ":memory:")
        let version = try Migrations.migrate(connection)
        try connection.execute("PRAGMA query_only=ON") // a write that slips past `unavailableError` still fails
        try self.init(connection: connection, version: version, configuration: configuration, clock: clock, standingInFor: path, unavailable: error)
    }

    /// Opens the real file (a corrupt one is moved aside first, as at start) and makes it this store's.
    /// Returns where a corrupt file went, and the alert engine's saved state as the file held it — read before anything
    /// the stand-in staged can be written over it. Throws while the file still cannot be written.
    /// Only a stand-in reopens; an open store returns nil at once.
    public func reopen() throws(StoreError) -> StoreReopened? {
        guard unavailableError != nil, let path = standInPath else { return nil }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex { // a state directory that could not be created at start
            do { try FileIO.createDirectory(String(path[..<slash])) } catch { throw .open(path: path, message: "\(error)") }
        }
        let aside = try StoreIntegrity.moveAsideIfCorrupt(path: path, clock: clock)
        let (opened, version) = try Store.openWritable(path: path)
        // The stand-in never committed a row, so nothing cached from it is kept: the concerns start afresh on the file.
        let concerns = try Store.concerns(on: opened, configuration: configuration, clock: clock)
        let used = try Store.usedBytes(opened)
        let pages = try opened.scalarInt("PRAGMA page_size") ?? 4096
        connection = opened
        migratedVersion = version
        (readingTable, deliveryQueue, bindingBook, alertJournal, engineStateTable, auditTrail, dedupLedger, deviceMarks) = concerns
        pageSize = pages
        commitsSinceStorageMeasurement = 0
        rowsSinceStorageMeasurement = 0
        storageUsedBytes = used
        refusingForSpace = used >= configuration.storage.maxBytes
        unavailableError = nil
        publishBindings() // the stand-in had none
        Log.notice("store \(path) opened: it can be written again", "store")
        let saved = StoreReopened(movedAside: aside, alertEngineState: try? alertEngineState(), alertEngineJournal: (try? alertEngineJournal()) ?? [])
        if !waiting.isEmpty || !waitingAlerts.isEmpty || stagedEngineState != nil || !stagedEngineEvents.isEmpty { scheduleFlush() }
        return saved
    }
}

/// What `Store.reopen` found in the file it opened.
public struct StoreReopened: Sendable {
    /// Where a corrupt file was moved aside (nil: none was).
    public var movedAside: String?
    /// The alert engine's state saved before the start that could not open the file (nil: none, or unreadable).
    public var alertEngineState: SavedAlertEngineState?
    public var alertEngineJournal: [JournalledAlertEvent]
}
