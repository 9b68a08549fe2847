import IoMTCore

/// The alerts tables: alert rows and the interpretation they gave readings, dispatch per channel and failed attempts,
/// clinicians' acknowledgements and silences, the rule sets in force. One of the store's concerns: it owns its SQL and
/// works on the store's connection inside the `Store` actor; `Store` opens the transactions and audits them.
final class AlertJournal {
    let connection: SQLiteConnection

    init(connection: SQLiteConnection) { self.connection = connection }

    static let alertColumns = """
        a.id, a.rule_id, a.rule_set_hash, a.priority, a.condition, a.measurement, a.value, a.unit, a.threshold, \
        a.patient_id, a.device_key, a.observed_ms, a.created_ms, a.observation_id, a.message, \
        a.episode, a.occurrence, a.rule_set_version, a.inputs_json, a.interpretation, a.uid, a.reading_not_stored, a.test
        """

    /// One alert row (and its reading's interpretation); call inside a transaction. An alert whose identifier is
    /// already stored (a retry after an ambiguous failure) is not stored twice: its existing row id is returned.
    func insertAlertRow(_ event: AlertEvent) throws(StoreError) -> Int64 {
        let identifier = event.identifier.isEmpty ? RandomUUID.make() : event.identifier
        if let existing = try alertRowId(identifier: identifier) { return existing }
        let insert = try connection.statement("""
            INSERT INTO alerts (rule_id, rule_set_hash, priority, condition, measurement, value, unit, threshold,
                                patient_id, device_key, observed_ms, created_ms, observation_id, message,
                                episode, occurrence, rule_set_version, inputs_json, interpretation, uid, reading_not_stored, test)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try insert.bind(event.ruleId, at: 1)
        try insert.bind(event.ruleSetHash, at: 2)
        try insert.bind(event.priority.rawValue, at: 3)
        try insert.bind(event.condition, at: 4)
        try insert.bind(event.measurement, at: 5)
        try insert.bind(event.value.map { ObservationCodec.text($0) }, at: 6)
        try insert.bind(event.unit, at: 7)
        try insert.bind(event.threshold.map { ObservationCodec.text($0) }, at: 8)
        try insert.bind(event.patientId, at: 9)
        try insert.bind(event.deviceKey, at: 10)
        try insert.bind(event.observedAt.millisecondsSinceEpoch, at: 11)
        try insert.bind(event.createdAt.millisecondsSinceEpoch, at: 12)
        try insert.bind(event.observationId, at: 13)
        try insert.bind(event.message, at: 14)
        try insert.bind(event.episode, at: 15)
        try insert.bind(event.occurrence.rawValue, at: 16)
        try insert.bind(event.ruleSetVersion, at: 17)
        try insert.bind(event.inputs, at: 18)
        try insert.bind(event.interpretation, at: 19)
        try insert.bind(identifier, at: 20)
        try insert.bind(event.readingNotStored ? 1 : 0, at: 21)
        try insert.bind(event.test?.rawValue, at: 22)
        try insert.run()
        let id = try connection.scalarInt("SELECT last_insert_rowid()") ?? 0
        if let observationId = event.observationId, let code = event.interpretation {
            // The strongest code wins (HH/LL over H/L) when several rules fire on one reading.
            let interpretation = try connection.statement("""
                INSERT INTO reading_interpretation (reading_id, code) VALUES (?1, ?2)
                ON CONFLICT (reading_id) DO UPDATE SET code = ?2 WHERE length(?2) > length(code)
                """)
            try interpretation.bind(observationId, at: 1)
            try interpretation.bind(code, at: 2)
            try interpretation.run()
        }
        return id
    }

    /// Alerts not yet dispatched on a channel ("log", "exec", "webhook", …), oldest first; `after`: only ids
    /// above it (the caller knows everything up to it went out), so the scan does not grow with history.
    /// Test alerts nobody asked to announce (`test = 'recorded'`) are pending only for a channel that takes them (the log).
    func undispatchedAlerts(channel: String, after: Int64 = 0, limit: Int, includeRecordedTests: Bool = false) throws(StoreError) -> [StoredAlert] {
        try loadAlerts("""
            SELECT \(Self.alertColumns) FROM alerts a
            WHERE a.id > ?3 AND (a.test IS NOT 'recorded' OR \(includeRecordedTests ? 1 : 0)) AND NOT EXISTS (SELECT 1 FROM alert_dispatch d WHERE d.alert_id = a.id AND d.channel = ?2)
            ORDER BY a.id LIMIT ?1
            """, parameter: Int64(limit), channel: channel, after: after)
    }

    func alertRowId(identifier: String) throws(StoreError) -> Int64? {
        let select = try connection.statement("SELECT id FROM alerts WHERE uid = ?")
        defer { select.reset() }
        try select.bind(identifier, at: 1)
        return try select.step() ? select.int64(0) : nil
    }

    /// Marks alerts dispatched on a channel by their identifiers, inside a transaction; returns the identifiers
    /// recorded. An alert not stored yet (it went out while the store could not write) is left out, and the
    /// caller records it again once the alert is stored.
    func markAlertsDispatched(identifiers: [String], channel: String, at time: Instant) throws(StoreError) -> [String] {
        let insert = try connection.statement("""
            INSERT OR IGNORE INTO alert_dispatch (alert_id, channel, dispatched_ms) SELECT id, ?2, ?3 FROM alerts WHERE uid = ?1
            """)
        var recorded: [String] = []
        for identifier in identifiers where try alertRowId(identifier: identifier) != nil {
            insert.reset()
            try insert.bind(identifier, at: 1)
            try insert.bind(channel, at: 2)
            try insert.bind(time.millisecondsSinceEpoch, at: 3)
            try insert.run()
            recorded.append(identifier)
        }
        return recorded
    }

    /// Marks several alerts dispatched on a channel; inside a transaction.
    func markAlertsDispatched(_ ids: [Int64], channel: String, at time: Instant) throws(StoreError) {
        let insert = try connection.statement(
            "INSERT OR IGNORE INTO alert_dispatch (alert_id, channel, dispatched_ms) VALUES (?, ?, ?)")
        for id in ids {
            insert.reset()
            try insert.bind(id, at: 1)
            try insert.bind(channel, at: 2)
            try insert.bind(time.millisecondsSinceEpoch, at: 3)
            try insert.run()
        }
    }

    /// Records a failed attempt on a channel (kept for `iomtctl alerts list` and backoff).
    func recordAlertAttemptFailed(_ id: Int64, channel: String, error: String, at time: Instant) throws(StoreError) {
        let upsert = try connection.statement("""
            INSERT INTO alert_dispatch_attempts (alert_id, channel, attempts, last_error, last_attempt_ms) VALUES (?1, ?2, 1, ?3, ?4)
            ON CONFLICT (alert_id, channel) DO UPDATE SET attempts = attempts + 1, last_error = ?3, last_attempt_ms = ?4
            """)
        try upsert.bind(id, at: 1)
        try upsert.bind(channel, at: 2)
        try upsert.bind(error, at: 3)
        try upsert.bind(time.millisecondsSinceEpoch, at: 4)
        try upsert.run()
    }

    /// Failed attempts per channel for one alert: channel → (attempts, last error).
    func alertAttempts(_ id: Int64) throws(StoreError) -> [String: (Int, String)] {
        let select = try connection.statement("SELECT channel, attempts, last_error FROM alert_dispatch_attempts WHERE alert_id = ?")
        defer { select.reset() }
        try select.bind(id, at: 1)
        var result: [String: (Int, String)] = [:]
        while try select.step() { result[select.text(0) ?? ""] = (select.int(1), select.text(2) ?? "") }
        return result
    }

    /// Most recent alerts, newest first.
    func alerts(limit: Int) throws(StoreError) -> [StoredAlert] {
        try loadAlerts("SELECT \(Self.alertColumns) FROM alerts a ORDER BY a.id DESC LIMIT ?1", parameter: Int64(limit), channel: nil)
    }

    func alert(id: Int64) throws(StoreError) -> StoredAlert? {
        try loadAlerts("SELECT \(Self.alertColumns) FROM alerts a WHERE a.id = ?1", parameter: id, channel: nil).first
    }

    /// Adds interpretation codes to rows that carry an alert (only those can have one: no cost for the rest).
    func withInterpretations(_ rows: [StoredObservation]) throws(StoreError) -> [StoredObservation] {
        guard rows.contains(where: { $0.alertPriority != nil }) else { return rows }
        var result = rows
        for index in result.indices where result[index].alertPriority != nil {
            result[index].interpretation = try interpretation(forReading: result[index].id)
            if !result[index].observation.series.isEmpty {
                result[index].seriesInterpretations = try interpretationsByMeasurement(forReading: result[index].id)
            }
        }
        return result
    }

    /// Per measurement, the strongest v3 code (HH/LL over H/L; the first fired among equals) of the alerts that fired on
    /// a reading — for a session, its samples' alerts, each belonging to the series of its measurement.
    func interpretationsByMeasurement(forReading id: Int64) throws(StoreError) -> [String: String] {
        let select = try connection.statement("""
            SELECT measurement, interpretation FROM alerts WHERE observation_id = ? AND interpretation IS NOT NULL ORDER BY id
            """)
        defer { select.reset() }
        try select.bind(id, at: 1)
        var codes: [String: String] = [:]
        while try select.step() {
            guard let measurement = select.text(0), let code = select.text(1) else { continue }
            if code.count > (codes[measurement]?.count ?? 0) { codes[measurement] = code }
        }
        return codes
    }

    /// The v3 interpretation code (H, L, HH, LL) alerts gave a reading, if any.
    func interpretation(forReading id: Int64) throws(StoreError) -> String? {
        let select = try connection.statement("SELECT code FROM reading_interpretation WHERE reading_id = ?")
        defer { select.reset() }
        try select.bind(id, at: 1)
        return try select.step() ? select.text(0) : nil
    }

    /// `parameter` binds ?1 (a limit or an id), `channel` ?2, `after` ?3.
    private func loadAlerts(_ sql: String, parameter: Int64, channel: String?, after: Int64? = nil) throws(StoreError) -> [StoredAlert] {
        let select = try connection.statement(sql)
        try select.bind(parameter, at: 1)
        if let channel { try select.bind(channel, at: 2) }
        if let after { try select.bind(after, at: 3) }
        var rows: [(Int64, AlertEvent)] = []
        do {
            defer { select.reset() }
            while try select.step() {
                guard let priority = AlertPriority(rawValue: select.text(3) ?? "") else {
                    throw StoreError.corrupt("alerts row \(select.int64(0)) has unknown priority \(select.text(3) ?? "NULL")")
                }
                var event = AlertEvent(
                    ruleId: select.text(1) ?? "", ruleSetHash: select.text(2) ?? "", priority: priority,
                    condition: select.text(4) ?? "", measurement: select.text(5) ?? "",
                    value: select.text(6).flatMap(ObservationCodec.decimal), unit: select.text(7) ?? "",
                    threshold: select.text(8).flatMap(ObservationCodec.decimal), patientId: select.text(9),
                    deviceKey: select.text(10) ?? "", observedAt: Instant(millisecondsSinceEpoch: select.int64(11)),
                    createdAt: Instant(millisecondsSinceEpoch: select.int64(12)), observationId: select.optionalInt64(13),
                    message: select.text(14) ?? "", episode: select.text(15) ?? "",
                    occurrence: AlertOccurrence(rawValue: select.text(16) ?? "") ?? .fired,
                    ruleSetVersion: select.text(17) ?? "", inputs: select.text(18) ?? "[]", interpretation: select.text(19))
                event.identifier = select.text(20) ?? ""
                event.readingNotStored = select.int(21) != 0
                event.test = select.text(22).flatMap(AlertTest.init(rawValue:))
                rows.append((select.int64(0), event))
            }
        }
        let channels = try connection.statement("SELECT channel FROM alert_dispatch WHERE alert_id = ?")
        var result: [StoredAlert] = []
        for (id, event) in rows {
            channels.reset()
            try channels.bind(id, at: 1)
            var dispatched: Set<String> = []
            while try channels.step() { dispatched.insert(channels.text(0) ?? "") }
            result.append(StoredAlert(id: id, event: event, dispatchedChannels: dispatched))
        }
        channels.reset()
        return result
    }

    /// Records an acknowledgement or silence; inside a transaction (with its audit entry). Returns its id.
    func recordAlertAction(episode: String, kind: AlertAction.Kind, until: Instant?, actor: String,
                           at time: Instant) throws(StoreError) -> Int64 {
        let insert = try connection.statement(
            "INSERT INTO alert_actions (episode, action, until_ms, actor, time_ms) VALUES (?, ?, ?, ?, ?)")
        try insert.bind(episode, at: 1)
        try insert.bind(kind.rawValue, at: 2)
        try insert.bind(until?.millisecondsSinceEpoch, at: 3)
        try insert.bind(actor, at: 4)
        try insert.bind(time.millisecondsSinceEpoch, at: 5)
        try insert.run()
        return try connection.scalarInt("SELECT last_insert_rowid()") ?? 0
    }

    /// Actions after `afterId`, oldest first (the daemon feeds them to its engine in this order).
    func alertActions(after afterId: Int64) throws(StoreError) -> [AlertAction] {
        try alertActions(where: "id > ?") { (select) throws(StoreError) in try select.bind(afterId, at: 1) }
    }

    /// The episode's acknowledgement and latest silence.
    func episodeState(_ episode: String) throws(StoreError) -> AlertEpisodeState {
        var state = AlertEpisodeState()
        for action in try alertActions(episode: episode) {
            switch action.kind {
            case .acknowledge: if state.acknowledged == nil { state.acknowledged = (action.actor, action.time) }
            case .silence: state.silencedUntil = action.until
            }
        }
        return state
    }

    private func alertActions(episode: String) throws(StoreError) -> [AlertAction] {
        try alertActions(where: "episode = ?") { (select) throws(StoreError) in try select.bind(episode, at: 1) }
    }

    /// Actions matching `condition` (its parameter bound by `bind`), oldest first.
    private func alertActions(where condition: String, bind: (SQLiteStatement) throws(StoreError) -> Void) throws(StoreError) -> [AlertAction] {
        let select = try connection.statement(
            "SELECT id, episode, action, until_ms, actor, time_ms FROM alert_actions WHERE \(condition) ORDER BY id")
        defer { select.reset() }
        try bind(select)
        var result: [AlertAction] = []
        while try select.step() {
            guard let kind = AlertAction.Kind(rawValue: select.text(2) ?? "") else { continue }
            result.append(AlertAction(id: select.int64(0), episode: select.text(1) ?? "", kind: kind,
                                      until: select.optionalInt64(3).map(Instant.init(millisecondsSinceEpoch:)),
                                      actor: select.text(4) ?? "", time: Instant(millisecondsSinceEpoch: select.int64(5))))
        }
        return result
    }

    /// Records the rule set in force. A hash not seen before is a rule change: audited with who made it
    /// and the old and new version and hash (the texts stay in rule_sets). Returns true when it was new.
    /// A rule set recorded as the one in force, and the one it replaced (nil: none before it).
    struct RuleSetChange { var previous: (hash: String, version: String)? }

    /// Inside a transaction: records the rule set unless it is the latest already (then nil).
    func recordRuleSet(hash: String, version: String, source: String, text: String, at time: Instant) throws(StoreError) -> RuleSetChange? {
        let latest = try connection.statement("SELECT hash, version FROM rule_sets ORDER BY first_seen_ms DESC LIMIT 1")
        var previous: (hash: String, version: String)? = nil
        if try latest.step() { previous = (latest.text(0) ?? "", latest.text(1) ?? "") }
        latest.reset()
        if previous?.hash == hash { return nil }
        let insert = try connection.statement("""
            INSERT INTO rule_sets (hash, version, source, text, first_seen_ms) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (hash) DO UPDATE SET first_seen_ms = excluded.first_seen_ms, source = excluded.source
            """)
        try insert.bind(hash, at: 1)
        try insert.bind(version, at: 2)
        try insert.bind(source, at: 3)
        try insert.bind(text, at: 4)
        try insert.bind(time.millisecondsSinceEpoch, at: 5)
        try insert.run()
        return RuleSetChange(previous: previous)
    }

    /// The text of a recorded rule set, for comparing old and new.
    func ruleSetText(hash: String) throws(StoreError) -> String? {
        let select = try connection.statement("SELECT text FROM rule_sets WHERE hash = ?")
        defer { select.reset() }
        try select.bind(hash, at: 1)
        return try select.step() ? select.text(0) : nil
    }
}
