import IoMTCore

/// The alert engine's saved state (one row): the rule set it was made under and its JSON snapshot.
public struct SavedAlertEngineState: Sendable, Hashable {
    public var ruleSetHash: String
    /// Increases with every snapshot the engine hands over; an older snapshot never overwrites a newer one.
    public var sequence: Int64
    public var json: String
    public var savedAt: Instant

    public init(ruleSetHash: String, sequence: Int64, json: String, savedAt: Instant) {
        self.ruleSetHash = ruleSetHash; self.sequence = sequence; self.json = json; self.savedAt = savedAt
    }
}

extension Store {
    /// Queues the engine state for the next group-commit transaction (the one that stores the alerts handed to
    /// `insertAlerts` after this call, or an earlier one): state is never committed after the alerts it produced.
    public func stageAlertEngineState(_ state: SavedAlertEngineState) {
        if let staged = stagedEngineState, staged.sequence >= state.sequence { return }
        stagedEngineState = state
        scheduleFlush()
    }

    /// Writes the state now, in its own transaction (shutdown, tests).
    public func saveAlertEngineState(_ state: SavedAlertEngineState) throws(StoreError) {
        stageAlertEngineState(state)
        try connection.transaction { () throws(StoreError) in try writeStagedEngineState() }
    }

    /// The saved state, if any.
    public func alertEngineState() throws(StoreError) -> SavedAlertEngineState? {
        let select = try connection.statement("SELECT rule_set_hash, sequence, state_json, saved_ms FROM alert_engine_state WHERE id = 1")
        defer { select.reset() }
        guard try select.step() else { return nil }
        return SavedAlertEngineState(ruleSetHash: select.text(0) ?? "", sequence: select.int64(1), json: select.text(2) ?? "",
                                     savedAt: Instant(millisecondsSinceEpoch: select.int64(3)))
    }

    /// True when an alert of this episode and occurrence, created at that instant, is stored (restart recovery).
    public func alertExists(episode: String, occurrence: AlertOccurrence, createdAt: Instant) throws(StoreError) -> Bool {
        let select = try connection.statement("SELECT 1 FROM alerts WHERE episode = ?1 AND occurrence = ?2 AND created_ms = ?3 LIMIT 1")
        defer { select.reset() }
        try select.bind(episode, at: 1)
        try select.bind(occurrence.rawValue, at: 2)
        try select.bind(createdAt.millisecondsSinceEpoch, at: 3)
        return try select.step()
    }

    /// Inside a transaction: the staged state, if newer than the row. Stays staged when the transaction fails
    /// (the caller restores it through `restageEngineState`).
    func writeStagedEngineState() throws(StoreError) {
        guard let state = stagedEngineState else { return }
        let upsert = try connection.statement("""
            INSERT INTO alert_engine_state (id, rule_set_hash, sequence, state_json, saved_ms) VALUES (1, ?1, ?2, ?3, ?4)
            ON CONFLICT (id) DO UPDATE SET rule_set_hash = ?1, sequence = ?2, state_json = ?3, saved_ms = ?4 WHERE sequence < ?2
            """)
        try upsert.bind(state.ruleSetHash, at: 1)
        try upsert.bind(state.sequence, at: 2)
        try upsert.bind(state.json, at: 3)
        try upsert.bind(state.savedAt.millisecondsSinceEpoch, at: 4)
        try upsert.run()
        stagedEngineState = nil
    }

    /// After a failed transaction: the state it tried to write goes back unless a newer one was staged meanwhile.
    func restageEngineState(_ state: SavedAlertEngineState?) {
        guard let state, (stagedEngineState?.sequence ?? .min) < state.sequence else { return }
        stagedEngineState = state
    }
}
