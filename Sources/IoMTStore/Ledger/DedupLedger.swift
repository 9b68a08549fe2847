import IoMTCore

// Devices with a memory (CMS50 "stored data", blood-pressure cuffs, glucose meters) resend readings already
// delivered when they are reconnected. The ledger records, per destination, the PHD conditional-create
// identifier of every reading that destination *accepted* (the identifier DOM itself deduplicates on). A pending
// row whose identifier is in the ledger is a duplicate: it is marked delivered-as-duplicate (`DeliveryState.duplicate`, audited,
// counted apart from delivered) instead of being uploaded. Nothing else is ever set aside: no comparison of
// device clocks decides anything, so a clock stepped back, a changed UTC offset or a memory download arriving
// newest-first cannot make a new reading look delivered.
//
// Identifiers enter the ledger in the transaction that marks their rows delivered, and leave it after the
// delivered rows of the same retention window (`prune`, Retention/DeliveredPruning.swift); pruning under storage pressure
// keeps them. A resend older than the window goes to DOM again, where conditional create still suppresses it.

/// A row about to be uploaded, with the identifier its destination deduplicates on.
public struct LedgerCandidate: Sendable, Hashable {
    public var id: Int64
    public var identifier: String
    public init(id: Int64, identifier: String) { self.id = id; self.identifier = identifier }
}

/// The ledger table `delivery_ledger`: per destination, the identifiers it accepted. One of the store's concerns: it
/// owns its SQL and works on the store's connection inside the `Store` actor; `Store` opens the transactions.
final class DedupLedger {
    let connection: SQLiteConnection

    init(connection: SQLiteConnection) { self.connection = connection }

    /// The reading `destination` accepted with this identifier (within the retention window), if any.
    func acceptedReading(identifier: String, destination: String) throws(StoreError) -> Int64? {
        let check = try connection.statement("SELECT reading_id FROM delivery_ledger WHERE destination = ?1 AND identifier = ?2")
        defer { check.reset() }
        try check.bind(destination, at: 1)
        try check.bind(identifier, at: 2)
        return try check.step() ? check.int64(0) : nil
    }

    /// Records the identifiers of rows just marked delivered; call inside markDelivered's transaction.
    func record(readingIds: [Int64], identifiers: [Int64: String], destination: String, at time: Instant) throws(StoreError) {
        guard !readingIds.isEmpty, !identifiers.isEmpty else { return }
        let insert = try connection.statement("""
            INSERT INTO delivery_ledger (destination, identifier, reading_id, accepted_ms) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT (destination, identifier) DO UPDATE SET accepted_ms = excluded.accepted_ms
            """)
        defer { insert.reset() }
        for id in readingIds {
            guard let identifier = identifiers[id] else { continue }
            insert.reset()
            try insert.bind(destination, at: 1)
            try insert.bind(identifier, at: 2)
            try insert.bind(id, at: 3)
            try insert.bind(time.millisecondsSinceEpoch, at: 4)
            try insert.run()
        }
    }

    /// Drops up to `limit` entries accepted before the cutoff (one chunk); returns how many. Inside a transaction.
    func pruneChunk(before cutoff: Int64, limit: Int) throws(StoreError) -> Int {
        let delete = try connection.statement("""
            DELETE FROM delivery_ledger WHERE (destination, identifier) IN (
                SELECT destination, identifier FROM delivery_ledger INDEXED BY delivery_ledger_age WHERE accepted_ms < ?1 LIMIT ?2)
            """)
        defer { delete.reset() }
        try delete.bind(cutoff, at: 1)
        try delete.bind(limit, at: 2)
        try delete.run()
        return connection.changes
    }
}
