import CSQLite
import IoMTCore

/// The readings and devices tables: a reading's row, its device's identity, and reading a row back as the observation
/// that was written. One of the store's concerns: it owns its SQL and works on the store's connection inside the `Store`
/// actor; `Store` opens the transactions and decides the patient before a row is written (GroupCommit.swift).
final class ReadingTable {
    let connection: SQLiteConnection
    /// Device identity → devices.id, and back; only committed rows enter these caches (`remember`).
    private var deviceIds: [DeviceIdentity: Int64] = [:]
    private var identities: [Int64: DeviceIdentity] = [:]

    init(connection: SQLiteConnection) { self.connection = connection }

    /// Columns every reading query selects, in the order `storedObservation(from:)` reads them.
    static let columns = """
        r.id, r.device_id, r.type_refid, r.mdc_code, r.type_json, r.value, r.unit, r.status, r.components_json, \
        r.device_time, r.received_ms, r.corrected_ms, r.patient_id, r.raw_frame, r.alert_priority, r.series_json, r.binding_id
        """
    /// The first column a query may add after `columns` (`attempts`, then what the query adds).
    static let firstExtraColumn: Int32 = 17

    /// The insert statement of one transaction, looked up once rather than per row (the statement cache's key is the
    /// SQL text, and hashing it per row showed in the benchmark), and the devices that transaction first stored.
    struct InsertBatch {
        let insert: SQLiteStatement
        /// Devices first stored in this transaction; they enter the cache only after COMMIT.
        var newDevices: [DeviceIdentity: Int64] = [:]
        var lastDevice: (identity: DeviceIdentity, id: Int64)?
    }

    func makeInsertBatch() throws(StoreError) -> InsertBatch {
        InsertBatch(insert: try connection.statement("""
            INSERT INTO readings (device_id, type_refid, mdc_code, type_json, value, unit, status, components_json,
                                  device_time, received_ms, corrected_ms, patient_id, raw_frame, series_json, binding_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """))
    }

    /// Inserts one reading for `patient` (nil: held), attributed by binding `bindingId` (nil: by none); call inside a
    /// transaction. Returns its row id.
    func insert(_ observation: Observation, patient: String?, bindingId: Int64?, batch: inout InsertBatch) throws(StoreError) -> Int64 {
        let deviceId = try deviceId(for: observation.device, batch: &batch)
        let insert = batch.insert
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
        try insert.bind(patient, at: 12)
        try insert.bind(observation.rawFrame, at: 13)
        try insert.bind(ObservationCodec.seriesJSON(observation.series), at: 14)
        try insert.bind(bindingId, at: 15)
        try insert.run()
        return sqlite3_last_insert_rowid(connection.handle)
    }

    /// After a batch's transaction committed: the devices it first stored enter the cache.
    func remember(newDevices: [DeviceIdentity: Int64]) {
        for (identity, id) in newDevices { deviceIds[identity] = id; identities[id] = identity }
    }

    private func deviceId(for identity: DeviceIdentity, batch: inout InsertBatch) throws(StoreError) -> Int64 {
        // Consecutive readings usually come from the same device: compare before hashing eight strings.
        if let last = batch.lastDevice, last.identity == identity { return last.id }
        if let id = deviceIds[identity] ?? batch.newDevices[identity] {
            batch.lastDevice = (identity, id)
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
        batch.newDevices[identity] = id
        batch.lastDevice = (identity, id)
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

    /// Reads `columns` starting at column 0, plus `attempts` at `firstExtraColumn` when the query has it.
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
            rawFrame: row.blob(13),
            series: try ObservationCodec.series(row.text(15)),
            bindingId: row.optionalInt64(16))
        return StoredObservation(id: row.int64(0), observation: observation,
                                 alertPriority: ObservationCodec.priority(rank: row.optionalInt64(14)),
                                 attempts: hasAttempts ? row.int(Self.firstExtraColumn) : 0)
    }

    /// Every row `select` yields, read by `storedObservation(from:hasAttempts:)`; resets it.
    func storedObservations(_ select: SQLiteStatement, hasAttempts: Bool) throws(StoreError) -> [StoredObservation] {
        defer { select.reset() }
        var result: [StoredObservation] = []
        while try select.step() { result.append(try storedObservation(from: select, hasAttempts: hasAttempts)) }
        return result
    }

