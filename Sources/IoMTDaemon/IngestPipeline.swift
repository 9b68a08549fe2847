import IoMTAlerts
import IoMTCore
import IoMTForward
import IoMTStore

/// Normalise → durable store (group commit) → alert check → dispatch → wake the forwarder.
/// A reading is acknowledged when `store.append` returns; alerts are raised only for stored rows.
/// Owns the alert engine: every input (readings, ticks, acknowledgements, gateway conditions) passes
/// through here in one order, which is what makes the daemon's alerts replayable.
public actor AlertEvaluator {
    private var engine: AlertEngine
    public init(ruleSet: RuleSet, context: AlertContext = AlertContext()) { engine = AlertEngine(ruleSet: ruleSet, context: context) }
    public func evaluate(_ observations: [Observation], ids: [Int64], now: Instant) -> [AlertEvent] {
        var events: [AlertEvent] = []
        for (observation, id) in zip(observations, ids) {
            events += engine.process(.observation(observation, id: id))
        }
        return events + engine.process(.tick(now))
    }
    public func process(_ inputs: [AlertInput]) -> [AlertEvent] { inputs.flatMap { engine.process($0) } }
    public var ruleSet: RuleSet { engine.ruleSet }
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
    /// which is logged and marks the pipeline unhealthy so the watchdog stops being fed). `marks`: the devices'
    /// download marks these readings cover, committed in the same transaction (never ahead of them).
    @discardableResult
    public func accept(_ observations: [Observation], marks: [DeviceMarkUpdate] = []) async -> [Int64] {
        guard !observations.isEmpty || !marks.isEmpty else { return [] }
        let ids: [Int64]
        do {
            ids = try await store.append(observations, marks: marks)
            await health.storeSucceeded()
        } catch {
            Log.error("readings NOT stored (\(observations.count) from \(observations.first?.device.key ?? marks.first?.deviceKey ?? "?")): \(error)", "store")
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
        await process([.condition(name: "device-unreachable", active: !reachable, deviceKey: device.key, deviceClass: deviceClass,
                                  patientId: patientId, at: clock.now())])
    }
}
