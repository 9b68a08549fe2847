import IoMTCore

/// The delivery tables: one row per reading and destination with its state (`DeliveryState`), attempts and last
/// error; the per-destination success time, failure counts, requeue log and the counters (DeliveryCounters.swift).
/// One of the store's concerns: it owns its SQL and works on the store's connection inside the `Store` actor; `Store`
/// opens the transactions and keeps `backlog` in step with what they changed.
final class DeliveryQueue {
    let connection: SQLiteConnection
    /// Decodes the reading rows the queue's listings join.
    let readings: ReadingTable
    /// The destinations every new reading is queued for.
    let destinations: [String]
    /// Pending rows per destination, kept exact (adjusted by rows actually changed) so `append` can refuse without a
    /// query; `stats` refreshes it from `delivery_counts`, which also sees other connections' changes.
    var backlog: [String: Int] = [:]

    init(connection: SQLiteConnection, readings: ReadingTable, destinations: [String]) throws(StoreError) {
        self.connection = connection; self.readings = readings; self.destinations = destinations
        backlog = try Self.loadBacklog(connection)
    }

    /// Adds `rows` to every destination's backlog (negative: removes).
    func adjustBacklog(_ changes: [String: Int]) {
        for (destination, count) in changes { backlog[destination, default: 0] += count }
    }

    // MARK: Queueing

    /// The queue statement of one transaction (looked up once, as `ReadingTable.InsertBatch`), and how many of its
    /// readings were queued held (they are not part of any destination's backlog).
    struct QueueBatch {
        let queue: SQLiteStatement
        var heldReadings = 0
    }

    func makeQueueBatch() throws(StoreError) -> QueueBatch {
        QueueBatch(queue: try connection.statement("INSERT INTO delivery (reading_id, destination, state) VALUES (?, ?, ?)"))
    }

    /// Queues reading `id` for every destination: pending, or held when it has no patient. Inside a transaction.
    func enqueue(readingId id: Int64, held: Bool, batch: inout QueueBatch) throws(StoreError) {
        guard !destinations.isEmpty else { return }
        let state = held ? DeliveryState.held : .pending
        if held { batch.heldReadings += 1 }
        for destination in destinations {
            try batch.queue.bind(id, at: 1)
            try batch.queue.bind(destination, at: 2)
            try batch.queue.bind(state.rawValue, at: 3)
            try batch.queue.run()
        }
    }

    /// Moves a reading ahead in the queue (an alert of this priority); keeps the most urgent. Inside a transaction.
    func raisePriority(_ priority: AlertPriority, ofReading id: Int64) throws(StoreError) {
        let queue = try connection.statement("UPDATE delivery SET priority_rank = ?1 WHERE reading_id = ?2 AND priority_rank > ?1")
        try queue.bind(priority.rank, at: 1)
        try queue.bind(id, at: 2)
        try queue.run()
    }

    // MARK: What is offered

    /// Undelivered, unquarantined rows: alert-carrying rows first (by priority), then by id (keeps per-device order).
    func pending(destination: String, limit: Int) throws(StoreError) -> [StoredObservation] {
        // Walks the partial index delivery_pending in order; no sort step.
        let select = try connection.statement("""
            SELECT \(ReadingTable.columns), d.attempts FROM delivery d INDEXED BY delivery_pending
            JOIN readings r ON r.id = d.reading_id
            WHERE d.destination = ? AND d.state = \(DeliveryState.pending.rawValue)
            ORDER BY d.priority_rank, d.reading_id LIMIT ?
            """)
        try select.bind(destination, at: 1)
        try select.bind(limit, at: 2)
        return try readings.storedObservations(select, hasAttempts: true)
    }

    /// Pending rows without an alert (priority rank 3) after `readingId`, by id.
    func pending(destination: String, limit: Int, afterReadingId readingId: Int64) throws(StoreError) -> [StoredObservation] {
        let select = try connection.statement("""
            SELECT \(ReadingTable.columns), d.attempts FROM delivery d INDEXED BY delivery_pending
            JOIN readings r ON r.id = d.reading_id
            WHERE d.destination = ? AND d.state = \(DeliveryState.pending.rawValue) AND d.priority_rank = 3 AND d.reading_id > ?
            ORDER BY d.priority_rank, d.reading_id LIMIT ?
            """)
        try select.bind(destination, at: 1)
        try select.bind(readingId, at: 2)
        try select.bind(limit, at: 3)
        return try readings.storedObservations(select, hasAttempts: true)
    }

