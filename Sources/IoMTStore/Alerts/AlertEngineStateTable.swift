import IoMTCore

/// The alert engine's saved state (`alert_engine_state`, its tracks row by row in `alert_engine_tracks`) and the journal
/// of the events it decided (`alert_engine_journal`). One of the store's concerns (with `AlertJournal`, the alerts'): it
/// owns its SQL and works on the store's connection inside the `Store` actor; the group commit stages what it writes.
final class AlertEngineStateTable {
    let connection: SQLiteConnection

    init(connection: SQLiteConnection) { self.connection = connection }

    /// How long a journalled event is kept after the engine time of the state written with it: an alert row commits
    /// in the same group commit as its state or a later one, well within this.
    static let journalWindowMilliseconds: Int64 = 60_000

    /// Inside a transaction: the events, each once.
    func journal(_ events: [JournalledAlertEvent]) throws(StoreError) {
        let insert = try connection.statement("INSERT OR IGNORE INTO alert_engine_journal (episode, occurrence, created_ms, event_json) VALUES (?1, ?2, ?3, ?4)")
        for event in events {
            try insert.bind(event.episode, at: 1)
            try insert.bind(event.occurrence.rawValue, at: 2)
            try insert.bind(event.createdAt.millisecondsSinceEpoch, at: 3)
            try insert.bind(event.json, at: 4)
            try insert.run()
        }
    }

    /// Inside a transaction: the state unless the row holds a newer one, its changed tracks, and the journal pruned to
    /// the window before the state's time.
    func write(_ state: StagedAlertEngineState, json: String, trackRows: [String: String?]) throws(StoreError) {
        let upsert = try connection.statement("""
            INSERT INTO alert_engine_state (id, rule_set_hash, sequence, state_json, saved_ms) VALUES (1, ?1, ?2, ?3, ?4)
            ON CONFLICT (id) DO UPDATE SET rule_set_hash = ?1, sequence = ?2, state_json = ?3, saved_ms = ?4 WHERE sequence < ?2
            """)
        try upsert.bind(state.ruleSetHash, at: 1)
        try upsert.bind(state.sequence, at: 2)
        try upsert.bind(json, at: 3)
        try upsert.bind(state.savedAt.millisecondsSinceEpoch, at: 4)
        try upsert.run()
        if connection.changes > 0 { try writeTrackRows(trackRows, replacingAll: state.replacesAllTracks) }
        let prune = try connection.statement("DELETE FROM alert_engine_journal WHERE created_ms < ?1")
        try prune.bind(state.savedAt.millisecondsSinceEpoch &- Self.journalWindowMilliseconds, at: 1)
        try prune.run()
    }

    /// Inside the state's transaction: the changed tracks' rows (nil: the track is gone).
    private func writeTrackRows(_ rows: [String: String?], replacingAll: Bool) throws(StoreError) {
        if replacingAll { try connection.execute("DELETE FROM alert_engine_tracks") }
        let upsert = try connection.statement("INSERT OR REPLACE INTO alert_engine_tracks (track_key, track_json) VALUES (?1, ?2)")
        let delete = try connection.statement("DELETE FROM alert_engine_tracks WHERE track_key = ?1")
        for (key, json) in rows {
            if let json {
                try upsert.bind(key, at: 1)
                try upsert.bind(json, at: 2)
                try upsert.run()
            } else if !replacingAll {
                try delete.bind(key, at: 1)
                try delete.run()
            }
        }
    }

    /// Journalled events decided within `journalWindowMilliseconds` of the saved state's time (restart recovery), oldest first.
    func journal() throws(StoreError) -> [JournalledAlertEvent] {
        let select = try connection.statement("SELECT episode, occurrence, created_ms, event_json FROM alert_engine_journal ORDER BY created_ms")
        defer { select.reset() }
        var events: [JournalledAlertEvent] = []
        while try select.step() {
            guard let occurrence = AlertOccurrence(rawValue: select.text(1) ?? "") else { continue }
            events.append(JournalledAlertEvent(episode: select.text(0) ?? "", occurrence: occurrence,
                                               createdAt: Instant(millisecondsSinceEpoch: select.int64(2)), json: select.text(3) ?? ""))
        }
        return events
    }

    /// The saved state, if any.
    func saved() throws(StoreError) -> SavedAlertEngineState? {
        let select = try connection.statement("SELECT rule_set_hash, sequence, state_json, saved_ms FROM alert_engine_state WHERE id = 1")
        defer { select.reset() }
        guard try select.step() else { return nil }
        var saved = SavedAlertEngineState(ruleSetHash: select.text(0) ?? "", sequence: select.int64(1), json: select.text(2) ?? "",
                                          savedAt: Instant(millisecondsSinceEpoch: select.int64(3)))
        let tracks = try connection.statement("SELECT track_key, track_json FROM alert_engine_tracks")
        defer { tracks.reset() }
        while try tracks.step() { saved.tracks[tracks.text(0) ?? ""] = tracks.text(1) ?? "" }
        return saved
    }

    /// True when an alert of this episode and occurrence, created at that instant, is stored (restart recovery).
    func alertExists(episode: String, occurrence: AlertOccurrence, createdAt: Instant) throws(StoreError) -> Bool {
        let select = try connection.statement("SELECT 1 FROM alerts WHERE episode = ?1 AND occurrence = ?2 AND created_ms = ?3 LIMIT 1")
        defer { select.reset() }
        try select.bind(episode, at: 1)
        try select.bind(occurrence.rawValue, at: 2)
        try select.bind(createdAt.millisecondsSinceEpoch, at: 3)
        return try select.step()
    }
}
