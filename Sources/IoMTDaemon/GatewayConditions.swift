import Glibc
import IoMTAlerts
import IoMTCore
import IoMTForward
import IoMTStore

/// The gateway's own technical conditions, sampled once a second and reported to the alert engine when they
/// change: `storage-nearly-full` (less than 10 % of the state directory's file system free, or the store past 90 %
/// of its bound), `store-full` (the store refuses new readings at its bound),
/// `dom-unreachable` (readings waiting for more than a minute; the rule's `for` says how long is too long) and
/// `dom-refusing` (the forwarder paused because DOM refuses readings systemically; see RefusalWatch).
struct GatewayConditions {
    static let minimumFreeFraction = 0.10
    static let undeliveredGraceMilliseconds: Int64 = 60_000
    private var last: [String: Bool] = [:]

    mutating func changes(store: Store, forwarder: ForwarderStatus?, stateDirectory: String, now: Instant) async -> [AlertInput] {
        var current: [String: Bool] = [:]
        var info = statvfs()
        if statvfs(stateDirectory, &info) == 0, info.f_blocks > 0 {
            current["storage-nearly-full"] = Double(info.f_bavail) / Double(info.f_blocks) < Self.minimumFreeFraction
        }
        // The store's own disk bound (store.maxMegabytes): nearly full once its relief threshold is crossed,
        // full when new readings are refused.
        let storage = await store.storageState
        if Double(storage.usedBytes) >= Double(storage.limitBytes) * 0.9 { current["storage-nearly-full"] = true }
        current["store-full"] = storage.refusing
        if let stats = try? await store.stats(destination: "dom") {
            current["dom-unreachable"] = stats.oldestUndelivered.map { now.milliseconds(since: $0) > Self.undeliveredGraceMilliseconds } ?? false
        }
        current["dom-refusing"] = forwarder?.paused != nil
        var inputs: [AlertInput] = []
        for (name, active) in current.sorted(by: { $0.key < $1.key }) where last[name] != active {
            inputs.append(.condition(name: name, active: active, deviceKey: "gateway", deviceClass: nil, patientId: nil, at: now))
        }
        last = current
        return inputs
    }
}
