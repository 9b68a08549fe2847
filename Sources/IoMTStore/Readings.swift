import CSQLite
import IoMTCore

/// Per-transaction state of a group commit.
struct AppendContext {
    let insert: SQLiteStatement
    let queue: SQLiteStatement
    /// Devices first stored in this transaction; they enter the actor's cache only after COMMIT.
    var newDevices: [DeviceIdentity: Int64] = [:]
    var lastDevice: (identity: DeviceIdentity, id: Int64)?
    /// Readings of this transaction stored held (no patient): they are not part of any destination's backlog.
    var heldReadings = 0
}

extension Store {
    /// Columns every reading query selects, in the order `storedObservation(from:)` reads them.
    static let readingColumns = """
        r.id, r.device_id, r.type_refid, r.mdc_code, r.type_json, r.value, r.unit, r.status, r.components_json, \
        r.device_time, r.received_ms, r.corrected_ms, r.patient_id, r.raw_frame, r.alert_priority
        """

    /// Statements for one group-commit transaction, looked up once rather than per row (the cache key is
    /// the SQL text, and hashing it per row showed in the benchmark).
    func makeAppendContext() throws(StoreError) -> AppendContext {
        AppendContext(
            insert: try connection.statement("""
                INSERT INTO readings (device_id, type_refid, mdc_code, type_json, value, unit, status, components_json,
                                      device_time, received_ms, corrected_ms, patient_id, raw_frame)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """),
            queue: try connection.statement("INSERT INTO delivery (reading_id, destination, state) VALUES (?, ?, ?)"))
    }

    /// Inserts one reading and its delivery rows; call inside a transaction.
    func insertReading(_ observation: Observation, context: inout AppendContext) throws(StoreError) -> Int64 {
        let deviceId = try deviceId(for: observation.device, context: &context)
        let insert = context.insert
        try insert.bind(deviceId, at: 1)
        try insert.bind(observation.type.mdcRefId, at: 2)
        try insert.bind(Int64(observation.type.mdcCode), at: 3)
        try insert.bind(ObservationCodec.typeJSON(observation.type), at: 4)
        try insert.bind(observation.value.map { ObservationCodec.text($0) }, at: 5)
        try insert.bind(observation.unit, at: 6)
        try insert.bind(ObservationCodec.text(observation.status), at: 7)
        try insert.bind(ObservationCodec.componentsJSON(observation.components), at: 8)
        try insert.bind(observation.deviceTime.map { ObservationCodec.text($0) }, at: 9)
        try insert.bind(observation.receivedAt.millisecondsSinceEpoch, at: 10)
        try insert.bind(observation.correctedTime.millisecondsSinceEpoch, at: 11)
        // A home hub's readings carry their patient; in clinic mode the binding at the reading's time decides.
        // A reading whose time is not trusted is never attributed by time: it is held (patient NULL).
        // This is the one place a reading gets its patient; without one its delivery rows are held, not queued.
        let attributable = observation.status.isDisjoint(with: StatusFlag.timeNotAttributable)
        let patient = observation.patientId ?? (attributable ? boundPatient(deviceKey: observation.device.key, at: observation.correctedTime) : nil)
        try insert.bind(patient, at: 12)
        try insert.bind(observation.rawFrame, at: 13)
        try insert.run()
        let id = sqlite3_last_insert_rowid(connection.handle)
        if !configuration.destinations.isEmpty {
            let queue = context.queue
            let state = patient == nil ? DeliveryState.held : .pending
            if patient == nil { context.heldReadings += 1 }
            for destination in configuration.destinations {
                try queue.bind(id, at: 1)
                try queue.bind(destination, at: 2)
                try queue.bind(state.rawValue, at: 3)
                try queue.run()
            }
        }
        return id
    }

    private func deviceId(for identity: DeviceIdentity, context: inout AppendContext) throws(StoreError) -> Int64 {
        // Consecutive readings usually come from the same device: compare before hashing eight strings.
        if let last = context.lastDevice, last.identity == identity { return last.id }
        if let id = deviceIds[identity] ?? context.newDevices[identity] {
            context.lastDevice = (identity, id)
            return id
        }
        let json = ObservationCodec.identityJSON(identity)
        let insert = try connection.statement("INSERT OR IGNORE INTO devices (device_key, identity_json) VALUES (?, ?)")
        try insert.bind(identity.key, at: 1)
        try insert.bind(json, at: 2)
        try insert.run()
        let select = try connection.statement("SELECT id FROM devices WHERE device_key = ? AND identity_json = ?")
        defer { select.reset() }
        try select.bind(identity.key, at: 1)
        try select.bind(json, at: 2)
        guard try select.step() else { throw .corrupt("devices row for \(identity.key) vanished after insert") }
        let id = select.int64(0)
        context.newDevices[identity] = id
        context.lastDevice = (identity, id)
        return id
    }

    func identity(deviceId: Int64) throws(StoreError) -> DeviceIdentity {
        if let cached = identities[deviceId] { return cached }
        let select = try connection.statement("SELECT identity_json FROM devices WHERE id = ?")
        defer { select.reset() }
        try select.bind(deviceId, at: 1)
        guard try select.step(), let json = select.text(0) else {
            throw .corrupt("readings refer to missing devices row \(deviceId); run `iomtctl store check`")
        }
        let identity = try ObservationCodec.identity(json)
        identities[deviceId] = identity
        deviceIds[identity] = deviceId
        return identity
    }