    // MARK: Outcomes

    /// One UPDATE for the whole batch (ids travel as one JSON array through json_each): a row-by-row UPDATE was a
    /// statement per observation on the drain's hot path. Returns the rows that were still pending. Inside a transaction.
    func markDelivered(_ ids: [Int64], destination: String, at time: Instant) throws(StoreError) -> [Int64] {
        let update = try connection.statement("""
            UPDATE delivery SET state = \(DeliveryState.delivered.rawValue), delivered_ms = ?1
            WHERE destination = ?2 AND state = \(DeliveryState.pending.rawValue) AND reading_id IN (SELECT value FROM json_each(?3))
            RETURNING reading_id
            """)
        defer { update.reset() }
        try update.bind(time.millisecondsSinceEpoch, at: 1)
        try update.bind(destination, at: 2)
        try update.bind(Self.jsonArray(ids), at: 3)
        var changedIds: [Int64] = []
        while try update.step() { changedIds.append(update.int64(0)) }
        return changedIds
    }

    /// The destination's last accepted upload (never moves back). Inside a transaction.
    func recordSuccess(destination: String, at time: Instant) throws(StoreError) {
        let success = try connection.statement("""
            INSERT INTO destinations (destination, last_success_ms) VALUES (?1, ?2)
            ON CONFLICT (destination) DO UPDATE SET last_success_ms = max(coalesce(last_success_ms, 0), excluded.last_success_ms)
            """)
        try success.bind(destination, at: 1)
        try success.bind(time.millisecondsSinceEpoch, at: 2)
        try success.run()
    }

    /// `[1,2,3]`: ids for json_each.
    static func jsonArray(_ ids: [Int64]) -> String {
        "[" + ids.map(String.init).joined(separator: ",") + "]"
    }

