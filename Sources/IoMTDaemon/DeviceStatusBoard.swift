import IoMTControl
import IoMTCore
import Synchronization

/// What each device is doing, for `iomtctl status` and `iomtctl devices`. Written from reader threads
/// and async code alike (hence a Mutex, not an actor: a port event must not wait for a hop).
public final class DeviceStatusBoard: Sendable {
    public typealias ConnectionState = DeviceConnectionState

    public struct Entry: Sendable {
        public var key: String
        public var profileId: String
        public var transport: String
        /// Port path or Bluetooth address.
        public var address: String
        public var state: ConnectionState
        public var detail: String?
        public var since: Instant
        public var lastReading: Instant?
        public var readings: Int
        /// The latest value of each device fact its driver reported (`session`, `battery`, …): never patient data.
        public var deviceInfo: [String: String] = [:]
        /// The keys of the device's parts that measure for different people (a two-user cuff's `…/user1`, `…/user2`),
        /// each bound on its own; empty: the device is one.
        public var parts: [String] = []
        /// For a part: the key of the device it is part of (its connection; its state follows the device's).
        public var partOf: String? = nil
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// Device keys that cannot be trusted to name one device (two adapters share a serial number), with why.
    private let ambiguous = Mutex<[String: String]>([:])
    /// The detail of a connected port whose bytes never decode (`UnframedInputWatch`); doctor looks for it.
    public static let wrongProfileSuspected = DeviceStatus.wrongProfileSuspected
    /// Each device's capture point (`iomtctl capture`): here because every runner and the control plane share the board.
    public let captures = DeviceCaptureTaps()

    public init() {}

    public func register(key: String, profileId: String, transport: String, address: String, at time: Instant) {
        entries.withLock {
            $0[key] = Entry(key: key, profileId: profileId, transport: transport, address: address, state: .starting,
                            detail: nil, since: time, lastReading: nil, readings: 0)
        }
    }

    /// Adds the parts of a device on the board (a two-user cuff's users), each its own entry for `devices` and `bind`;
    /// parts already there keep their entries.
    public func declareParts(_ parts: [String], of key: String) {
        entries.withLock {
            guard var device = $0[key], !parts.isEmpty else { return }
            for part in parts where $0[part] == nil {
                $0[part] = Entry(key: part, profileId: device.profileId, transport: device.transport, address: device.address, state: device.state,
                                 detail: device.detail, since: device.since, lastReading: nil, readings: 0, partOf: key)
            }
            device.parts = Array(Set(device.parts).union(parts)).sorted()
            $0[key] = device
        }
    }

    /// A device's state; its parts share its connection, so theirs follows.
    public func set(_ key: String, _ state: ConnectionState, detail: String? = nil, at time: Instant) {
        entries.withLock {
            guard let device = $0[key] else { return }
            for key in [key] + device.parts {
                guard var entry = $0[key] else { continue }
                if entry.state != state { entry.since = time }
                entry.state = state
                entry.detail = detail
                $0[key] = entry
            }
        }
    }

    public func readingsStored(_ key: String, count: Int, latest: Instant) {
        entries.withLock {
            guard var entry = $0[key] else { return }
            entry.readings += count
            entry.lastReading = max(entry.lastReading ?? latest, latest)
            $0[key] = entry
        }
    }

    public func deviceInfo(_ key: String, _ name: String, _ value: String) {
        entries.withLock { $0[key]?.deviceInfo[name] = value }
    }

    public func remove(_ key: String) {
        entries.withLock { entries in
            for part in entries[key]?.parts ?? [] { entries.removeValue(forKey: part) }
            entries.removeValue(forKey: key)
        }
    }

    public var snapshot: [Entry] { entries.withLock { $0.values.sorted { $0.key < $1.key } } }

    public func entry(_ key: String) -> Entry? { entries.withLock { $0[key] } }

    /// Marks a device key as ambiguous: shown by `devices` and `doctor`, refused by `bind`.
    public func markAmbiguous(_ key: String, reason: String) { ambiguous.withLock { $0[key] = reason } }

    /// Why the key does not name one device (nil: it does).
    public func ambiguity(of key: String) -> String? { ambiguous.withLock { $0[key] } }

    public var ambiguousKeys: [(key: String, reason: String)] {
        ambiguous.withLock { $0.sorted { $0.key < $1.key }.map { (key: $0.key, reason: $0.value) } }
    }
}
