import IoMTCore

/// What a binding change did to the readings of its device.
struct Reattribution {
    /// Readings that gained a patient (they had been held back).
    var attributed = 0
    /// Undelivered readings that lost their patient and are held back again.
    var unattributed = 0
    /// Per destination: held rows put into the queue minus queued rows held again (what the backlog moves by).
    var backlogChange: [String: Int] = [:]
}

/// The bindings table (clinic mode: which patient a device measured for, over which window) and what a binding change
/// does to the device's readings. One of the store's concerns: it owns its SQL and works on the store's connection
/// inside the `Store` actor; `Store` opens the transactions and audits them.
final class BindingBook {
    let connection: SQLiteConnection
    /// Moves the readings' delivery rows between held and pending when their patient changes.
    let delivery: DeliveryQueue
    /// Bindings by device key, oldest first; changed only after a commit (`remember`, `replace`), so a reading is
    /// attributed with the bindings as they are when it commits.
    private var cache: [String: [PatientBinding]] = [:]

    init(connection: SQLiteConnection, delivery: DeliveryQueue) throws(StoreError) {
        self.connection = connection; self.delivery = delivery
        cache = try Self.loadCache(connection)
    }

    /// The patient bound to a device at a time (nil: none).
    func boundPatient(deviceKey: String, at time: Instant) -> String? {
        boundBinding(deviceKey: deviceKey, at: time)?.patientId
    }

    /// The binding of a device that covers a time (nil: none).
    func boundBinding(deviceKey: String, at time: Instant) -> PatientBinding? {
        cache[deviceKey]?.first { $0.covers(time) }
    }

    func cached(deviceKey: String) -> [PatientBinding] { cache[deviceKey] ?? [] }

    /// Every binding as cached, by device key, oldest first per device.
    var all: [PatientBinding] { cache.keys.sorted().flatMap { cache[$0] ?? [] } }

    /// After the transaction that inserted it committed.
    func remember(_ binding: PatientBinding) {
        cache[binding.deviceKey, default: []].append(binding)
        cache[binding.deviceKey]!.sort { $0.start < $1.start }
    }

    /// After the transaction that changed it committed.
    func replace(_ binding: PatientBinding) {
        cache[binding.deviceKey] = cached(deviceKey: binding.deviceKey).map { $0.id == binding.id ? binding : $0 }
    }

    /// Every binding, or one device's, oldest first.
    func bindings(deviceKey: String?) throws(StoreError) -> [PatientBinding] {
        let select = try connection.statement("""
            SELECT \(Self.columns) FROM bindings WHERE ?1 IS NULL OR device_key = ?1 ORDER BY device_key, start_ms
            """)
        defer { select.reset() }
        try select.bind(deviceKey, at: 1)
        var result: [PatientBinding] = []
        while try select.step() { result.append(Self.binding(from: select)) }
        return result
    }

    static let columns = "id, device_key, patient_id, start_ms, end_ms, created_ms, created_by, height_cm, sex_at_birth, birth_date"

    private static func binding(from select: SQLiteStatement) -> PatientBinding {
        // All three or none: they are written together (`insert`).
        var demographics: BindingDemographics?
        if let height = select.optionalDouble(7), let sex = select.text(8), let birthDate = select.text(9).flatMap(CivilTime.init(isoDate:)) {
            demographics = BindingDemographics(heightCm: height, sexAtBirth: sex, birthDate: birthDate)
        }
        return PatientBinding(id: select.int64(0), deviceKey: select.text(1) ?? "", patientId: select.text(2) ?? "",
                              start: Instant(millisecondsSinceEpoch: select.int64(3)),
                              end: select.optionalInt64(4).map(Instant.init(millisecondsSinceEpoch:)),
                              createdAt: Instant(millisecondsSinceEpoch: select.int64(5)), createdBy: select.text(6) ?? "",
                              demographics: demographics)
    }

    static func loadCache(_ connection: SQLiteConnection) throws(StoreError) -> [String: [PatientBinding]] {
        let select = try connection.statement("SELECT \(columns) FROM bindings ORDER BY start_ms")
        defer { select.reset() }
        var cache: [String: [PatientBinding]] = [:]
        while try select.step() {
            let binding = binding(from: select)
            cache[binding.deviceKey, default: []].append(binding)
        }
        return cache
    }

    /// The cached binding of the device that overlaps [start, end), if any.
    func overlapping(deviceKey: String, start: Instant, end: Instant?) -> PatientBinding? {
        cached(deviceKey: deviceKey).first { binding in
            let startsBeforeOtherEnds = binding.end.map { start < $0 } ?? true
            let endsAfterOtherStarts = end.map { $0 > binding.start } ?? true
            return startsBeforeOtherEnds && endsAfterOtherStarts
        }
    }

