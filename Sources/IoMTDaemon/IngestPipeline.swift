import IoMTAlerts
import IoMTCore
import IoMTForward
import IoMTStore

/// Normalise → durable store (group commit) → alert check → dispatch → wake the forwarder.
/// A reading is acknowledged when `store.append` returns; alerts are raised only for stored rows.
/// Owns the alert engine: every input (readings, ticks, acknowledgements, gateway conditions) passes
/// through here in one order, which is what makes the daemon's alerts replayable.
///
/// With a store, the engine's state is durable: after every input that changes what a clinician could notice
/// (an episode opened, announced, acknowledged, resolved; a persistence window started; a timer moved), the
/// snapshot is staged in the store *before* the events are returned, so it commits in the same group commit as
/// their alert rows or an earlier one. The snapshot carries the last minute's events: when a crash falls between
/// the state's commit and the alerts', `restore()` hands back those not stored, to be raised once.
public actor AlertEvaluator {
    private var engine: AlertEngine
    private let store: Store?
    private var savedDigest: Int?
    private var sequence: Int64 = 0
    /// Events handed out within `recoveryWindowMilliseconds` of engine time (saved with the state).
    private var recentEvents: [AlertEvent] = []
    static let recoveryWindowMilliseconds: Int64 = 60_000

    public init(ruleSet: RuleSet, context: AlertContext = AlertContext(), store: Store? = nil) {
        engine = AlertEngine(ruleSet: ruleSet, context: context)
        self.store = store
    }

    public func evaluate(_ observations: [Observation], ids: [Int64], now: Instant) async -> [AlertEvent] {
        var events: [AlertEvent] = []
        for (observation, id) in zip(observations, ids) {
            events += engine.process(.observation(observation, id: id))
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
            let snapshot = try AlertEngineSnapshot.decode(json: saved.json)
            engine = AlertEngine(ruleSet: engine.ruleSet, context: engine.context, restoring: snapshot)
            let sameRules = snapshot.ruleSetHash == engine.ruleSet.hash
            Log.notice("alert engine state restored (saved \(saved.savedAt.iso8601), rule set \(sameRules ? "unchanged" : "changed: \(engine.droppedTracks) state(s) of changed or removed rules dropped")): \(engine.openEpisodeCount) open episode(s)", "alerts")
            var missing: [AlertEvent] = []
            for event in snapshot.recentEvents where !(try await store.alertExists(episode: event.episode, occurrence: event.occurrence, createdAt: event.createdAt)) {
                missing.append(event)
            }
            if !missing.isEmpty { Log.warning("\(missing.count) alert(s) decided before the restart were not stored: raising them now", "alerts") }
            recentEvents = snapshot.recentEvents
            savedDigest = engine.materialDigest
            return missing
        } catch {
            Log.error("alert engine state NOT restored (\(error)): starting with no open episodes; ongoing conditions alarm again", "alerts")
            return []
        }
    }

    private func persist(_ events: [AlertEvent]) async {
        guard let store else { return }
        if let now = engine.now {
            recentEvents.removeAll { now.milliseconds(since: $0.createdAt) > Self.recoveryWindowMilliseconds }
        }
        recentEvents += events
        let digest = engine.materialDigest
        guard digest != savedDigest || !events.isEmpty else { return }
        savedDigest = digest
        sequence += 1
        var snapshot = engine.snapshot()
        snapshot.recentEvents = recentEvents
        do {
            let state = SavedAlertEngineState(ruleSetHash: snapshot.ruleSetHash, sequence: sequence, json: try snapshot.json(),
                                              savedAt: engine.now ?? Instant(millisecondsSinceEpoch: 0))
            await store.stageAlertEngineState(state)
        } catch {
            Log.error("alert engine state NOT saved: \(error)", "alerts")
        }
    }
}

public final class IngestPipeline: Sendable {
    let store: Store
    let alerts: AlertEvaluator
    let dispatcher: AlertDispatcher
    let forwarder: Forwarder?
    let health: HealthMonitor
    let clock: any WallClock

    public init(store: Store, alerts: AlertEvaluator, dispatcher: AlertDispatcher, forwarder: Forwarder?,
                health: HealthMonitor, clock: any WallClock) {
        self.store = store; self.alerts = alerts; self.dispatcher = dispatcher
        self.forwarder = forwarder; self.health = health; self.clock = clock
    }

    /// Stores the observations and acts on them. Returns the committed row ids (empty on failure,
    /// which is logged and marks the pipeline unhealthy so the watchdog stops being fed).
    @discardableResult
    public func accept(_ observations: [Observation]) async -> [Int64] {
        guard !observations.isEmpty else { return [] }
        let ids: [Int64]
        do {
            ids = try await store.append(observations)
            CommitWitness.shared?.committed(observations)
            await health.storeSucceeded()
        } catch {
            Log.error("readings NOT stored (\(observations.count) from \(observations[0].device.key)): \(error)", "store")
            await health.storeFailed(error.description)
            return []
        }
        let events = await alerts.evaluate(observations, ids: ids, now: clock.now())
        if !events.isEmpty {
            do { try await dispatcher.raise(events) } catch {
                Log.error("alert NOT stored: \(error)", "alerts")
                await health.storeFailed(error.description)
            }
        }
        await forwarder?.nudge()
        return ids
    }

    /// Feeds non-reading inputs (ticks, acknowledgements, gateway conditions) and raises what they fire.
    public func process(_ inputs: [AlertInput]) async {
        let events = await alerts.process(inputs)
        guard !events.isEmpty else { return }
        do { try await dispatcher.raise(events) } catch {
            Log.error("alert NOT stored: \(error)", "alerts")
            await health.storeFailed(error.description)
        }
    }

    /// A device's port opened (reachable) or closed (unreachable), for the `device-unreachable` technical rule.
    func deviceReachability(_ reachable: Bool, device: DeviceIdentity, deviceClass: String?, patientId: String?) async {
        await deviceCondition("device-unreachable", active: !reachable, device: device, deviceClass: deviceClass, patientId: patientId)
    }

    /// A technical condition of one device (`device-unreachable`, `device-no-frames`) for the alert engine's rules.
    func deviceCondition(_ name: String, active: Bool, device: DeviceIdentity, deviceClass: String?, patientId: String?) async {
        await process([.condition(name: name, active: active, deviceKey: device.key, deviceClass: deviceClass,
                                  patientId: patientId, at: clock.now())])
    }
}
