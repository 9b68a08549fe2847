import IoMTCore

/// Delivery states in `delivery.state`.
enum DeliveryState: Int {
    case pending = 0, delivered = 1, quarantined = 2
    /// Delivered-as-duplicate: its identifier had already been accepted (DedupLedger.swift); never uploaded.
    case duplicate = 3
    /// Held: no patient is attributed to the reading (no binding covered its time, or its time is not trusted for
    /// attribution). Never offered to a destination; a binding that attributes it puts it in the queue, one that
    /// takes its patient away holds it again (Reattribution.swift). Never pruned or evicted: it waits for a human.
    case held = 4
}

extension Store {
    /// One UPDATE for the whole batch (ids travel as one JSON array through json_each): a row-by-row
    /// UPDATE was a statement per observation on the drain's hot path. RETURNING names the rows that were
    /// still pending, and only their `identifiers` (the conditional-create identifier the destination accepted)
    /// enter the dedup ledger, in the same transaction.
    public func markDelivered(_ ids: [Int64], identifiers: [Int64: String] = [:], destination: String, at time: Instant) throws(StoreError) {
        guard !ids.isEmpty else { return }
        let changed = try connection.transaction { () throws(StoreError) -> Int in
            let update = try connection.statement("""
                UPDATE delivery SET state = 1, delivered_ms = ?1
                WHERE destination = ?2 AND state = 0 AND reading_id IN (SELECT value FROM json_each(?3))
                RETURNING reading_id
                """)
            defer { update.reset() }
            try update.bind(time.millisecondsSinceEpoch, at: 1)
            try update.bind(destination, at: 2)
            try update.bind(Store.jsonArray(ids), at: 3)
            var changedIds: [Int64] = []
            while try update.step() { changedIds.append(update.int64(0)) }
            update.reset()
            try recordInLedger(readingIds: changedIds, identifiers: identifiers, destination: destination, at: time)
            let success = try connection.statement("""
                INSERT INTO destinations (destination, last_success_ms) VALUES (?1, ?2)
                ON CONFLICT (destination) DO UPDATE SET last_success_ms = max(coalesce(last_success_ms, 0), excluded.last_success_ms)
                """)
            try success.bind(destination, at: 1)
            try success.bind(time.millisecondsSinceEpoch, at: 2)
            try success.run()
            return changedIds.count
        }
        backlog[destination, default: 0] -= changed
    }

