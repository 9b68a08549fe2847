import IoMTCore
import IoMTTransport

/// Why a connection attempt or a live link ended.
public enum LinkFailure: Sendable, Hashable {
    /// A BlueZ call failed (Connect, ReadValue, StartNotify, WriteValue …).
    case call(BlueZRecovery)
    /// Device1.Connected became false.
    case disconnected
    /// BlueZ removed the device object (InterfacesRemoved), e.g. a temporary device forgotten after discovery stopped.
    case deviceRemoved
    /// ServicesResolved but the expected service/characteristic is missing.
    case staleGATTCache(GATTConnectionPlan.Problem)
    /// ServicesResolved did not become true in time.
    case servicesNotResolved
    /// `disconnects-after-sending`: the device dropped the link after sending this many records: its session's normal end.
    case sessionEnded(records: Int)
    /// `disconnects-after-sending`: the device dropped the link before sending any record (a fault, unlike a session end).
    case disconnectedBeforeAnyRecord
    /// `bonding-required`: the device is not bonded to the gateway and trusted (`iomtctl pair`); nothing is read from it.
    case notBonded
}

/// What the connection does next. Pure; see `LinkPolicy.decide`.
public enum LinkDecision: Sendable, Hashable {
    /// Wait, then connect again (the device object is still there).
    case reconnect(afterMilliseconds: Int64)
    /// Wait for the device to reappear (discovery on), then connect.
    case rediscover(afterMilliseconds: Int64)
    /// Disconnect first; `removeDevice`: also RemoveDevice so BlueZ drops its GATT cache.
    case disconnectAndReconnect(removeDevice: Bool, afterMilliseconds: Int64)
    /// BlueZ is gone; the coordinator reconnects to the bus.
    case reconnectBus
    /// The device ended its session: connect again once it advertises (its next measurement), with the backoff restarted.
    case awaitAdvertisement
    /// Disconnect, then leave the device alone until BlueZ shows it bonded and trusted (`iomtctl pair`, whose pairing a
    /// retried connection would cut), then connect.
    case awaitBond
}

/// Reconnect decisions and their jittered backoff (IoMTTransport's Backoff with a seeded generator).
///
/// Stale GATT cache: the first time, disconnect and reconnect (BlueZ re-runs discovery and the
/// device's Service Changed indication/Database Hash refresh the cache). If it happens again on
/// the next connection, an unbonded device is removed (RemoveDevice drops its cached database and
/// it is rediscovered); a bonded device is never removed automatically — removing it would drop the
/// bond and need a new pairing — so it keeps retrying with backoff and the status says why.
public struct LinkPolicy: Sendable {
    public var backoff: Backoff
    private var random: SeededRandom
    public private(set) var attempt = 0
    public private(set) var consecutiveStaleCaches = 0

    public init(backoff: Backoff = Backoff(initialMilliseconds: 1_000, maximumMilliseconds: 60_000), seed: UInt64) {
        self.backoff = backoff
        random = SeededRandom(seed: seed)
    }

    /// A link reached streaming: the next failure starts the backoff from the beginning.
    public mutating func linkEstablished() {
        attempt = 0
        consecutiveStaleCaches = 0
    }

    private mutating func nextDelay() -> Int64 {
        defer { attempt += 1 }
        return backoff.delay(attempt: attempt, using: &random)
    }

    public mutating func decide(_ failure: LinkFailure, deviceBonded: Bool) -> LinkDecision {
        if case .staleGATTCache = failure { consecutiveStaleCaches += 1 } else { consecutiveStaleCaches = 0 }
        switch failure {
        case .call(.waitAndRetry(let milliseconds)):
            return .reconnect(afterMilliseconds: milliseconds)
        case .call(.proceed):
            return .reconnect(afterMilliseconds: 0)
        case .call(.rediscover), .deviceRemoved:
            return .rediscover(afterMilliseconds: nextDelay())
        case .call(.reconnectBus):
            return .reconnectBus
        case .call(.retryWithBackoff), .disconnected, .disconnectedBeforeAnyRecord:
            return .reconnect(afterMilliseconds: nextDelay())
        case .sessionEnded:
            // Not a failure: the next link starts the backoff afresh, and no connect is tried while the device sleeps.
            linkEstablished()
            return .awaitAdvertisement
        case .notBonded:
            return .awaitBond
        case .servicesNotResolved:
            return .disconnectAndReconnect(removeDevice: false, afterMilliseconds: nextDelay())
        case .staleGATTCache:
            let remove = consecutiveStaleCaches >= 2 && !deviceBonded
            return .disconnectAndReconnect(removeDevice: remove, afterMilliseconds: nextDelay())
        }
    }
}

extension LinkDecision: CustomStringConvertible {
    public var description: String {
        func after(_ ms: Int64) -> String { ms >= 1000 ? "in \(ms / 1000).\(ms % 1000 / 100) s" : "in \(ms) ms" }
        switch self {
        case let .reconnect(ms): return "reconnecting " + after(ms)
        case let .rediscover(ms): return "searching for it again " + after(ms)
        case let .disconnectAndReconnect(remove, ms):
            return remove ? "removing it from BlueZ and rediscovering " + after(ms) : "disconnecting, reconnecting " + after(ms)
        case .reconnectBus: return "reconnecting to BlueZ"
        case .awaitAdvertisement: return "connecting again when it advertises"
        case .awaitBond: return "disconnecting; connecting again once it is paired"
        }
    }
}
