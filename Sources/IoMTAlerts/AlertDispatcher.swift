import IoMTCore
import IoMTStore

/// Stores alerts durably, then announces them on every channel. While the store takes writes, an alert is
/// written before any channel sees it, and marked per channel only after that channel took it, so a crash
/// between creation and dispatch is followed by dispatch on restart (`dispatchPending`).
///
/// When the store cannot write (disk full, read-only, I/O error, a lock held too long) the alarm is not held
/// back: it goes out on every channel at once from memory (known by its identifier, it has no row id yet),
/// and waits in a bounded queue to be stored (`storeDeferred`) when the store is back; channels
/// record their delivery by the alert's identifier once it is stored.
///
/// Each channel drains on its own worker: a webhook that is down (and times out) neither delays the
/// buzzer nor the ingest pipeline, which only waits for the alert to be stored.
public actor AlertDispatcher {
    private let store: Store
    private let workers: [ChannelWorker]
    /// Announced but not yet stored, oldest first.
    private var unstored: [AlertEvent] = []
    private var storingDeferred = false
    /// Alerts announced but never stored because `maxUnstoredAlerts` was reached (each one logged as an error).
    public private(set) var unstoredDropped = 0
    public static let maxUnstoredAlerts = 10_000

    public init(store: Store, channels: [any AlertChannel], clock: any WallClock = SystemClock()) {
        self.store = store
        workers = channels.map { ChannelWorker(channel: $0, store: store, clock: clock) }
    }

    /// Gives each event its identifier, persists the events in one transaction (with their readings lifted to
    /// the front of the delivery queue), then hands them to the channels without waiting for delivery.
    /// Returns the row ids; 0 for an alert the store could not take (announced anyway, stored later).
    /// `storeFailing`: the caller saw the store fail; announce before trying it (it may wait on a lock).
    @discardableResult
    public func raise(_ events: [AlertEvent], storeFailing: Bool = false) async -> [Int64] {
        guard !events.isEmpty else { return [] }
        var events = events
        for index in events.indices where events[index].identifier.isEmpty { events[index].identifier = RandomUUID.make() }
        if unstored.isEmpty && !storeFailing {
            do {
                let ids = try await store.insertAlerts(events)
                let stored = zip(ids, events).map { StoredAlert(id: $0, event: $1, dispatchedChannels: []) }
                for worker in workers { _ = await worker.kick(with: stored) }
                return ids
            } catch {
                Log.error("\(events.count) alert(s) NOT stored, announced anyway and kept to store later: \(error)", "alerts")
            }
        }
        // The store is failing (or older alerts still wait for it): announce first, then try to store.
        let announced = events.map { StoredAlert(id: 0, event: $0, dispatchedChannels: []) }
        for worker in workers { _ = await worker.kick(with: announced) }
        for event in events {
            if unstored.count >= Self.maxUnstoredAlerts {
                unstoredDropped += 1
                Log.error("alert \(event.identifier) (\(event.ruleId)) was announced but will NOT be stored: \(Self.maxUnstoredAlerts) alerts already wait for the store", "alerts")
            } else {
                unstored.append(event)
            }
        }
        await storeDeferred()
        return events.map { _ in 0 }
    }

    /// Alerts announced while the store could not write and not stored yet.
    public var unstoredCount: Int { unstored.count }

    /// Stores the alerts that went out while the store could not write, oldest first; true when none is left.
    @discardableResult
    public func storeDeferred() async -> Bool {
        guard !unstored.isEmpty else { return true }
        guard !storingDeferred else { return false }
        storingDeferred = true
        defer { storingDeferred = false }
        let batch = unstored
        do {
            _ = try await store.insertAlerts(batch) // an identifier already stored is not stored twice
        } catch {
            return false
        }
        unstored.removeFirst(batch.count)
        Log.notice("\(batch.count) alert(s) announced while the store could not write are stored now", "alerts")
        for worker in workers { _ = await worker.kick() } // their deliveries can be recorded now
        return unstored.isEmpty
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
/// Freshly raised alerts are handed over in memory (no store read before the buzzer sounds); after a failure,
/// and at start, the store is the source, from `floor` on (every alert up to it went out on this channel).
/// Alerts are known by identifier: one announced before it could be stored (row id 0) stays in memory until
/// this channel took it, and its delivery is recorded once the store holds it.
actor ChannelWorker {
    let channel: any AlertChannel
    let store: Store
    let clock: any WallClock
    private var running: Task<Void, Never>?
    private var again = false
    private var handedOver: [StoredAlert] = []
    private var readStore = true
    private var floor: Int64 = 0
    /// Identifiers delivered lately: an alert read from the store just before its hand-over arrives is not sent twice.
    private var recentlyDelivered: [String] = []
    /// Delivered but not yet recorded; recorded by one write at a time, coalesced like a group commit, so
    /// dispatch records do not queue an fsync per alert in front of the next readings.
    private var unmarked: [String] = []
    /// Delivered, but the alert is not stored yet (or the record failed): recorded on a later pass.
    private var awaitingRecord: [String] = []
    private var marking: Task<Void, Never>?
    static let pageSize = 100

    init(channel: any AlertChannel, store: Store, clock: any WallClock) {
        self.channel = channel; self.store = store; self.clock = clock
    }

    func kick(with alerts: [StoredAlert] = []) -> Task<Void, Never> {
        handedOver += alerts.filter { channel.takes($0.event) } // a recorded test alarm never reaches a real alarm channel
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

    private func record(_ identifiers: [String]) {
        unmarked += identifiers
        guard marking == nil, !unmarked.isEmpty else { return }
        marking = Task { await self.flushMarks() }
    }

    private func flushMarks() async {
        while !unmarked.isEmpty {
            let identifiers = unmarked
            unmarked = []
            do {
                let recorded = Set(try await store.markAlertsDispatched(identifiers: identifiers, channel: channel.name, at: clock.now()))
                awaitingRecord += identifiers.filter { !recorded.contains($0) }
            } catch {
                Log.error("cannot mark \(identifiers.count) alert(s) dispatched on \(channel.name): \(error)", "alerts")
                awaitingRecord += identifiers
            }
        }
        marking = nil
    }

    private func pass() async {
        if !awaitingRecord.isEmpty {
            let retry = awaitingRecord
            awaitingRecord = []
            record(retry)
        }
        // Unstored alerts live only here; they are never dropped for a store read.
        let announced = handedOver.filter { !recentlyDelivered.contains($0.event.identifier) }
        handedOver = []
        var batch = announced.sorted { ($0.id == 0 ? Int64.max : $0.id) < ($1.id == 0 ? Int64.max : $1.id) }
        let fromStore = readStore || batch.isEmpty
        if fromStore {
            await marking?.value // delivered alerts must be recorded before the store is asked what is pending
            let waiting = Set(awaitingRecord + recentlyDelivered)
            do {
                let pending = try await store.undispatchedAlerts(channel: channel.name, after: floor, limit: Self.pageSize,
                                                                 includeRecordedTests: channel.takesRecordedTests)
                let pendingIdentifiers = Set(pending.map(\.event.identifier))
                batch = pending.filter { !waiting.contains($0.event.identifier) }
                    + announced.filter { $0.id == 0 && !pendingIdentifiers.contains($0.event.identifier) }
                readStore = pending.count == Self.pageSize // a full page: more may wait
            } catch {
                Log.error("cannot read pending alerts: \(error)", "alerts")
                batch = announced.filter { $0.id == 0 }
            }
        }
        var delivered: [String] = []
        var lastDeliveredRow: Int64 = 0
        var failedRow: Int64? = nil
        for (index, alert) in batch.enumerated() {
            guard await channel.deliver(alert) else {
                if alert.id > 0 {
                    failedRow = alert.id
                    try? await store.recordAlertAttemptFailed(alert.id, channel: channel.name, error: "not taken", at: clock.now())
                }
                // Keep order; retry on the next pass. Alerts not in the store yet are kept here.
                handedOver = batch[index...].filter { $0.id == 0 } + handedOver
                readStore = true
                break
            }
            delivered.append(alert.event.identifier)
            if alert.id > 0 { lastDeliveredRow = max(lastDeliveredRow, alert.id) }
        }
        recentlyDelivered += delivered
        if recentlyDelivered.count > 1000 { recentlyDelivered.removeFirst(recentlyDelivered.count - 1000) }
        record(delivered)
        if let failedRow {
            floor = min(floor, failedRow - 1)
        } else if !readStore || delivered.count == batch.count {
            floor = max(floor, lastDeliveredRow)
            if readStore { again = true }
        }
    }
}