    /// A failed attempt on each row still pending, and the failure counted by kind. Inside a transaction.
    func recordFailure(_ ids: [Int64], destination: String, kind: String, message: String) throws(StoreError) {
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

    /// Sets pending rows aside with the server's reason; returns how many. Inside a transaction.
    func quarantine(_ ids: [Int64], destination: String, reason: String) throws(StoreError) -> Int {
        try updatePending(ids, destination: destination,
                          set: "state = \(DeliveryState.quarantined.rawValue), last_error_kind = 'quarantined', last_error_message = ?3", to: [reason])
    }

    /// Sets `assignments` (whose values are ?3, ?4, … from `values`) on each of `ids` still pending for `destination`,
    /// row by row as a failure arrives (a repeated id counts again); returns the rows changed.
    private func updatePending(_ ids: [Int64], destination: String, set assignments: String, to values: [String]) throws(StoreError) -> Int {
        let update = try connection.statement(
            "UPDATE delivery SET \(assignments) WHERE reading_id = ?1 AND destination = ?2 AND state = \(DeliveryState.pending.rawValue)")
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

    /// Marks one pending row delivered-as-duplicate of `original` (no upload); whether it was still pending.
    func setAsideAsDuplicate(readingId id: Int64, of original: Int64, destination: String, at time: Instant) throws(StoreError) -> Bool {
        let update = try connection.statement("""
            UPDATE delivery SET state = \(DeliveryState.duplicate.rawValue), delivered_ms = ?1, last_error_kind = 'duplicate',
                   last_error_message = ?4
            WHERE reading_id = ?2 AND destination = ?3 AND state = \(DeliveryState.pending.rawValue)
            """)
        try update.bind(time.millisecondsSinceEpoch, at: 1)
        try update.bind(id, at: 2)
        try update.bind(destination, at: 3)
        try update.bind("identifier already accepted by \(destination) with reading \(original); not uploaded", at: 4)
        try update.run()
        return connection.changes > 0
    }

    /// Puts quarantined rows back to pending and logs the requeue in `delivery_requeues`; returns how many. Inside a transaction.
    func requeueQuarantined(_ selection: RequeueSelection, destination: String, actor: String, at time: Instant) throws(StoreError) -> Int {
        let filter: String
        switch selection {
        case .all: filter = ""
        case .reason: filter = "AND instr(last_error_message, ?2) > 0"
        case .ids: filter = "AND reading_id IN (SELECT value FROM json_each(?2))"
        }
        let update = try connection.statement("""
            UPDATE delivery SET state = \(DeliveryState.pending.rawValue), last_error_kind = 'requeued'
            WHERE destination = ?1 AND state = \(DeliveryState.quarantined.rawValue) \(filter)
            """)
        defer { update.reset() }
        try update.bind(destination, at: 1)
        switch selection {
        case .all: break
        case let .reason(text): try update.bind(text, at: 2)
        case let .ids(ids): try update.bind(Self.jsonArray(ids), at: 2)
        }
        try update.run()
        let changed = connection.changes
        guard changed > 0 else { return 0 }
        let log = try connection.statement("INSERT INTO delivery_requeues (destination, count, actor, time_ms) VALUES (?1, ?2, ?3, ?4)")
        try log.bind(destination, at: 1)
        try log.bind(changed, at: 2)
        try log.bind(actor, at: 3)
        try log.bind(time.millisecondsSinceEpoch, at: 4)
        try log.run()
        return changed
    }

    /// Moves the delivery rows of the readings `readingsInWindow` selects (its parameters ?1–?3 bound by `bindWindow`)
    /// between held and pending after their readings' patients changed: held rows go into the queue once their reading
    /// has a patient, queued rows whose reading lost it are held. Returns what each destination's backlog moves by.
    /// Inside the transaction that changed the patients.
    func moveBetweenHeldAndPending(readingsInWindow: String, bindWindow: (SQLiteStatement) throws(StoreError) -> Void) throws(StoreError) -> [String: Int] {
        let move = try connection.statement("""
            UPDATE delivery SET state = ?5, attempts = 0, last_error_kind = NULL, last_error_message = NULL
            WHERE destination = ?4 AND state = ?6
            AND reading_id IN (SELECT r.id FROM readings r WHERE \(readingsInWindow) AND (r.patient_id IS NULL) = ?7)
            """)
        defer { move.reset() }
        var backlogChange: [String: Int] = [:]
        for destination in destinations {
            for (from, to, patientless) in [(DeliveryState.held, DeliveryState.pending, false), (.pending, .held, true)] {
                move.reset()
                try bindWindow(move)
                try move.bind(destination, at: 4)
                try move.bind(to.rawValue, at: 5)
                try move.bind(from.rawValue, at: 6)
                try move.bind(patientless ? 1 : 0, at: 7)
                try move.run()
                backlogChange[destination, default: 0] += to == .pending ? connection.changes : -connection.changes
            }
        }
        return backlogChange
    }

    // MARK: Listings and figures

    /// Rows set aside, oldest first, with why: quarantined ones with the reason they were refused, held ones (no
    /// patient) with what attributes them — both wait for a human, so one listing shows both.
    func quarantined(destination: String, limit: Int) throws(StoreError) -> [(StoredObservation, String)] {
        let select = try connection.statement("""
            SELECT \(ReadingTable.columns), d.attempts, d.last_error_message, d.state FROM (
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
            let row = try readings.storedObservation(from: select, hasAttempts: true)
            let (message, state) = (ReadingTable.firstExtraColumn + 1, ReadingTable.firstExtraColumn + 2)
            guard select.int(state) == DeliveryState.held.rawValue else { result.append((row, select.text(message) ?? "")); continue }
            let attributable = row.observation.status.isDisjoint(with: StatusFlag.timeNotAttributable)
            let unreadable = row.observation.status.contains(.unreadableRecording)
            result.append((row, unreadable ? Store.unreadableRecordingReason : attributable ? Store.heldBackReason : Store.untrustedTimeReason))
        }
        return result
    }

    func stats(destination: String) throws(StoreError) -> DeliveryStats {
        // Oldest = smallest pending id: one seek per priority band of delivery_pending (4 bands), no extra index.
        let oldest = try connection.statement("""
            SELECT r.received_ms FROM readings r WHERE r.id = (
                SELECT min(first) FROM (
                    SELECT (SELECT reading_id FROM delivery INDEXED BY delivery_pending
                            WHERE destination = ?1 AND state = \(DeliveryState.pending.rawValue) AND priority_rank = band.rank
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

    /// The destinations this store has queued readings for, sorted (from the counters: one index read).
    func knownDestinations() throws(StoreError) -> [String] {
        let select = try connection.statement("SELECT DISTINCT destination FROM delivery_counts ORDER BY destination")
        defer { select.reset() }
        var result: [String] = []
        while try select.step() { if let name = select.text(0) { result.append(name) } }
        return result
    }
}