    /// Most recent observations (newest first).
    func recent(limit: Int) throws(StoreError) -> [StoredObservation] {
        let select = try connection.statement("SELECT \(Self.columns) FROM readings r ORDER BY r.id DESC LIMIT ?")
        try select.bind(limit, at: 1)
        return try storedObservations(select, hasAttempts: false)
    }

    /// One stored observation; `attempts` is the most any destination has made.
    func observation(id: Int64) throws(StoreError) -> StoredObservation? {
        let select = try connection.statement("""
            SELECT \(Self.columns), (SELECT coalesce(max(attempts), 0) FROM delivery WHERE reading_id = r.id)
            FROM readings r WHERE r.id = ?
            """)
        defer { select.reset() }
        try select.bind(id, at: 1)
        guard try select.step() else { return nil }
        return try storedObservation(from: select, hasAttempts: true)
    }

    /// Readings of one measurement (as the type or as a component) in a time window, oldest first. A scan: the CLI
    /// reads rarely and an index would cost every append.
    func readings(measurement refId: String?, since: Instant, until: Instant?, patientId: String?, limit: Int) throws(StoreError) -> [StoredObservation] {
        let select = try connection.statement("""
            SELECT \(Self.columns) FROM readings r
            WHERE r.corrected_ms >= ?1 AND (?2 IS NULL OR r.corrected_ms < ?2)
            AND (?3 IS NULL OR r.type_refid = ?3 OR instr(coalesce(r.components_json, ''), ?3) > 0 OR instr(coalesce(r.series_json, ''), ?3) > 0)
            AND (?4 IS NULL OR r.patient_id = ?4)
            ORDER BY r.corrected_ms, r.id LIMIT ?5
            """)
        try select.bind(since.millisecondsSinceEpoch, at: 1)
        try select.bind(until?.millisecondsSinceEpoch, at: 2)
        try select.bind(refId, at: 3)
        try select.bind(patientId, at: 4)
        try select.bind(limit, at: 5)
        return try storedObservations(select, hasAttempts: false)
    }

    /// Observations in row order after `afterId` (paged export).
    func readings(afterId: Int64, limit: Int) throws(StoreError) -> [StoredObservation] {
        let select = try connection.statement("SELECT \(Self.columns) FROM readings r WHERE r.id > ? ORDER BY r.id LIMIT ?")
        try select.bind(afterId, at: 1)
        try select.bind(limit, at: 2)
        return try storedObservations(select, hasAttempts: false)
    }

    /// Keeps the most urgent alert priority of a reading; call inside a transaction.
    func raiseAlertPriority(_ priority: AlertPriority, ofReading id: Int64) throws(StoreError) {
        let reading = try connection.statement(
            "UPDATE readings SET alert_priority = ?1 WHERE id = ?2 AND (alert_priority IS NULL OR alert_priority > ?1)")
        try reading.bind(priority.rank, at: 1)
        try reading.bind(id, at: 2)
        try reading.run()
    }

    /// Fills `summary` for rows that are per-minute summaries (Retention/StoragePressure.swift writes them).
    func withSummaries(_ rows: [StoredObservation]) throws(StoreError) -> [StoredObservation] {
        guard rows.contains(where: { $0.observation.status.contains(.compactedSummary) }) else { return rows }
        let select = try connection.statement("SELECT count, minimum, maximum, period_end_ms FROM reading_summaries WHERE reading_id = ?")
        defer { select.reset() }
        var result = rows
        for index in result.indices where result[index].observation.status.contains(.compactedSummary) {
            select.reset()
            try select.bind(result[index].id, at: 1)
            guard try select.step(), let minimum = select.text(1).flatMap(ObservationCodec.decimal),
                  let maximum = select.text(2).flatMap(ObservationCodec.decimal) else { continue }
            result[index].summary = ReadingSummary(count: select.int(0), minimum: minimum, maximum: maximum,
                                                   periodEnd: Instant(millisecondsSinceEpoch: select.int64(3)))
        }
        return result
    }
}
