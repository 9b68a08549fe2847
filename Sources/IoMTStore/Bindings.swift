import IoMTCore

/// Which patient a device measured for over a time window (clinic mode: many patients per box).
public struct PatientBinding: Sendable, Hashable {
    public let id: Int64
    public let deviceKey: String
    public let patientId: String
    public let start: Instant
    /// nil while the device is still bound.
    public let end: Instant?
    public let createdAt: Instant
    public let createdBy: String

    /// Start inclusive, end exclusive, so back-to-back bindings never both claim a reading.
    public func covers(_ time: Instant) -> Bool { time >= start && (end.map { time < $0 } ?? true) }
}

/// The outcome of `bind`: the new binding and the readings it attributed that had been held back.
public struct BindingResult: Sendable {
    public let binding: PatientBinding
    public let reattributed: Int
}

extension Store {
    /// The quarantine reason of a reading no binding covered; `bind` re-queues exactly these.
    /// The quarantine reason of a reading whose time is not trusted (an unset or implausible device clock).
    public static let untrustedTimeReason = "the device's time for this reading is not trustworthy (device clock unset, or the corrected time lies in the future or long before the device was first seen); check the device clock and the reading, then requeue it"
    public static let heldBackReason = "no patient was bound to the device at the reading's time; bind the device (iomtctl bind) to send it"
    /// A queued reading without a patient reached the wire format (readings without one are stored held, so this is a
    /// fault): set aside for a human rather than sent to no one.
    public static let noPatientAtSendReason = "the reading had no patient when it was to be sent; bind the device (iomtctl bind), then requeue it"

    /// Every binding, or one device's, oldest first.
    public func bindings(deviceKey: String? = nil) throws(StoreError) -> [PatientBinding] {
        let select = try connection.statement("""
            SELECT id, device_key, patient_id, start_ms, end_ms, created_ms, created_by FROM bindings
            WHERE ?1 IS NULL OR device_key = ?1 ORDER BY device_key, start_ms
            """)
        defer { select.reset() }
        try select.bind(deviceKey, at: 1)
        var result: [PatientBinding] = []
        while try select.step() {
            result.append(PatientBinding(id: select.int64(0), deviceKey: select.text(1) ?? "", patientId: select.text(2) ?? "",
                                         start: Instant(millisecondsSinceEpoch: select.int64(3)),
                                         end: select.optionalInt64(4).map(Instant.init(millisecondsSinceEpoch:)),
                                         createdAt: Instant(millisecondsSinceEpoch: select.int64(5)), createdBy: select.text(6) ?? ""))
        }
        return result
    }

    /// The patient bound to a device at a time (nil: none, the reading is held back).
    public func boundPatient(deviceKey: String, at time: Instant) -> String? {
        bindingCache[deviceKey]?.first { $0.covers(time) }?.patientId
    }

    /// Binds a device to a patient from `start` (until `end`, or open-ended). Refuses an overlap with
    /// another binding of the device, naming it. Every undelivered reading of the device inside the window is
    /// attributed again in the same transaction (held ones are queued again). Readings that were held for
    /// want of a patient are attributed only when `releasingHeld` says the technician checked them: a
    /// binding reaching back over them must not hand them to a patient silently.
    public func bind(deviceKey: String, patientId: String, from start: Instant, until end: Instant?, releasingHeld: Bool = false,
                     actor: String, at now: Instant) throws(StoreError) -> BindingResult {
        if let end, end <= start { throw .refused("the binding's end (\(end.iso8601)) must be after its start (\(start.iso8601))") }
        for existing in bindingCache[deviceKey] ?? [] where overlaps(existing, start: start, end: end) {
            throw .refused("device \(deviceKey) is already bound from \(existing.start.iso8601) to \(existing.end?.iso8601 ?? "now (open)") (binding #\(existing.id)); unbind it or choose a window that does not overlap")
        }
        let result = try connection.transaction { () throws(StoreError) -> (PatientBinding, Reattribution) in
            let insert = try connection.statement("""
                INSERT INTO bindings (device_key, patient_id, start_ms, end_ms, created_ms, created_by) VALUES (?, ?, ?, ?, ?, ?)
                """)
            try insert.bind(deviceKey, at: 1)
            try insert.bind(patientId, at: 2)
            try insert.bind(start.millisecondsSinceEpoch, at: 3)
            try insert.bind(end?.millisecondsSinceEpoch, at: 4)
            try insert.bind(now.millisecondsSinceEpoch, at: 5)
            try insert.bind(actor, at: 6)
            try insert.run()
            let id = try connection.scalarInt("SELECT last_insert_rowid()") ?? 0
            let change = try reattribute(deviceKey: deviceKey, from: start, until: end, releasingHeld: releasingHeld)
            // The audit names the device and window, never the patient.
            try insertAudit(actor: actor, action: "bind",
                            detail: "binding #\(id): device \(deviceKey) from \(start.iso8601) until \(end?.iso8601 ?? "open"); \(change.attributed) held reading(s) attributed",
                            at: now)
            return (PatientBinding(id: id, deviceKey: deviceKey, patientId: patientId, start: start, end: end, createdAt: now, createdBy: actor), change)
        }
        bindingCache[deviceKey, default: []].append(result.0)
        bindingCache[deviceKey]!.sort { $0.start < $1.start }
        for (destination, count) in result.1.backlogChange { backlog[destination, default: 0] += count }
        return BindingResult(binding: result.0, reattributed: result.1.attributed)
    }

