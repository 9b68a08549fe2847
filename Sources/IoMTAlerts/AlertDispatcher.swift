import IoMTCore
import IoMTStore

/// Stores alerts durably, then announces them on every channel. An alert is written before any
/// channel sees it, and marked per channel only after that channel took it, so a crash between
/// creation and dispatch is followed by dispatch on restart (`dispatchPending`).
///
/// Each channel drains on its own worker: a webhook that is down (and times out) neither delays the
/// buzzer nor the ingest pipeline, which only waits for the alert to be stored.
public actor AlertDispatcher {
    private let store: Store
    private let workers: [ChannelWorker]

    public init(store: Store, channels: [any AlertChannel], clock: any WallClock = SystemClock()) {
        self.store = store
        workers = channels.map { ChannelWorker(channel: $0, store: store, clock: clock) }
    }

    /// Persists the events (and lifts their observations to the front of the delivery queue), then starts
    /// dispatch without waiting for it.
    @discardableResult
    public func raise(_ events: [AlertEvent]) async throws(StoreError) -> [Int64] {
        var ids: [Int64] = []
        for event in events {
            ids.append(try await store.insertAlert(event))
            if let observationId = event.observationId {
                try await store.setAlertPriority(event.priority, forObservation: observationId)
            }
        }
        for worker in workers { _ = await worker.kick() }
        return ids
    }

    /// Delivers every alert some channel has not taken yet (oldest first) and waits until each channel's
    /// pass is over. Safe to call repeatedly and concurrently.
    public func dispatchPending() async {
        var passes: [Task<Void, Never>] = []
        for worker in workers { passes.append(await worker.kick()) }
        for pass in passes { await pass.value }
    }
}

/// One channel's delivery loop: never two passes at once (no duplicate delivery), and a kick during a pass
/// runs one more pass after it, so an alert stored meanwhile is not left for the next retry timer.
actor ChannelWorker {
    let channel: any AlertChannel
    let store: Store
    let clock: any WallClock
    private var running: Task<Void, Never>?
    private var again = false

    init(channel: any AlertChannel, store: Store, clock: any WallClock) {
        self.channel = channel; self.store = store; self.clock = clock
    }

    func kick() -> Task<Void, Never> {
        if let running { again = true; return running }
        let task = Task { await self.loop() }
        running = task
        return task
    }

    private func loop() async {
        repeat {
            again = false
            await pass()
        } while again
        running = nil
    }

    private func pass() async {
        let pending: [StoredAlert]
        do { pending = try await store.undispatchedAlerts(channel: channel.name, limit: 100) } catch {
            Log.error("cannot read pending alerts: \(error)", "alerts")
            return
        }
        for alert in pending {
            guard await channel.deliver(alert) else {
                try? await store.recordAlertAttemptFailed(alert.id, channel: channel.name, error: "not taken", at: clock.now())
                return // keep order; retry on the next pass
            }
            do { try await store.markAlertDispatched(alert.id, channel: channel.name, at: clock.now()) } catch {
                Log.error("cannot mark alert #\(alert.id) dispatched on \(channel.name): \(error)", "alerts")
            }
        }
    }
}
