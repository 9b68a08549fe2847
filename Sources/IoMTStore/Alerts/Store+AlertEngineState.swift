import IoMTCore

/// The alert engine's saved state (one row): the rule set it was made under and its JSON snapshot.
public struct SavedAlertEngineState: Sendable, Hashable {
    public var ruleSetHash: String
    /// Increases with every snapshot the engine hands over; an older snapshot never overwrites a newer one.
    public var sequence: Int64
    public var json: String
    public var savedAt: Instant
    /// The tracks saved row by row (key → JSON); empty for a snapshot saved whole (its tracks are inside `json`).
    public var tracks: [String: String]

    public init(ruleSetHash: String, sequence: Int64, json: String, savedAt: Instant, tracks: [String: String] = [:]) {
        self.ruleSetHash = ruleSetHash; self.sequence = sequence; self.json = json; self.savedAt = savedAt; self.tracks = tracks
    }
}

/// A state handed to the store but not written yet. Its JSON is made when the group commit writes it, so a burst of
/// inputs costs one encoding per commit, not one per input (frame → alert latency stays flat under load). Tracks
/// travel as changes: only those that changed since the last staged state are encoded and written.
public struct StagedAlertEngineState: Sendable {
    public var ruleSetHash: String
    public var sequence: Int64
    public var savedAt: Instant
    /// The state without its tracks.
    let encode: @Sendable () throws -> String
    /// Track key → its JSON, or nil to delete the row. Changes staged earlier and not yet written are kept unless a
    /// later change of the same track replaces them.
    var trackChanges: [String: @Sendable () throws -> String?]
    /// Every track row not in `trackChanges` goes (a state that replaces the saved one whole).
    var replacesAllTracks: Bool

    public init(ruleSetHash: String, sequence: Int64, savedAt: Instant, encode: @escaping @Sendable () throws -> String,
                trackChanges: [String: @Sendable () throws -> String?] = [:], replacesAllTracks: Bool = false) {
        self.ruleSetHash = ruleSetHash; self.sequence = sequence; self.savedAt = savedAt; self.encode = encode
        self.trackChanges = trackChanges; self.replacesAllTracks = replacesAllTracks
    }

    /// This state, carrying the track changes of `earlier` that it does not change itself (both unwritten).
    func absorbing(_ earlier: StagedAlertEngineState) -> StagedAlertEngineState {
        var merged = self
        if !replacesAllTracks {
            merged.trackChanges = earlier.trackChanges.merging(trackChanges) { _, newer in newer }
            merged.replacesAllTracks = earlier.replacesAllTracks
        }
        return merged
    }
}

/// One alert event the engine decided, journalled with the state that produced it (each event written once).
public struct JournalledAlertEvent: Sendable, Hashable {
    public var episode: String
    public var occurrence: AlertOccurrence
    public var createdAt: Instant
    public var json: String

    public init(episode: String, occurrence: AlertOccurrence, createdAt: Instant, json: String) {
        self.episode = episode; self.occurrence = occurrence; self.createdAt = createdAt; self.json = json
    }
}

extension Store {
    /// Queues the engine state for the next group-commit transaction (the one that stores the alerts handed to
    /// `insertAlerts` after this call, or an earlier one): state is never committed after the alerts it produced.
    /// `events`: the alert events decided since the last call, journalled in the same transaction as the state.
    public func stageAlertEngineState(_ state: StagedAlertEngineState, events: [JournalledAlertEvent] = []) {
        stagedEngineEvents += events
        if let staged = stagedEngineState, staged.sequence >= state.sequence {
            stagedEngineState = staged.absorbing(state) // an older state's track changes still count
            if !events.isEmpty { scheduleFlush() }
            return
        }
        stagedEngineState = stagedEngineState.map { state.absorbing($0) } ?? state
        scheduleFlush()
    }

    /// Writes the state now, in its own transaction (shutdown, tests).
    public func saveAlertEngineState(_ state: StagedAlertEngineState, events: [JournalledAlertEvent] = []) throws(StoreError) {
        stageAlertEngineState(state, events: events)
        let staged = stagedEngineWrite
        do {
            try connection.transaction { () throws(StoreError) in try writeStagedEngineState() }
        } catch {
            restageEngineState(staged)
            throw error
        }
    }

    /// Journalled events decided within the journal window of the saved state's time (restart recovery), oldest first.
    public func alertEngineJournal() throws(StoreError) -> [JournalledAlertEvent] { try engineStateTable.journal() }

    /// The saved state, if any.
    public func alertEngineState() throws(StoreError) -> SavedAlertEngineState? { try engineStateTable.saved() }

    /// True when an alert of this episode and occurrence, created at that instant, is stored (restart recovery).
    public func alertExists(episode: String, occurrence: AlertOccurrence, createdAt: Instant) throws(StoreError) -> Bool {
        try engineStateTable.alertExists(episode: episode, occurrence: occurrence, createdAt: createdAt)
    }

    /// What the next group commit writes for the engine (captured before it, restored by `restageEngineState` if it fails).
    var stagedEngineWrite: (state: StagedAlertEngineState?, events: [JournalledAlertEvent]) {
        (stagedEngineState, stagedEngineEvents)
    }

    /// Inside a transaction: the staged state, if newer than the row, and the staged events. Both stay staged in
    /// memory when the transaction fails (the caller puts them back through `restageEngineState`).
    func writeStagedEngineState() throws(StoreError) {
        if !stagedEngineEvents.isEmpty {
            try engineStateTable.journal(stagedEngineEvents)
            stagedEngineEvents = []
        }
        guard let state = stagedEngineState else { return }
        let json: String
        var trackRows: [String: String?] = [:]
        do {
            json = try state.encode()
            for (key, encode) in state.trackChanges { trackRows[key] = .some(try encode()) }
        } catch {
            Log.error("alert engine state NOT saved: \(error)", "alerts")
            stagedEngineState = nil
            return
        }
        try engineStateTable.write(state, json: json, trackRows: trackRows)
        stagedEngineState = nil
    }

    /// After a failed transaction: the state it tried to write goes back unless a newer one was staged meanwhile,
    /// and its events go back ahead of any staged since.
    func restageEngineState(_ write: (state: StagedAlertEngineState?, events: [JournalledAlertEvent])) {
        stagedEngineEvents = write.events + stagedEngineEvents
        guard let state = write.state else { return }
        // Its track changes were not written: a newer staged state carries them along.
        stagedEngineState = stagedEngineState.map { $0.sequence > state.sequence ? $0.absorbing(state) : state.absorbing($0) } ?? state
    }
}