    /// Reads `readingColumns` starting at column 0, plus `attempts` at column 15 when the query has it.
    func storedObservation(from row: SQLiteStatement, hasAttempts: Bool) throws(StoreError) -> StoredObservation {
        let observation = Observation(
            type: ObservationCodec.type(refId: row.text(2) ?? "", code: UInt32(truncatingIfNeeded: row.int64(3)), json: row.text(4)),
            value: row.text(5).flatMap(ObservationCodec.decimal),
            unit: row.text(6) ?? "",
            components: try ObservationCodec.components(row.text(8)),
            status: ObservationCodec.status(row.text(7) ?? ""),
            deviceTime: row.text(9).flatMap(ObservationCodec.civilTime),
            receivedAt: Instant(millisecondsSinceEpoch: row.int64(10)),
            correctedTime: Instant(millisecondsSinceEpoch: row.int64(11)),
            device: try identity(deviceId: row.int64(1)),
            patientId: row.text(12),
            rawFrame: row.blob(13))
        return StoredObservation(id: row.int64(0), observation: observation,
                                 alertPriority: ObservationCodec.priority(rank: row.optionalInt64(14)),
                                 attempts: hasAttempts ? row.int(15) : 0)
    }

    /// Undelivered, unquarantined rows for a destination: alert-carrying rows first (by priority), then by id (keeps per-device order).
    public func pending(destination: String, limit: Int) throws(StoreError) -> [StoredObservation] {
        // Walks the partial index delivery_pending in order; no sort step.
        let select = try connection.statement("""
            SELECT \(Store.readingColumns), d.attempts FROM delivery d INDEXED BY delivery_pending
            JOIN readings r ON r.id = d.reading_id
            WHERE d.destination = ? AND d.state = 0
            ORDER BY d.priority_rank, d.reading_id LIMIT ?
            """)
        defer { select.reset() }
        try select.bind(destination, at: 1)
        try select.bind(limit, at: 2)
        var result: [StoredObservation] = []
        while try select.step() { result.append(try storedObservation(from: select, hasAttempts: true)) }
        return try withSummaries(withInterpretations(result))
    }

    /// Pending rows without an alert (priority rank 3) after `readingId`, by id: what follows a batch of such
    /// rows in `pending` order as long as no row jumps the queue (compare `queueJumps`). The forwarder reads
    /// ahead with it while a request is in flight.
    public func pending(destination: String, limit: Int, afterReadingId readingId: Int64) throws(StoreError) -> [StoredObservation] {
        let select = try connection.statement("""
            SELECT \(Store.readingColumns), d.attempts FROM delivery d INDEXED BY delivery_pending
            JOIN readings r ON r.id = d.reading_id
            WHERE d.destination = ? AND d.state = 0 AND d.priority_rank = 3 AND d.reading_id > ?
            ORDER BY d.priority_rank, d.reading_id LIMIT ?
            """)
        defer { select.reset() }
        try select.bind(destination, at: 1)
        try select.bind(readingId, at: 2)
        try select.bind(limit, at: 3)
        var result: [StoredObservation] = []
        while try select.step() { result.append(try storedObservation(from: select, hasAttempts: true)) }
        return try withSummaries(result)
    }

    /// Most recent observations (newest first), for the CLI.
    public func recent(limit: Int) throws(StoreError) -> [StoredObservation] {
        let select = try connection.statement("SELECT \(Store.readingColumns) FROM readings r ORDER BY r.id DESC LIMIT ?")
        defer { select.reset() }
        try select.bind(limit, at: 1)
        var result: [StoredObservation] = []
        while try select.step() { result.append(try storedObservation(from: select, hasAttempts: false)) }
        return result
    }

    /// One stored observation; `attempts` is the most any destination has made.
    public func observation(id: Int64) throws(StoreError) -> StoredObservation? {
        let select = try connection.statement("""
            SELECT \(Store.readingColumns), (SELECT coalesce(max(attempts), 0) FROM delivery WHERE reading_id = r.id)
            FROM readings r WHERE r.id = ?
            """)
        defer { select.reset() }
        try select.bind(id, at: 1)
        guard try select.step() else { return nil }
        return try storedObservation(from: select, hasAttempts: true)
    }

    /// Marks an observation as carrying an alert of this priority (it jumps the delivery queue).
    /// Keeps the most urgent priority when called more than once.
    public func setAlertPriority(_ priority: AlertPriority, forObservation id: Int64) throws(StoreError) {
        try connection.transaction { () throws(StoreError) in try raiseDeliveryPriority(priority, forObservation: id) }
    }

    /// The body of `setAlertPriority`, usable inside another transaction.
    func raiseDeliveryPriority(_ priority: AlertPriority, forObservation id: Int64) throws(StoreError) {
        do {
            let reading = try connection.statement(
                "UPDATE readings SET alert_priority = ?1 WHERE id = ?2 AND (alert_priority IS NULL OR alert_priority > ?1)")
            try reading.bind(priority.rank, at: 1)
            try reading.bind(id, at: 2)
            try reading.run()
            let queue = try connection.statement("UPDATE delivery SET priority_rank = ?1 WHERE reading_id = ?2 AND priority_rank > ?1")
            try queue.bind(priority.rank, at: 1)
            try queue.bind(id, at: 2)
            try queue.run()
        }
        queueJumpCount += 1
    }
}
