import IoMTAlerts
import IoMTCore
import IoMTForward
import IoMTStore

/// Normalise → durable store (group commit) → alert check → dispatch → wake the forwarder.
/// A reading is acknowledged when `store.append` returns. Every reading is evaluated whether or not the store
/// took it: an alarm never waits for the disk.
/// Owns the alert engine: every input (readings, ticks, acknowledgements, gateway conditions) passes
/// through here in one order, which is what makes the daemon's alerts replayable.
///
/// With a store, the engine's state is durable: after every input that changes what a clinician could notice
/// (an episode opened, announced, acknowledged, resolved; a persistence window started; a timer moved), the
/// snapshot is staged in the store *before* the events are returned, so it commits in the same group commit as
/// their alert rows or an earlier one. The events are journalled with it (each once; the store keeps the last
/// minute's): when a crash falls between the state's commit and the alerts', `restore()` hands back those not
/// stored, to be raised once. The snapshot is encoded by the group commit that writes it, once per commit.
public actor AlertEvaluator {
    private var engine: AlertEngine
    private let store: Store?
    private var savedDigest: Int?
    private var sequence: Int64 = 0
    /// The state as last handed to the store: the next one writes only the tracks that differ (nil: all of them).
    private var persistedSnapshot: AlertEngineSnapshot?

    public init(ruleSet: RuleSet, context: AlertContext = AlertContext(), store: Store? = nil) {
        engine = AlertEngine(ruleSet: ruleSet, context: context)
        self.store = store
    }

    /// `ids`: the readings' row ids, nil for readings the store has not taken. `announceTestAlarms`: alerts the test
    /// readings among them fire go to the alarm channels, flagged test (the technician asked: `replay --alarms`).
    public func evaluate(_ observations: [Observation], ids: [Int64?], now: Instant, announceTestAlarms: Bool = false) async -> [AlertEvent] {
        var events: [AlertEvent] = []
        // A reading carrying sample series (an overnight oximetry session) is evaluated sample by sample.
        for (observation, id) in zip(observations, ids) {
            for reading in observation.evaluatedReadings {
                var fired = engine.process(.observation(reading, id: id), announcingTests: announceTestAlarms)
                if id == nil { for index in fired.indices { fired[index].readingNotStored = true } }
                events += fired
            }
        }
        events += engine.process(.tick(now))
        await persist(events)
        return events
    }

    public func process(_ inputs: [AlertInput]) async -> [AlertEvent] {
        let events = inputs.flatMap { engine.process($0) }
        await persist(events)
        return events
    }

    public var ruleSet: RuleSet { engine.ruleSet }
    public var openEpisodes: Int { engine.openEpisodeCount }

    /// Continues from the saved state (call once, before the first input). Returns the events of the saved state's
    /// last minute that have no alert row (the crash fell between the two commits): raise them, once.
    public func restore() async -> [AlertEvent] {
        guard let store else { return [] }
        do {
            guard let saved = try await store.alertEngineState() else { return [] }
            sequence = saved.sequence
            let snapshot = try AlertEngineSnapshot.decode(json: saved.json, tracks: saved.tracks)
            // Saved whole (tracks inside its JSON, no rows yet): the first write gives every track its row.
            persistedSnapshot = saved.tracks.isEmpty && snapshot.tracksCount > 0 ? nil : snapshot
            engine = AlertEngine(ruleSet: engine.ruleSet, context: engine.context, restoring: snapshot)
            let sameRules = snapshot.ruleSetHash == engine.ruleSet.hash
            Log.notice("alert engine state restored (saved \(saved.savedAt.iso8601), rule set \(sameRules ? "unchanged" : "changed: \(engine.droppedTracks) state(s) of changed or removed rules dropped")): \(engine.openEpisodeCount) open episode(s)", "alerts")
            var missing: [AlertEvent] = []
            // Snapshots written before the journal existed carry their recent events themselves.
            let journalled = try await store.alertEngineJournal().compactMap { try? AlertEvent.decode(json: $0.json) }
            for event in snapshot.recentEvents + journalled where !missing.contains(event) {
                if try await !store.alertExists(episode: event.episode, occurrence: event.occurrence, createdAt: event.createdAt) {
                    missing.append(event)
                }
            }
            if !missing.isEmpty { Log.warning("\(missing.count) alert(s) decided before the restart were not stored: raising them now", "alerts") }
            savedDigest = engine.materialDigest
            return missing
        } catch {
            Log.error("alert engine state NOT restored (\(error)): starting with no open episodes; ongoing conditions alarm again", "alerts")
            return []
        }
    }

    /// The daemon started on the store's stand-in (its file would not open), so `restore()` found nothing; now the file
    /// is open and `saved` is what it held. State of rules and scopes this engine has not touched since carries on —
    /// open episodes with their acknowledgement, silence, latch and escalation, persistence windows, missed-measurement
    /// clocks; where the engine already has state (the condition was evaluated again while the store was closed), its
    /// own stands: what it announced cannot be taken back. Returns journalled events with no alert row (raise them).
    public func continueAfterDegradedStart(saved: SavedAlertEngineState, journal: [JournalledAlertEvent]) async -> [AlertEvent] {
        guard let store else { return [] }
        let snapshot: AlertEngineSnapshot
        do { snapshot = try AlertEngineSnapshot.decode(json: saved.json, tracks: saved.tracks) } catch {
            Log.error("the alert engine state saved before this start is unreadable (\(error)): episodes open before it are not continued", "alerts")
            return []
        }
        let previous = AlertEngine(ruleSet: engine.ruleSet, context: engine.context, restoring: snapshot)
        let (adopted, superseded) = engine.adoptUntouchedState(of: previous)
        Log.notice("alert engine state saved before this start (\(saved.savedAt.iso8601)) continued now that the store is open: "
                   + "\(adopted) state(s) carried on, \(superseded) superseded by what was evaluated while the store was closed; "
                   + "\(engine.openEpisodeCount) open episode(s)", "alerts")
        sequence = max(sequence, saved.sequence)
        savedDigest = nil // the merged state is written with the next commit, over the saved one, every track
        persistedSnapshot = nil
        await persist([])
        var missing: [AlertEvent] = []
        for event in journal.compactMap({ try? AlertEvent.decode(json: $0.json) }) where !missing.contains(event) {
            if (try? await store.alertExists(episode: event.episode, occurrence: event.occurrence, createdAt: event.createdAt)) == false {
                missing.append(event)
            }
        }
        return missing
    }

    private func persist(_ events: [AlertEvent]) async {
        guard let store else { return }
        let digest = engine.materialDigest
        guard digest != savedDigest || !events.isEmpty else { return }
        savedDigest = digest
        sequence += 1
        let snapshot = engine.snapshot()
        var journal: [JournalledAlertEvent] = []
        for event in events {
            do {
                journal.append(JournalledAlertEvent(episode: event.episode, occurrence: event.occurrence, createdAt: event.createdAt,
                                                    json: try event.json()))
            } catch {
                Log.error("alert event NOT journalled (\(error)); it is raised now, but a crash before its row commits would lose it", "alerts")
            }
        }
        let state = StagedAlertEngineState(ruleSetHash: snapshot.ruleSetHash, sequence: sequence,
                                           savedAt: engine.now ?? Instant(millisecondsSinceEpoch: 0), encode: { try snapshot.headerJSON() },
                                           trackChanges: snapshot.trackChanges(since: persistedSnapshot), replacesAllTracks: persistedSnapshot == nil)
        persistedSnapshot = snapshot
        await store.stageAlertEngineState(state, events: journal)
    }
}

