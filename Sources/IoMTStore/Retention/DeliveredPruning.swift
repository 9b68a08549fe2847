import IoMTCore

// One way delivered readings leave the store, used by both callers:
// - scheduled retention (`prune`, `pruneIfDue`): everything delivered before `now − deliveredRetentionMilliseconds`;
// - storage pressure (StoragePressure.swift): no cutoff, oldest delivery first, until enough pages are free.
// Only readings whose every delivery row is delivered or delivered-as-duplicate go: a pending,
// held or quarantined row keeps its reading whatever its age — quarantined rows wait for a human.

extension Store {
    /// Rows one pruning transaction deletes at most: short write transactions, so appends are not held up.
    static let pruneChunkRows = 5000
    /// How often the scheduled retention job runs (on the store's clock); it costs two index seeks when nothing expired.
    public static let retentionIntervalMilliseconds: Int64 = 3_600_000

    /// Deletes readings delivered (or set aside as duplicates) to every destination they are queued for, all their
    /// deliveries before `cutoff`, oldest delivery first (per destination), chunk by chunk, until `enough()` says
    /// so or none is left. Candidates come from the partial indexes `delivery_delivered` and `delivery_duplicate`
    /// in (delivered_ms, reading_id) order from a cursor, so no pass sorts or scans the whole table. Returns how
    /// many readings went (their delivery rows, summaries and interpretations go with them by cascade).
    func deleteDeliveredReadings(deliveredBefore cutoff: Int64, until enough: () throws(StoreError) -> Bool) throws(StoreError) -> Int {
        let candidates = try connection.statement("""
            SELECT reading_id, delivered_ms FROM (
                SELECT * FROM (SELECT reading_id, delivered_ms FROM delivery INDEXED BY delivery_delivered
                               WHERE destination = ?1 AND state = \(DeliveryState.delivered.rawValue) AND delivered_ms < ?2
                               AND (delivered_ms, reading_id) > (?3, ?4) ORDER BY delivered_ms, reading_id LIMIT ?5)
                UNION ALL
                SELECT * FROM (SELECT reading_id, delivered_ms FROM delivery INDEXED BY delivery_duplicate
                               WHERE destination = ?1 AND state = \(DeliveryState.duplicate.rawValue) AND delivered_ms < ?2
                               AND (delivered_ms, reading_id) > (?3, ?4) ORDER BY delivered_ms, reading_id LIMIT ?5))
            ORDER BY delivered_ms, reading_id LIMIT ?5
            """)
        let delete = try connection.statement("""
            DELETE FROM readings WHERE id IN (SELECT value FROM json_each(?1))
            AND NOT EXISTS (SELECT 1 FROM delivery o WHERE o.reading_id = readings.id
                            AND (o.state NOT IN (\(DeliveryState.delivered.rawValue), \(DeliveryState.duplicate.rawValue)) OR o.delivered_ms >= ?2))
            """)
        defer { candidates.reset(); delete.reset() }
        var total = 0
        for destination in try destinationsWithDeliveredRows() {
            var after: (deliveredMs: Int64, readingId: Int64) = (.min, .min)
            var exhausted = false
            while !exhausted, try !enough() {
                total += try connection.transaction { () throws(StoreError) -> Int in
                    candidates.reset()
                    try candidates.bind(destination, at: 1)
                    try candidates.bind(cutoff, at: 2)
                    try candidates.bind(after.deliveredMs, at: 3)
                    try candidates.bind(after.readingId, at: 4)
                    try candidates.bind(Store.pruneChunkRows, at: 5)
                    var ids: [Int64] = []
                    while try candidates.step() {
                        ids.append(candidates.int64(0))
                        after = (candidates.int64(1), candidates.int64(0))
                    }
                    candidates.reset()
                    exhausted = ids.count < Store.pruneChunkRows
                    guard !ids.isEmpty else { return 0 }
                    try delete.bind(DeliveryQueue.jsonArray(ids), at: 1)
                    try delete.bind(cutoff, at: 2)
                    try delete.run()
                    return connection.changes
                }
            }
        }
        return total
    }

    /// Destinations that have delivered or duplicate rows, from the counters (DeliveryCounters.swift).
    private func destinationsWithDeliveredRows() throws(StoreError) -> [String] {
        let select = try connection.statement("""
            SELECT DISTINCT destination FROM delivery_counts
            WHERE state IN (\(DeliveryState.delivered.rawValue), \(DeliveryState.duplicate.rawValue)) AND count > 0 ORDER BY destination
            """)
        defer { select.reset() }
        var result: [String] = []
        while try select.step() { result.append(select.text(0) ?? "") }
        return result
    }

    /// Scheduled retention: deletes readings delivered (or set aside as duplicates) to every destination before
    /// `now − deliveredRetentionMilliseconds`, then the dedup-ledger identifiers accepted before that same cutoff —
    /// after the rows, so an identifier never leaves the ledger while the window still covers its acceptance (a
    /// resend inside the window is set aside without upload; after it, DOM's conditional create suppresses it).
    /// Never touches pending, held or quarantined rows. Audited with how many and which window. Returns how many readings went.
    @discardableResult
    public func prune(now: Instant) throws(StoreError) -> Int {
        let retention = configuration.deliveredRetentionMilliseconds
        let cutoff = now.millisecondsSinceEpoch.subtractingSaturated(retention)
        let removed = try deleteDeliveredReadings(deliveredBefore: cutoff) { () throws(StoreError) -> Bool in false }
        let forgotten = try pruneLedger(before: cutoff)
        if removed > 0 || forgotten > 0 {
            try connection.transaction { () throws(StoreError) in
                try auditTrail.record(actor: "store", action: "prune",
                                      detail: "retention: removed \(removed) delivered reading(s) and \(forgotten) dedup-ledger identifier(s) delivered before \(Instant(millisecondsSinceEpoch: cutoff).iso8601) (window \(Store.windowText(retention)))", at: now)
            }
        }
        return removed
    }

    /// The retention job the daemon calls on every storage pass: runs `prune` at most once per
    /// `retentionIntervalMilliseconds` of `now` (the first call always runs). A clock stepped back by more than the
    /// interval does not stall it. Returns nil when it was not due.
    public func pruneIfDue(now: Instant) throws(StoreError) -> Int? {
        if let next = nextRetentionRun, now < next,
           next.millisecondsSinceEpoch.subtractingSaturated(now.millisecondsSinceEpoch) <= Store.retentionIntervalMilliseconds {
            return nil
        }
        let removed = try prune(now: now)
        nextRetentionRun = now.adding(milliseconds: Store.retentionIntervalMilliseconds)
        return removed
    }

    /// "7 days", "36 hours" or "1500 ms": the window as the audit log names it.
    static func windowText(_ milliseconds: Int64) -> String {
        if milliseconds % 86_400_000 == 0 { return "\(milliseconds / 86_400_000) day(s)" }
        if milliseconds % 3_600_000 == 0 { return "\(milliseconds / 3_600_000) hour(s)" }
        return "\(milliseconds) ms"
    }
}