    /// Inserts a binding; inside a transaction (`reattribute` follows in it). Returns its id.
    func insert(deviceKey: String, patientId: String, start: Instant, end: Instant?, demographics: BindingDemographics?, actor: String,
                at now: Instant) throws(StoreError) -> Int64 {
        let insert = try connection.statement("""
            INSERT INTO bindings (device_key, patient_id, start_ms, end_ms, created_ms, created_by, height_cm, sex_at_birth, birth_date)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try insert.bind(deviceKey, at: 1)
        try insert.bind(patientId, at: 2)
        try insert.bind(start.millisecondsSinceEpoch, at: 3)
        try insert.bind(end?.millisecondsSinceEpoch, at: 4)
        try insert.bind(now.millisecondsSinceEpoch, at: 5)
        try insert.bind(actor, at: 6)
        try insert.bind(demographics?.heightCm, at: 7)
        try insert.bind(demographics?.sexAtBirth, at: 8)
        try insert.bind(demographics?.birthDate.isoDate, at: 9)
        try insert.run()
        return try connection.scalarInt("SELECT last_insert_rowid()") ?? 0
    }

    /// Ends binding `id` at `end`; inside a transaction (`reattribute` follows in it).
    func end(bindingId id: Int64, at end: Instant) throws(StoreError) {
        let update = try connection.statement("UPDATE bindings SET end_ms = ? WHERE id = ?")
        try update.bind(end.millisecondsSinceEpoch, at: 1)
        try update.bind(id, at: 2)
        try update.run()
    }

    /// The patient a binding assigns to reading `r` of device ?1: start inclusive, end exclusive — the same rule
    /// as `PatientBinding.covers`, which `insertReading` applies from the cache. Read after the change is written.
    static let boundPatientOfReading = bindingOfReading(column: "patient_id")
    /// The id of the binding `boundPatientOfReading` takes the patient from (recorded as the reading's `binding_id`).
    static let boundBindingOfReading = bindingOfReading(column: "id")

    private static func bindingOfReading(column: String) -> String {
        """
        (SELECT b.\(column) FROM bindings b WHERE b.device_key = ?1 AND r.corrected_ms >= b.start_ms
         AND (b.end_ms IS NULL OR r.corrected_ms < b.end_ms) ORDER BY b.start_ms DESC LIMIT 1)
        """
    }
    /// Readings flagged `time-untrusted` or `gateway-clock-unsynchronised` (`StatusFlag.timeNotAttributable`) are
    /// outside every window: no binding attributes them by their time.
    static let readingOfDeviceInWindow = """
        r.device_id IN (SELECT id FROM devices WHERE device_key = ?1) AND r.corrected_ms >= ?2 AND (?3 IS NULL OR r.corrected_ms < ?3)         AND instr(',' || r.status || ',', ',time-untrusted,') = 0 AND instr(',' || r.status || ',', ',gateway-clock-unsynchronised,') = 0
        """
    /// Delivered, or set aside because DOM already holds its identifier (`DeliveryState.duplicate`): either way DOM has it for that patient.
    static let readingWasDelivered = "EXISTS (SELECT 1 FROM delivery x WHERE x.reading_id = r.id AND x.state IN (\(DeliveryState.delivered.rawValue), \(DeliveryState.duplicate.rawValue)))"

    /// Attributes every reading of the device in [start, end) again, from the bindings as they now stand; call
    /// inside the transaction that changed them (a refusal rolls the change back). A reading already delivered
    /// to any destination is never moved to another patient: the change is refused, naming how many and when.
    func reattribute(deviceKey: String, from start: Instant, until end: Instant?, releasingHeld: Bool) throws(StoreError) -> Reattribution {
        func bindWindow(_ statement: SQLiteStatement) throws(StoreError) {
            statement.reset()
            try statement.bind(deviceKey, at: 1)
            try statement.bind(start.millisecondsSinceEpoch, at: 2)
            try statement.bind(end?.millisecondsSinceEpoch, at: 3)
        }
        let span = "count(*), min(r.corrected_ms), max(r.corrected_ms)"
        let delivered = try connection.statement("""
            SELECT \(span) FROM readings r WHERE \(Self.readingOfDeviceInWindow) AND \(Self.readingWasDelivered)
            AND r.patient_id IS NOT \(Self.boundPatientOfReading)
            """)
        defer { delivered.reset() }
        try bindWindow(delivered)
        if try delivered.step(), delivered.int64(0) > 0 {
            let (count, last) = (delivered.int64(0), Instant(millisecondsSinceEpoch: delivered.int64(2)))
            throw .refused("\(count) reading(s) of device \(deviceKey) measured from \(Instant(millisecondsSinceEpoch: delivered.int64(1)).iso8601) to \(last.iso8601) were already delivered for the patient bound then; a binding change cannot move them (correct them at DOM). Choose a time after \(last.iso8601)")
        }
        let held = try connection.statement("""
            SELECT \(span) FROM readings r WHERE \(Self.readingOfDeviceInWindow) AND NOT \(Self.readingWasDelivered)
            AND r.patient_id IS NULL AND \(Self.boundPatientOfReading) IS NOT NULL
            """)
        defer { held.reset() }
        try bindWindow(held)
        if try held.step(), held.int64(0) > 0, !releasingHeld {
            let (count, first, last) = (held.int64(0), Instant(millisecondsSinceEpoch: held.int64(1)), Instant(millisecondsSinceEpoch: held.int64(2)))
            throw .refused("\(count) held reading(s) of device \(deviceKey) measured from \(first.iso8601) to \(last.iso8601) fall in this window and would go to this patient; check that they are this patient's and repeat with --release-held, or start the binding after \(last.iso8601)")
        }
        var change = Reattribution()
        let attribute = try connection.statement("""
            UPDATE readings AS r SET patient_id = \(Self.boundPatientOfReading), binding_id = \(Self.boundBindingOfReading)
            WHERE \(Self.readingOfDeviceInWindow) AND NOT \(Self.readingWasDelivered) AND r.patient_id IS NOT \(Self.boundPatientOfReading)
            RETURNING patient_id IS NULL
            """)
        defer { attribute.reset() }
        try bindWindow(attribute)
        while try attribute.step() {
            if attribute.int64(0) != 0 { change.unattributed += 1 } else { change.attributed += 1 }
        }
        attribute.reset()
        // Held rows go into the queue once their reading has a patient; queued rows whose reading lost it are held.
        change.backlogChange = try delivery.moveBetweenHeldAndPending(readingsInWindow: Self.readingOfDeviceInWindow, bindWindow: bindWindow)
        return change
    }
}