public actor IngestPipeline {
    nonisolated package let store: Store
    nonisolated package let alerts: AlertEvaluator
    nonisolated package let dispatcher: AlertDispatcher
    nonisolated package let forwarder: Forwarder?
    nonisolated package let health: HealthMonitor
    nonisolated package let clock: any WallClock
    private var deferred: DeferredReadings
    /// The last store failure, while the store is not writing (drives the `store-unwritable` condition).
    private var storeFailure: String?
    private var retrying = false
    /// Set while the daemon runs on the store's stand-in (its file could not be opened at start).
    private var reopening: StoreReopenSchedule?
    private var storeOpened: (@Sendable () async -> Void)?
    /// A demonstration gateway (configuration `demonstration`): every reading is labelled demonstration data, and the
    /// alarms it fires go out flagged test — a demo never raises what looks like a patient's alarm.
    let demonstration: Bool

    public init(store: Store, alerts: AlertEvaluator, dispatcher: AlertDispatcher, forwarder: Forwarder?,
                health: HealthMonitor, clock: any WallClock, maxDeferredReadings: Int = 100_000, demonstration: Bool = false) {
        self.store = store; self.alerts = alerts; self.dispatcher = dispatcher
        self.forwarder = forwarder; self.health = health; self.clock = clock
        self.demonstration = demonstration
        deferred = DeferredReadings(limit: maxDeferredReadings)
    }

    /// Stores the observations and acts on them. Returns the committed row ids; empty when the store could not
    /// take them now: they are then kept in memory (bounded) and stored in order by `retryDeferred`, the failure
    /// is logged, and `store-unwritable` is raised. Alerts are evaluated and announced in either case.
    /// `marks`: the devices' download marks these readings cover, committed in the same transaction (never ahead of
    /// them). Marks are not kept in memory: when the store refuses, the device is asked again from the stored mark
    /// at its next connection (what it resends is set aside at delivery by the dedup ledger).
    /// `announceTestAlarms`: alerts fired by test data among them are announced on every channel (flagged test)
    /// instead of only recorded; only `iomtctl replay --alarms` sets it (audited there).
    @discardableResult
    public func accept(_ observations: [Observation], marks: [DeviceMarkUpdate] = [], announceTestAlarms: Bool = false) async -> [Int64] {
        var observations = observations
        if demonstration { for index in observations.indices { observations[index].status.insert(.demonstrationData) } }
        let announceTestAlarms = announceTestAlarms || demonstration
        guard !observations.isEmpty else {
            if !marks.isEmpty, deferred.isEmpty, !retrying { _ = try? await store.append([], marks: marks) }
            return []
        }
        var ids: [Int64] = []
        let storeFirst = deferred.isEmpty && !retrying
        if storeFirst {
            do {
                let stored = try await store.appendAttributing(observations, marks: marks)
                CommitWitness.shared?.committed(observations)
                ids = stored.map(\.id)
                // Evaluated as stored: a clinic reading with the patient its binding gave it (its z-score and baseline
                // rules need one, and the binding's demographics).
                for (index, reading) in stored.enumerated() where observations[index].patientId == nil {
                    observations[index].patientId = reading.patientId
                    observations[index].bindingId = reading.bindingId
                }
            } catch { await storeFailed(error) }
        }
        if ids.isEmpty {
            // Behind older refused readings: a reading is never stored ahead of one that arrived before it.
            if deferred.keep(observations) {
                Log.error("\(observations.count) reading(s) from \(observations[0].device.key) not stored yet, kept in memory (\(deferred.count) waiting)", "store")
            }
        }
        let events = await alerts.evaluate(observations, ids: ids.isEmpty ? observations.map { _ in nil } : ids.map { $0 }, now: clock.now(),
                                           announceTestAlarms: announceTestAlarms)
        // While the store fails, the alarm goes out before the store is tried again (that may wait on a lock).
        if !events.isEmpty { await dispatcher.raise(events, storeFailing: storeFailure != nil) }
        if ids.isEmpty, !storeFirst { await retryDeferred() } // when it was just tried, the daemon retries once a second
        if !ids.isEmpty { await forwarder?.nudge() }
        return ids
    }

    /// Stores the readings (then the alerts) kept while the store could not write, oldest first; true when
    /// nothing waits any more. Called before every append and once a second by the daemon.
    @discardableResult
    public func retryDeferred() async -> Bool {
        guard !retrying else { return false } // one retry at a time, or a batch could be stored twice
        retrying = true
        defer { retrying = false }
        guard await reopenStoreIfDue() else { return false }
        while let batch = deferred.batches.first {
            do {
                _ = try await store.append(batch)
                CommitWitness.shared?.committed(batch)
            } catch {
                await storeFailed(error)
                return false
            }
            deferred.removeFirst()
            if deferred.isEmpty { Log.notice("readings kept while the store could not write are stored now", "store") }
        }
        guard await dispatcher.storeDeferred() else { return false }
        if storeFailure != nil {
            storeFailure = nil
            await health.storeSucceeded()
            await forwarder?.nudge()
            await process([Self.storeCondition(active: false, at: clock.now())])
        }
        return true
    }

    /// The store file could not be opened at start and the daemon runs on its stand-in (StoreReopen.swift):
    /// `store-unwritable` is raised now, and opening is tried again on `StoreReopenSchedule` by `retryDeferred`.
    /// `opened` runs once the file is open (what start-up could not record).
    public func storeUnavailableAtStart(_ error: StoreError, opened: @escaping @Sendable () async -> Void) async {
        reopening = StoreReopenSchedule(startingAt: clock.now())
        storeOpened = opened
        await storeFailed(error)
    }

    /// True when the store's file is open (or was all along); false while it still cannot be opened.
    private func reopenStoreIfDue() async -> Bool {
        guard var schedule = reopening else { return true }
        let now = clock.now()
        guard schedule.isDue(now) else { return false }
        do {
            let reopened = try await store.reopen()
            reopening = nil
            Log.notice("the store opened after \(schedule.failedAttempts + 1) attempt(s); storing what waited in memory", "store")
            if let movedAside = reopened?.movedAside { await storeReplaced(movedAside: movedAside) }
            if let saved = reopened?.alertEngineState {
                let missed = await alerts.continueAfterDegradedStart(saved: saved, journal: reopened?.alertEngineJournal ?? [])
                if !missed.isEmpty { await dispatcher.raise(missed) }
            }
            await storeOpened?()
            storeOpened = nil
            return true
        } catch {
            schedule.failed(at: now)
            reopening = schedule
            storeFailure = error.description
            return false
        }
    }

    /// A corrupt store file was moved aside and a new one started: audited, and `store-replaced` raised.
    public func storeReplaced(movedAside: String) async {
        try? await store.audit(actor: "iomtd", action: "store-replaced", detail: "corrupt store moved aside to \(movedAside)", at: clock.now())
        await process([.condition(name: "store-replaced", active: true, deviceKey: "gateway", deviceClass: nil, patientId: nil, at: clock.now())])
    }

    /// Readings waiting in memory for the store, and readings lost because that queue was full.
    public var deferredReadings: (waiting: Int, lost: Int) { (deferred.count, deferred.dropped) }

    /// The store's write failure while it lasts (nil: writing).
    public var storeProblem: String? { storeFailure }

    /// Whether the store writes, and what waits in memory for it (status, metrics).
    public func storeHealth() async -> StoreHealth {
        StoreHealth(problem: storeFailure, readingsWaiting: deferred.count, readingsLost: deferred.dropped,
                    alertsWaiting: await dispatcher.unstoredCount, alertsNotStored: await dispatcher.unstoredDropped)
    }

    private func storeFailed(_ error: StoreError) async {
        let first = storeFailure == nil
        storeFailure = error.description
        await health.storeFailed(error.description)
        if first {
            Log.error("the store cannot write: \(error); readings wait in memory, alarms still go out. Check with: iomtctl store check", "store")
            await process([Self.storeCondition(active: true, at: clock.now())])
        }
    }

    static func storeCondition(active: Bool, at time: Instant) -> AlertInput {
        .condition(name: "store-unwritable", active: active, deviceKey: "gateway", deviceClass: nil, patientId: nil, at: time)
    }

    /// Feeds non-reading inputs (ticks, acknowledgements, gateway conditions) and raises what they fire.
    public func process(_ inputs: [AlertInput]) async {
        let events = await alerts.process(inputs)
        guard !events.isEmpty else { return }
        await dispatcher.raise(events, storeFailing: storeFailure != nil)
    }

    /// A device's port opened (reachable) or closed (unreachable), for the `device-unreachable` technical rule.
    package func deviceReachability(_ reachable: Bool, device: DeviceIdentity, deviceClass: String?, patientId: String?) async {
        await deviceCondition("device-unreachable", active: !reachable, device: device, deviceClass: deviceClass, patientId: patientId)
    }

    /// A technical condition of one device (`device-unreachable`, `device-no-frames`) for the alert engine's rules.
    package func deviceCondition(_ name: String, active: Bool, device: DeviceIdentity, deviceClass: String?, patientId: String?) async {
        await process([.condition(name: name, active: active, deviceKey: device.key, deviceClass: deviceClass,
                                  patientId: patientId, at: clock.now())])
    }
}
