import IoMTCore
import IoMTStore

/// Stores alerts durably, then announces them on every channel. An alert is written before any
/// channel sees it, and marked per channel only after that channel took it, so a crash between
/// creation and dispatch is followed by dispatch on restart (`dispatchPending`).
public actor AlertDispatcher {
    private let store: Store
    private let channels: [any AlertChannel]
    private let clock: any WallClock

    public init(store: Store, channels: [any AlertChannel], clock: any WallClock = SystemClock()) {
        self.store = store; self.channels = channels; self.clock = clock
    }

    /// Persists the events (and lifts their observations to the front of the delivery queue), then dispatches.
    @discardableResult
    public func raise(_ events: [AlertEvent]) async throws(StoreError) -> [Int64] {
        var ids: [Int64] = []
        for event in events {
            ids.append(try await store.insertAlert(event))
            if let observationId = event.observationId {
                try await store.setAlertPriority(event.priority, forObservation: observationId)
            }
        }
        await dispatchPending()
        return ids
    }

    /// Delivers every alert some channel has not taken yet (oldest first). Safe to call repeatedly.
    public func dispatchPending() async {
        for channel in channels {
            let pending: [StoredAlert]
            do { pending = try await store.undispatchedAlerts(channel: channel.name, limit: 100) } catch {
                Log.error("cannot read pending alerts: \(error)", "alerts")
                continue
            }
            for alert in pending {
                guard await channel.deliver(alert) else { break } // keep order; retry on the next pass
                do { try await store.markAlertDispatched(alert.id, channel: channel.name, at: clock.now()) } catch {
                    Log.error("cannot mark alert #\(alert.id) dispatched on \(channel.name): \(error)", "alerts")
                }
            }
        }
    }
}