    /// Ends the device's open binding at `end`. Undelivered readings from `end` on are held back again, even
    /// when `end` lies in the past; an end that would take already delivered readings from the patient is
    /// refused. Returns the ended binding, or nil when the device had no open binding.
    public func unbind(deviceKey: String, at end: Instant, actor: String, now: Instant) throws(StoreError) -> PatientBinding? {
        guard let open = bindingCache[deviceKey]?.first(where: { $0.end == nil }) else { return nil }
        guard end > open.start else {
            throw .refused("device \(deviceKey) was bound from \(open.start.iso8601); the end (\(end.iso8601)) must be after that")
        }
        let change = try connection.transaction { () throws(StoreError) -> Reattribution in
            let update = try connection.statement("UPDATE bindings SET end_ms = ? WHERE id = ?")
            try update.bind(end.millisecondsSinceEpoch, at: 1)
            try update.bind(open.id, at: 2)
            try update.run()
            let change = try reattribute(deviceKey: deviceKey, from: end, until: nil, releasingHeld: false)
            try insertAudit(actor: actor, action: "unbind",
                            detail: "binding #\(open.id): device \(deviceKey) ended at \(end.iso8601); \(change.unattributed) undelivered reading(s) held back again",
                            at: now)
            return change
        }
        let ended = PatientBinding(id: open.id, deviceKey: deviceKey, patientId: open.patientId, start: open.start, end: end,
                                   createdAt: open.createdAt, createdBy: open.createdBy)
        bindingCache[deviceKey] = bindingCache[deviceKey]!.map { $0.id == open.id ? ended : $0 }
        for (destination, count) in change.backlogChange { backlog[destination, default: 0] += count }
        return ended
    }

    static func loadBindingCache(_ connection: SQLiteConnection) throws(StoreError) -> [String: [PatientBinding]] {
        let select = try connection.statement("SELECT id, device_key, patient_id, start_ms, end_ms, created_ms, created_by FROM bindings ORDER BY start_ms")
        defer { select.reset() }
        var cache: [String: [PatientBinding]] = [:]
        while try select.step() {
            let binding = PatientBinding(id: select.int64(0), deviceKey: select.text(1) ?? "", patientId: select.text(2) ?? "",
                                         start: Instant(millisecondsSinceEpoch: select.int64(3)),
                                         end: select.optionalInt64(4).map(Instant.init(millisecondsSinceEpoch:)),
                                         createdAt: Instant(millisecondsSinceEpoch: select.int64(5)), createdBy: select.text(6) ?? "")
            cache[binding.deviceKey, default: []].append(binding)
        }
        return cache
    }

    private func overlaps(_ binding: PatientBinding, start: Instant, end: Instant?) -> Bool {
        let startsBeforeOtherEnds = binding.end.map { start < $0 } ?? true
        let endsAfterOtherStarts = end.map { $0 > binding.start } ?? true
        return startsBeforeOtherEnds && endsAfterOtherStarts
    }
}
