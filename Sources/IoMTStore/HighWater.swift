import IoMTCore

// Devices with a memory (CMS50 "stored data", blood-pressure cuffs) resend readings already delivered when
// they are reconnected. Conditional create at DOM would suppress them, but each still costs an upload; the
// high-water mark stops them here. A row is "resent history" when its device time is at or below the newest
// device time delivered for the same device, patient and destination, *and* it was stored after the row that
// set the mark. The second condition keeps older rows that were merely overtaken (alert rows go first)
// deliverable. Rows without a device time (live readings) are never touched, nor are rows whose device clock
// was not set (status device-clock-not-set, e.g. a Bluetooth cuff stamping 2000-01-01 after a battery change):
// their device time says nothing about order, so they neither raise the mark nor are compared with it.
//
// Chosen behaviour: such rows are queued as usual and, when the forwarder picks them up, marked delivered as
// duplicates (last_error_kind = 'resent-history', one audit entry per batch) instead of being uploaded.
// Queuing keeps `append` cheap (no lookup per reading) and leaves every acknowledged reading visibly accounted for.

extension Store {
    /// Device time as milliseconds since the epoch, computed by SQLite (offset-less times read as UTC,
    /// consistently for the mark and the rows compared with it).
    static let deviceTimeMilliseconds = "CAST(round((julianday(r.device_time) - 2440587.5) * 86400000.0) AS INTEGER)"
    /// The row's device clock was set (status is the sorted, comma-joined flag list).
    static let deviceClockWasSet = "instr(',' || r.status || ',', ',\(StatusFlag.deviceClockNotSet.rawValue),') = 0"

    /// Marks the rows of `ids` that are resent history as delivered-as-duplicate and returns their ids.
    public func setAsideResentHistory(_ ids: [Int64], destination: String, at time: Instant) throws(StoreError) -> [Int64] {
        guard !ids.isEmpty else { return [] }
        let resent = try connection.transaction { () throws(StoreError) -> [Int64] in
            let check = try connection.statement("""
                SELECT 1 FROM delivery d JOIN readings r ON r.id = d.reading_id
                JOIN delivery_high_water h ON h.device_id = r.device_id AND h.patient_key = coalesce(r.patient_id, '')
                     AND h.destination = d.destination
                WHERE d.reading_id = ?1 AND d.destination = ?2 AND d.state = 0 AND r.device_time IS NOT NULL AND \(Store.deviceClockWasSet)
                  AND r.id > h.reading_id AND \(Store.deviceTimeMilliseconds) <= h.device_time_ms
                """)
            let update = try connection.statement("""
                UPDATE delivery SET state = 1, delivered_ms = ?1, last_error_kind = 'resent-history',
                       last_error_message = 'device time at or below the delivered high-water mark; not uploaded'
                WHERE reading_id = ?2 AND destination = ?3 AND state = 0
                """)
            var resent: [Int64] = []
            for id in ids {
                check.reset()
                try check.bind(id, at: 1)
                try check.bind(destination, at: 2)
                guard try check.step() else { continue }
                check.reset()
                update.reset()
                try update.bind(time.millisecondsSinceEpoch, at: 1)
                try update.bind(id, at: 2)
                try update.bind(destination, at: 3)
                try update.run()
                if connection.changes > 0 { resent.append(id) }
            }
            check.reset()
            if !resent.isEmpty {
                try insertAudit(actor: "forwarder", action: "resent-history",
                                detail: "\(resent.count) reading(s) for \(destination) at or below the device's delivered high-water mark, marked delivered without upload",
                                at: time)
            }
            return resent
        }
        backlog[destination, default: 0] -= resent.count
        return resent
    }

    /// Raises the marks for delivered rows carrying a device time; call inside markDelivered's transaction.
    /// Live readings (no device time) are skipped by the query itself, so a batch of them costs one lookup per id.
    func raiseHighWater(readingIds: [Int64], destination: String, at time: Instant) throws(StoreError) {
        guard !readingIds.isEmpty else { return }
        let upsert = try connection.statement("""
            INSERT INTO delivery_high_water (device_id, patient_key, destination, device_time_ms, reading_id, updated_ms)
            SELECT r.device_id, coalesce(r.patient_id, ''), ?2, \(Store.deviceTimeMilliseconds), r.id, ?3
            FROM json_each(?1) j JOIN readings r ON r.id = j.value
            WHERE r.device_time IS NOT NULL AND julianday(r.device_time) IS NOT NULL AND \(Store.deviceClockWasSet)
            ORDER BY j.key
            ON CONFLICT (device_id, patient_key, destination) DO UPDATE
            SET device_time_ms = excluded.device_time_ms, reading_id = excluded.reading_id, updated_ms = excluded.updated_ms
            WHERE excluded.device_time_ms > delivery_high_water.device_time_ms
            """)
        defer { upsert.reset() }
        upsert.reset()
        try upsert.bind(Store.jsonArray(readingIds), at: 1)
        try upsert.bind(destination, at: 2)
        try upsert.bind(time.millisecondsSinceEpoch, at: 3)
        try upsert.run()
    }

    /// The newest delivered device time for a device's readings (nil: none yet); for tests and iomtctl.
    public func highWaterMark(device: DeviceIdentity, patientId: String?, destination: String) throws(StoreError) -> Instant? {
        let select = try connection.statement("""
            SELECT h.device_time_ms FROM delivery_high_water h JOIN devices v ON v.id = h.device_id
            WHERE v.device_key = ?1 AND h.patient_key = ?2 AND h.destination = ?3 ORDER BY h.device_time_ms DESC LIMIT 1
            """)
        defer { select.reset() }
        try select.bind(device.key, at: 1)
        try select.bind(patientId ?? "", at: 2)
        try select.bind(destination, at: 3)
        return try select.step() ? Instant(millisecondsSinceEpoch: select.int64(0)) : nil
    }
}
