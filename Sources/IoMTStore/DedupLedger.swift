import IoMTCore

// Devices with a memory (CMS50 "stored data", blood-pressure cuffs, glucose meters) resend readings already
// delivered when they are reconnected. The ledger records, per destination, the PHD conditional-create
// identifier of every reading that destination *accepted* (the identifier DOM itself deduplicates on). A pending
// row whose identifier is in the ledger is a duplicate: it is marked delivered-as-duplicate (state 3, audited,
// counted apart from delivered) instead of being uploaded. Nothing else is ever set aside: no comparison of
// device clocks decides anything, so a clock stepped back, a changed UTC offset or a memory download arriving
// newest-first cannot make a new reading look delivered.
//
// Identifiers enter the ledger in the transaction that marks their rows delivered, and leave it after the
// delivered rows of the same retention window (`prune`, DeliveredPruning.swift); pruning under storage pressure
// keeps them. A resend older than the window goes to DOM again, where conditional create still suppresses it.

/// A row about to be uploaded, with the identifier its destination deduplicates on.
public struct LedgerCandidate: Sendable, Hashable {
    public var id: Int64
    public var identifier: String
    public init(id: Int64, identifier: String) { self.id = id; self.identifier = identifier }
}

extension Store {
    /// Marks the candidates whose identifier `destination` already accepted as delivered-as-duplicate and
    /// returns their ids. One audit entry per call that set rows aside (no identifiers in it: they carry patient ids).
    public func setAsideDuplicates(_ candidates: [LedgerCandidate], destination: String, at time: Instant) throws(StoreError) -> [Int64] {
        guard !candidates.isEmpty else { return [] }
        let duplicates = try connection.transaction { () throws(StoreError) -> [Int64] in
            let check = try connection.statement("SELECT reading_id FROM delivery_ledger WHERE destination = ?1 AND identifier = ?2")
            let update = try connection.statement("""
                UPDATE delivery SET state = \(DeliveryState.duplicate.rawValue), delivered_ms = ?1, last_error_kind = 'duplicate',
                       last_error_message = ?4
                WHERE reading_id = ?2 AND destination = ?3 AND state = 0
                """)
            defer { check.reset(); update.reset() }
            var duplicates: [Int64] = []
            for candidate in candidates {
                check.reset()
                try check.bind(destination, at: 1)
                try check.bind(candidate.identifier, at: 2)
                guard try check.step() else { continue }
                let original = check.int64(0)
                check.reset()
                guard original != candidate.id else { continue }
                update.reset()
                try update.bind(time.millisecondsSinceEpoch, at: 1)
                try update.bind(candidate.id, at: 2)
                try update.bind(destination, at: 3)
                try update.bind("identifier already accepted by \(destination) with reading \(original); not uploaded", at: 4)
                try update.run()
                if connection.changes > 0 { duplicates.append(candidate.id) }
            }
            if !duplicates.isEmpty {
                try insertAudit(actor: "forwarder", action: "duplicate",
                                detail: "\(duplicates.count) reading(s) for \(destination) whose identifier \(destination) had already accepted, marked delivered-as-duplicate without upload",
                                at: time)
            }
            return duplicates
        }
        backlog[destination, default: 0] -= duplicates.count
        return duplicates
    }

    /// Records the identifiers of rows just marked delivered; call inside markDelivered's transaction.
    func recordInLedger(readingIds: [Int64], identifiers: [Int64: String], destination: String, at time: Instant) throws(StoreError) {
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

    /// Whether `destination` accepted a reading with this identifier (within the retention window); for tests and iomtctl.
    public func ledgerContains(_ identifier: String, destination: String) throws(StoreError) -> Bool {
        let select = try connection.statement("SELECT 1 FROM delivery_ledger WHERE destination = ?1 AND identifier = ?2")
        defer { select.reset() }
        try select.bind(destination, at: 1)
        try select.bind(identifier, at: 2)
        return try select.step()
    }

    /// Drops ledger entries older than the cutoff, in chunks; called by `prune`.
    func pruneLedger(before cutoff: Int64) throws(StoreError) -> Int {
        var total = 0
        while true {
            let removed = try connection.transaction { () throws(StoreError) -> Int in
                let delete = try connection.statement("""
                    DELETE FROM delivery_ledger WHERE (destination, identifier) IN (
                        SELECT destination, identifier FROM delivery_ledger INDEXED BY delivery_ledger_age WHERE accepted_ms < ?1 LIMIT 5000)
                    """)
                defer { delete.reset() }
                try delete.bind(cutoff, at: 1)
                try delete.run()
                return connection.changes
            }
            total += removed
            if removed < 5000 { return total }
        }
    }
}
