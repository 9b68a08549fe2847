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

extension Store {
    /// The patient a binding assigns to reading `r` of device ?1: start inclusive, end exclusive — the same rule
    /// as `PatientBinding.covers`, which `insertReading` applies from the cache. Read after the change is written.
    static let boundPatientOfReading = """
        (SELECT b.patient_id FROM bindings b WHERE b.device_key = ?1 AND r.corrected_ms >= b.start_ms
         AND (b.end_ms IS NULL OR r.corrected_ms < b.end_ms) ORDER BY b.start_ms DESC LIMIT 1)
        """
    /// Readings flagged `time-untrusted` or `gateway-clock-unsynchronised` (`StatusFlag.timeNotAttributable`) are
    /// outside every window: no binding attributes them by their time.
    static let readingOfDeviceInWindow = """
        r.device_id IN (SELECT id FROM devices WHERE device_key = ?1) AND r.corrected_ms >= ?2 AND (?3 IS NULL OR r.corrected_ms < ?3)         AND instr(',' || r.status || ',', ',time-untrusted,') = 0 AND instr(',' || r.status || ',', ',gateway-clock-unsynchronised,') = 0
        """
    /// Delivered, or set aside because DOM already holds its identifier (state 3): either way DOM has it for that patient.
    static let readingWasDelivered = "EXISTS (SELECT 1 FROM delivery x WHERE x.reading_id = r.id AND x.state IN (1, 3))"

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
            SELECT \(span) FROM readings r WHERE \(Store.readingOfDeviceInWindow) AND \(Store.readingWasDelivered)
            AND r.patient_id IS NOT \(Store.boundPatientOfReading)
            """)
        defer { delivered.reset() }
        try bindWindow(delivered)
        if try delivered.step(), delivered.int64(0) > 0 {
            let (count, last) = (delivered.int64(0), Instant(millisecondsSinceEpoch: delivered.int64(2)))
            throw .refused("\(count) reading(s) of device \(deviceKey) measured from \(Instant(millisecondsSinceEpoch: delivered.int64(1)).iso8601) to \(last.iso8601) were already delivered for the patient bound then; a binding change cannot move them (correct them at DOM). Choose a time after \(last.iso8601)")
        }
        let held = try connection.statement("""
            SELECT \(span) FROM readings r WHERE \(Store.readingOfDeviceInWindow) AND NOT \(Store.readingWasDelivered)
            AND r.patient_id IS NULL AND \(Store.boundPatientOfReading) IS NOT NULL
            """)
        defer { held.reset() }
        try bindWindow(held)
        if try held.step(), held.int64(0) > 0, !releasingHeld {
            let (count, first, last) = (held.int64(0), Instant(millisecondsSinceEpoch: held.int64(1)), Instant(millisecondsSinceEpoch: held.int64(2)))
            throw .refused("\(count) held reading(s) of device \(deviceKey) measured from \(first.iso8601) to \(last.iso8601) fall in this window and would go to this patient; check that they are this patient's and repeat with --release-held, or start the binding after \(last.iso8601)")
        }
        var change = Reattribution()
        let attribute = try connection.statement("""
            UPDATE readings AS r SET patient_id = \(Store.boundPatientOfReading)
            WHERE \(Store.readingOfDeviceInWindow) AND NOT \(Store.readingWasDelivered) AND r.patient_id IS NOT \(Store.boundPatientOfReading)
            RETURNING patient_id IS NULL
            """)
        defer { attribute.reset() }
        try bindWindow(attribute)
        while try attribute.step() {
            if attribute.int64(0) != 0 { change.unattributed += 1 } else { change.attributed += 1 }
        }
        attribute.reset()
        // Held rows go into the queue once their reading has a patient; queued rows whose reading lost it are held.
        let move = try connection.statement("""
            UPDATE delivery SET state = ?5, attempts = 0, last_error_kind = NULL, last_error_message = NULL
            WHERE destination = ?4 AND state = ?6
            AND reading_id IN (SELECT r.id FROM readings r WHERE \(Store.readingOfDeviceInWindow) AND (r.patient_id IS NULL) = ?7)
            """)
        defer { move.reset() }
        for destination in configuration.destinations {
            for (from, to, patientless) in [(DeliveryState.held, DeliveryState.pending, false), (.pending, .held, true)] {
                try bindWindow(move)
                try move.bind(destination, at: 4)
                try move.bind(to.rawValue, at: 5)
                try move.bind(from.rawValue, at: 6)
                try move.bind(patientless ? 1 : 0, at: 7)
                try move.run()
                change.backlogChange[destination, default: 0] += to == .pending ? connection.changes : -connection.changes
            }
        }
        return change
    }
}
