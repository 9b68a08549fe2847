import IoMTCore

/// A device's download mark to commit with readings (`Store.append(_:marks:)`).
public struct DeviceMarkUpdate: Sendable, Hashable {
    public var deviceKey: String
    public var mark: DeviceRecordMark
    public init(deviceKey: String, mark: DeviceRecordMark) { self.deviceKey = deviceKey; self.mark = mark }
}

/// The devices' high-water marks: the last record fetched from a device with a memory (`device_marks`), and its
/// clock reads (`device_clock_offsets`, `device_first_seen`). One of the store's concerns: it owns its SQL and works
/// on the store's connection inside the `Store` actor; `Store` opens the transactions.
final class DeviceMarks {
    static let racpSequenceMark = "racp-sequence"
    let connection: SQLiteConnection
    let clock: any WallClock

    init(connection: SQLiteConnection, clock: any WallClock) { self.connection = connection; self.clock = clock }

    /// The last record of the device whose readings are committed (nil: nothing fetched yet).
    func recordMark(deviceKey: String) throws(StoreError) -> DeviceRecordMark? {
        let select = try connection.statement("SELECT sequence, device_time FROM device_marks WHERE device_key = ? AND kind = ?")
        defer { select.reset() }
        try select.bind(deviceKey, at: 1)
        try select.bind(Self.racpSequenceMark, at: 2)
        guard try select.step(), let sequence = UInt16(exactly: select.int64(0)) else { return nil }
        return DeviceRecordMark(sequenceNumber: sequence, deviceTime: select.text(1).flatMap(ObservationCodec.civilTime))
    }

    /// Inside the append transaction: the mark is replaced, not maxed — a meter whose numbering restarted moves it down.
    func write(_ update: DeviceMarkUpdate) throws(StoreError) {
        let upsert = try connection.statement("""
            INSERT INTO device_marks (device_key, kind, sequence, device_time, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5)
            ON CONFLICT (device_key, kind) DO UPDATE SET sequence = ?3, device_time = ?4, updated_ms = ?5
            """)
        try upsert.bind(update.deviceKey, at: 1)
        try upsert.bind(Self.racpSequenceMark, at: 2)
        try upsert.bind(Int64(update.mark.sequenceNumber), at: 3)
        try upsert.bind(update.mark.deviceTime.map { ObservationCodec.text($0) }, at: 4)
        try upsert.bind(clock.now().millisecondsSinceEpoch, at: 5)
        try upsert.run()
    }

    /// A read of the device clock (and when the gateway then set it), and the first time the device was seen. Inside a transaction.
    func recordClock(deviceKey: String, _ reading: DeviceClockReading, setAt: Instant?) throws(StoreError) {
        let insert = try connection.statement("""
            INSERT INTO device_clock_offsets (device_key, device_time, offset_ms, clock_unset, measured_ms, set_ms) VALUES (?, ?, ?, ?, ?, ?)
            """)
        try insert.bind(deviceKey, at: 1)
        try insert.bind(ObservationCodec.text(reading.deviceTime), at: 2)
        try insert.bind(reading.offsetMilliseconds, at: 3)
        try insert.bind(reading.clockUnset ? 1 : 0, at: 4)
        try insert.bind(reading.readAt.millisecondsSinceEpoch, at: 5)
        try insert.bind(setAt?.millisecondsSinceEpoch, at: 6)
        try insert.run()
        let seen = try connection.statement("INSERT OR IGNORE INTO device_first_seen (device_key, first_seen_ms) VALUES (?, ?)")
        try seen.bind(deviceKey, at: 1)
        try seen.bind(reading.readAt.millisecondsSinceEpoch, at: 2)
        try seen.run()
    }

    /// When the gateway first read the device's clock.
    func firstSeen(deviceKey: String) throws(StoreError) -> Instant? {
        let select = try connection.statement("SELECT first_seen_ms FROM device_first_seen WHERE device_key = ?")
        defer { select.reset() }
        try select.bind(deviceKey, at: 1)
        return try select.step() ? Instant(millisecondsSinceEpoch: select.int64(0)) : nil
    }

    /// The device's clock reads, newest first: offset, whether unset, when measured, when the gateway set it.
    func clockHistory(deviceKey: String, limit: Int) throws(StoreError) -> [(reading: DeviceClockReading, setAt: Instant?)] {
        let select = try connection.statement("""
            SELECT device_time, offset_ms, clock_unset, measured_ms, set_ms FROM device_clock_offsets WHERE device_key = ?
            ORDER BY measured_ms DESC, id DESC LIMIT ?
            """)
        defer { select.reset() }
        try select.bind(deviceKey, at: 1)
        try select.bind(limit, at: 2)
        var result: [(reading: DeviceClockReading, setAt: Instant?)] = []
        while try select.step() {
            guard let time = select.text(0).flatMap(ObservationCodec.civilTime) else { continue }
            result.append((DeviceClockReading(deviceTime: time, readAt: Instant(millisecondsSinceEpoch: select.int64(3)),
                                              offsetMilliseconds: select.int64(1), clockUnset: select.int64(2) != 0),
                           select.optionalInt64(4).map(Instant.init(millisecondsSinceEpoch:))))
        }
        return result
    }
}
