import IoMTAlerts
import IoMTCore
import IoMTForward
import IoMTStore

/// Normalise → durable store (group commit) → alert check → dispatch → wake the forwarder.
/// A reading is acknowledged when `store.append` returns. Every reading is evaluated whether or not the store
/// took it: an alarm never waits for the disk.
/// Owns the alert engine: every input (readings, ticks, acknowledgements, gateway conditions) passes
/// through here in one order, which is what makes the daemon's alerts replayable.
public actor AlertEvaluator {
    private var engine: AlertEngine
    public init(ruleSet: RuleSet, context: AlertContext = AlertContext()) { engine = AlertEngine(ruleSet: ruleSet, context: context) }
    /// `ids`: the readings' row ids, nil for readings the store has not taken.
    public func evaluate(_ observations: [Observation], ids: [Int64?], now: Instant) -> [AlertEvent] {
        var events: [AlertEvent] = []
        for (observation, id) in zip(observations, ids) {
            var fired = engine.process(.observation(observation, id: id))
            if id == nil { for index in fired.indices { fired[index].readingNotStored = true } }
            events += fired
        }
        return events + engine.process(.tick(now))
    }
    public func process(_ inputs: [AlertInput]) -> [AlertEvent] { inputs.flatMap { engine.process($0) } }
    public var ruleSet: RuleSet { engine.ruleSet }
}

public actor IngestPipeline {
    let store: Store
    let alerts: AlertEvaluator
    let dispatcher: AlertDispatcher
    let forwarder: Forwarder?
    let health: HealthMonitor
    let clock: any WallClock
    private var deferred: DeferredReadings
    /// The last store failure, while the store is not writing (drives the `store-unwritable` condition).
    private var storeFailure: String?
    private var retrying = false

    public init(store: Store, alerts: AlertEvaluator, dispatcher: AlertDispatcher, forwarder: Forwarder?,
                health: HealthMonitor, clock: any WallClock, maxDeferredReadings: Int = 100_000) {
        self.store = store; self.alerts = alerts; self.dispatcher = dispatcher
        self.forwarder = forwarder; self.health = health; self.clock = clock
        deferred = DeferredReadings(limit: maxDeferredReadings)
    }

    /// Stores the observations and acts on them. Returns the committed row ids; empty when the store could not
    /// take them now: they are then kept in memory (bounded) and stored in order by `retryDeferred`, the failure
    /// is logged, and `store-unwritable` is raised. Alerts are evaluated and announced in either case.
    @discardableResult
    public func accept(_ observations: [Observation]) async -> [Int64] {
        guard !observations.isEmpty else { return [] }
        var ids: [Int64] = []
        let storeFirst = deferred.isEmpty && !retrying
        if storeFirst {
            do { ids = try await store.append(observations) } catch { await storeFailed(error) }
        }
        if ids.isEmpty {
            // Behind older refused readings: a reading is never stored ahead of one that arrived before it.
            if deferred.keep(observations) {
                Log.error("\(observations.count) reading(s) from \(observations[0].device.key) not stored yet, kept in memory (\(deferred.count) waiting)", "store")
            }
        }
        let events = await alerts.evaluate(observations, ids: ids.isEmpty ? observations.map { _ in nil } : ids.map { $0 }, now: clock.now())
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
        while let batch = deferred.batches.first {
            do {
                _ = try await store.append(batch)
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
    func deviceReachability(_ reachable: Bool, device: DeviceIdentity, deviceClass: String?, patientId: String?) async {
        await process([.condition(name: "device-unreachable", active: !reachable, deviceKey: device.key, deviceClass: deviceClass,
                                  patientId: patientId, at: clock.now())])
    }
}
