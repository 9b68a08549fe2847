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

    /// Persists the events in one transaction (with their readings lifted to the front of the delivery queue),
    /// then hands them to the channels without waiting for delivery.
    @discardableResult
    public func raise(_ events: [AlertEvent]) async throws(StoreError) -> [Int64] {
        let ids = try await store.insertAlerts(events)
        let stored = zip(ids, events).map { StoredAlert(id: $0, event: $1, dispatchedChannels: []) }
        for worker in workers { _ = await worker.kick(with: stored) }
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
/// Freshly stored alerts are handed over in memory (no store read before the buzzer sounds); after a failure,
/// and at start, the store is the source, from `floor` on (every alert up to it went out on this channel).
actor ChannelWorker {
    let channel: any AlertChannel
    let store: Store
    let clock: any WallClock
    private var running: Task<Void, Never>?
    private var again = false
    private var handedOver: [StoredAlert] = []
    private var readStore = true
    private var floor: Int64 = 0
    /// Ids delivered lately: an alert read from the store just before its hand-over arrives is not sent twice.
    private var recentlyDelivered: [Int64] = []
    /// Delivered but not yet recorded; recorded by one write at a time, coalesced like a group commit, so
    /// dispatch records do not queue an fsync per alert in front of the next readings.
    private var unmarked: [Int64] = []
    private var marking: Task<Void, Never>?
    static let pageSize = 100

    init(channel: any AlertChannel, store: Store, clock: any WallClock) {
        self.channel = channel; self.store = store; self.clock = clock
    }

    func kick(with alerts: [StoredAlert] = []) -> Task<Void, Never> {
        handedOver += alerts
        if let running { again = true; return running }
        let task = Task { await self.loop() }
        running = task
        return task
    }

    private func loop() async {
        repeat {
            again = false
            await pass()
            // A finished pass means its alerts are recorded (dispatchPending relies on it).
            if !again { await marking?.value }
        } while again
        running = nil
    }

    private func record(_ ids: [Int64]) {
        unmarked += ids
        guard marking == nil, !unmarked.isEmpty else { return }
        marking = Task { await self.flushMarks() }
    }

    private func flushMarks() async {
        while !unmarked.isEmpty {
            let ids = unmarked
            unmarked = []
            do { try await store.markAlertsDispatched(ids, channel: channel.name, at: clock.now()) } catch {
                Log.error("cannot mark \(ids.count) alert(s) dispatched on \(channel.name): \(error)", "alerts")
            }
        }
        marking = nil
    }

    private func pass() async {
        var batch = handedOver.filter { !recentlyDelivered.contains($0.id) }.sorted { $0.id < $1.id }
        handedOver = []
        let fromStore = readStore || batch.isEmpty
        if fromStore {
            await marking?.value // delivered alerts must be recorded before the store is asked what is pending
            do { batch = try await store.undispatchedAlerts(channel: channel.name, after: floor, limit: Self.pageSize) } catch {
                Log.error("cannot read pending alerts: \(error)", "alerts")
                return
            }
        }
        var delivered: [Int64] = []
        var failed: Int64? = nil
        for alert in batch {
            guard await channel.deliver(alert) else {
                failed = alert.id
                try? await store.recordAlertAttemptFailed(alert.id, channel: channel.name, error: "not taken", at: clock.now())
                break // keep order; retry on the next pass
            }
            delivered.append(alert.id)
        }
        recentlyDelivered += delivered
        if recentlyDelivered.count > 1000 { recentlyDelivered.removeFirst(recentlyDelivered.count - 1000) }
        record(delivered)
        if let failed {
            readStore = true
            floor = min(floor, failed - 1)
        } else {
            if fromStore { readStore = batch.count == Self.pageSize } // a full page: more may wait
            if let last = delivered.last { floor = max(floor, last) }
            if readStore { again = true }
        }
    }
}