    /// `[1,2,3]`: ids for json_each.
    static func jsonArray(_ ids: [Int64]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    /// Records a failed attempt (kind: "http-500", "timeout", "connect", …) without giving up on the rows.
    public func recordFailure(_ ids: [Int64], destination: String, kind: String, message: String, at time: Instant) throws(StoreError) {
        guard !ids.isEmpty else { return }
        try connection.transaction { () throws(StoreError) in
            let changed = try updatePending(ids, destination: destination,
                                            set: "attempts = attempts + 1, last_error_kind = ?3, last_error_message = ?4", to: [kind, message])
            let count = try connection.statement("""
                INSERT INTO delivery_failures (destination, kind, count) VALUES (?1, ?2, ?3)
                ON CONFLICT (destination, kind) DO UPDATE SET count = count + excluded.count
                """)
            try count.bind(destination, at: 1)
            try count.bind(kind, at: 2)
            try count.bind(changed, at: 3)
            try count.run()
        }
    }

    /// Moves rows out of the delivery queue with the server's reason; visible through iomtctl.
    public func quarantine(_ ids: [Int64], destination: String, reason: String, at time: Instant) throws(StoreError) {
        guard !ids.isEmpty else { return }
        let changed = try connection.transaction { () throws(StoreError) -> Int in
            let changed = try updatePending(ids, destination: destination,
                                            set: "state = 2, last_error_kind = 'quarantined', last_error_message = ?3", to: [reason])
            try insertAudit(actor: "store", action: "quarantine",
                            detail: "\(changed) reading(s) for \(destination): \(reason)", at: time)
            return changed
        }
        backlog[destination, default: 0] -= changed
    }

    /// Sets `assignments` (whose values are ?3, ?4, … from `values`) on each of `ids` still pending for `destination`,
    /// row by row as a failure arrives (a repeated id counts again); returns the rows changed.
    private func updatePending(_ ids: [Int64], destination: String, set assignments: String, to values: [String]) throws(StoreError) -> Int {
        let update = try connection.statement("UPDATE delivery SET \(assignments) WHERE reading_id = ?1 AND destination = ?2 AND state = 0")
        var changed = 0
        for id in ids {
            update.reset()
            try update.bind(id, at: 1)
            try update.bind(destination, at: 2)
            for (offset, value) in values.enumerated() { try update.bind(value, at: Int32(3 + offset)) }
            try update.run()
            changed += connection.changes
        }
        return changed
    }

    /// Rows set aside, oldest first, with why: quarantined ones with the reason they were refused, held ones (no
    /// patient) with what attributes them — both wait for a human, so one listing shows both.
    public func quarantined(destination: String, limit: Int) throws(StoreError) -> [(StoredObservation, String)] {
        let select = try connection.statement("""
            SELECT \(Store.readingColumns), d.attempts, d.last_error_message, d.state FROM (
                SELECT reading_id FROM delivery INDEXED BY delivery_quarantined WHERE destination = ?1 AND state = \(DeliveryState.quarantined.rawValue)
                UNION ALL
                SELECT reading_id FROM delivery INDEXED BY delivery_held WHERE destination = ?1 AND state = \(DeliveryState.held.rawValue)
                ORDER BY reading_id LIMIT ?2) aside
            JOIN delivery d ON d.reading_id = aside.reading_id AND d.destination = ?1
            JOIN readings r ON r.id = d.reading_id
            ORDER BY d.reading_id
            """)
        defer { select.reset() }
        try select.bind(destination, at: 1)
        try select.bind(limit, at: 2)
        var result: [(StoredObservation, String)] = []
        while try select.step() {
            let row = try storedObservation(from: select, hasAttempts: true)
            guard select.int(17) == DeliveryState.held.rawValue else { result.append((row, select.text(16) ?? "")); continue }
            let attributable = row.observation.status.isDisjoint(with: StatusFlag.timeNotAttributable)
            result.append((row, attributable ? Store.heldBackReason : Store.untrustedTimeReason))
        }
        return result
    }

    public func stats(destination: String) throws(StoreError) -> DeliveryStats {
        // Oldest = smallest pending id: one seek per priority band of delivery_pending (4 bands), no extra index.
        let oldest = try connection.statement("""
            SELECT r.received_ms FROM readings r WHERE r.id = (
                SELECT min(first) FROM (
                    SELECT (SELECT reading_id FROM delivery INDEXED BY delivery_pending
                            WHERE destination = ?1 AND state = 0 AND priority_rank = band.rank
                            ORDER BY reading_id LIMIT 1) AS first
                    FROM (SELECT 0 AS rank UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) band))
            """)
        defer { oldest.reset() }
        try oldest.bind(destination, at: 1)
        let oldestUndelivered = try oldest.step() ? Instant(millisecondsSinceEpoch: oldest.int64(0)) : nil

        let success = try connection.statement("SELECT last_success_ms FROM destinations WHERE destination = ?")
        defer { success.reset() }
        try success.bind(destination, at: 1)
        let lastSuccess = try success.step() ? success.optionalInt64(0).map(Instant.init(millisecondsSinceEpoch:)) : nil

        // Counters, not counts: O(1) however many rows the store holds (DeliveryCounters.swift). They also see rows
        // another connection changed (iomtctl quarantine requeue), so the in-memory backlog is refreshed from them.
        let counts = try deliveryCounts(destination: destination)
        backlog[destination] = counts.pending

        let failures = try connection.statement("SELECT kind, count FROM delivery_failures WHERE destination = ?")
        defer { failures.reset() }
        try failures.bind(destination, at: 1)
        var failuresByKind: [String: Int] = [:]
        while try failures.step() { failuresByKind[failures.text(0) ?? ""] = failures.int(1) }

        return DeliveryStats(backlog: counts.pending, oldestUndelivered: oldestUndelivered,
                             lastSuccess: lastSuccess, delivered: counts.delivered, duplicates: counts.duplicates,
                             quarantined: counts.quarantined, held: counts.held, failuresByKind: failuresByKind)
    }
}
