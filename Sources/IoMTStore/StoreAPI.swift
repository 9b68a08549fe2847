// INTERFACE STUB — the Store helper replaces these bodies with the SQLite implementation,
// keeping every public signature (other modules compile against them).
import IoMTCore

/// A stored observation with its row id (the store's acknowledgement).
public struct StoredObservation: Sendable, Hashable {
    public let id: Int64
    public let observation: Observation
    /// Highest priority of alerts this observation fired (nil: none); such rows are delivered first.
    public let alertPriority: AlertPriority?
    public let attempts: Int
    public init(id: Int64, observation: Observation, alertPriority: AlertPriority?, attempts: Int) {
        self.id = id; self.observation = observation; self.alertPriority = alertPriority; self.attempts = attempts
    }
}

public struct StoredAlert: Sendable, Hashable {
    public let id: Int64
    public let event: AlertEvent
    public let dispatchedChannels: Set<String>
    public init(id: Int64, event: AlertEvent, dispatchedChannels: Set<String>) {
        self.id = id; self.event = event; self.dispatchedChannels = dispatchedChannels
    }
}

public struct DeliveryStats: Sendable, Hashable, Codable {
    public var backlog: Int
    public var oldestUndelivered: Instant?
    public var lastSuccess: Instant?
    public var delivered: Int
    public var quarantined: Int
    public var failuresByKind: [String: Int]
    public init(backlog: Int, oldestUndelivered: Instant?, lastSuccess: Instant?, delivered: Int, quarantined: Int, failuresByKind: [String: Int]) {
        self.backlog = backlog; self.oldestUndelivered = oldestUndelivered; self.lastSuccess = lastSuccess
        self.delivered = delivered; self.quarantined = quarantined; self.failuresByKind = failuresByKind
    }
}

public struct StoreConfiguration: Sendable, Hashable {
    /// Most rows one group-commit transaction carries.
    public var maxGroupCommitRows: Int
    /// Undelivered rows allowed before `append` refuses new readings with `StoreError.full`
    /// (refusing is visible; dropping acknowledged rows is never done).
    public var maxUndeliveredRows: Int
    /// Delivered rows older than this are pruned (audit keeps the fact of delivery).
    public var deliveredRetentionMilliseconds: Int64
    /// Destinations every new observation is queued for (usually one: "dom").
    public var destinations: [String]
    public init(maxGroupCommitRows: Int = 1000, maxUndeliveredRows: Int = 5_000_000,
                deliveredRetentionMilliseconds: Int64 = 7 * 86_400_000, destinations: [String] = ["dom"]) {
        self.maxGroupCommitRows = maxGroupCommitRows; self.maxUndeliveredRows = maxUndeliveredRows
        self.deliveredRetentionMilliseconds = deliveredRetentionMilliseconds; self.destinations = destinations
    }
}

public enum StoreError: Error, CustomStringConvertible, Equatable {
    case open(path: String, message: String)
    case sqlite(code: Int32, message: String, statement: String)
    case migration(version: Int, message: String)
    case full(undelivered: Int, limit: Int)
    case corrupt(String)
    public var description: String {
        switch self {
        case let .open(path, message): return "cannot open store \(path): \(message)"
        case let .sqlite(code, message, statement): return "SQLite error \(code) (\(message)) in: \(statement)"
        case let .migration(version, message): return "schema migration to version \(version) failed: \(message)"
        case let .full(undelivered, limit): return "store full: \(undelivered) undelivered readings (limit \(limit)); new readings are refused until DOM accepts the backlog"
        case let .corrupt(message): return "store integrity problem: \(message)"
        }
    }
}

/// The durable store. One actor owns the write connection; `append` returns only after the
/// transaction holding its rows has committed (WAL, synchronous=FULL) — that is the acknowledgement.
public actor Store {
    public init(path: String, configuration: StoreConfiguration = StoreConfiguration(), clock: any WallClock = SystemClock()) throws(StoreError) {
        fatalError("stub")
    }

    /// Schema version after migrations.
    public var schemaVersion: Int { fatalError("stub") }

    // MARK: Readings
    /// Appends observations; concurrent callers share one transaction (group commit). Returns row ids once committed.
    public func append(_ observations: [Observation]) async throws(StoreError) -> [Int64] { fatalError("stub") }
    /// Undelivered, unquarantined rows for a destination: alert-carrying rows first (by priority), then by id (keeps per-device order).
    public func pending(destination: String, limit: Int) throws(StoreError) -> [StoredObservation] { fatalError("stub") }
    public func markDelivered(_ ids: [Int64], destination: String, at time: Instant) throws(StoreError) { fatalError("stub") }
    /// Records a failed attempt (kind: "http-500", "timeout", "connect", …) without giving up on the rows.
    public func recordFailure(_ ids: [Int64], destination: String, kind: String, message: String, at time: Instant) throws(StoreError) { fatalError("stub") }
    /// Moves rows out of the delivery queue with the server's reason; visible through iomtctl.
    public func quarantine(_ ids: [Int64], destination: String, reason: String, at time: Instant) throws(StoreError) { fatalError("stub") }
    public func quarantined(destination: String, limit: Int) throws(StoreError) -> [(StoredObservation, String)] { fatalError("stub") }
    public func stats(destination: String) throws(StoreError) -> DeliveryStats { fatalError("stub") }
    /// Most recent observations (newest first), for the CLI.
    public func recent(limit: Int) throws(StoreError) -> [StoredObservation] { fatalError("stub") }
    public func observation(id: Int64) throws(StoreError) -> StoredObservation? { fatalError("stub") }
    /// Marks an observation as carrying an alert of this priority (it jumps the delivery queue).
    public func setAlertPriority(_ priority: AlertPriority, forObservation id: Int64) throws(StoreError) { fatalError("stub") }

    // MARK: Alerts
    public func insertAlert(_ event: AlertEvent) throws(StoreError) -> Int64 { fatalError("stub") }
    /// Alerts not yet dispatched on a channel ("log", "exec", …), oldest first.
    public func undispatchedAlerts(channel: String, limit: Int) throws(StoreError) -> [StoredAlert] { fatalError("stub") }
    public func markAlertDispatched(_ id: Int64, channel: String, at time: Instant) throws(StoreError) { fatalError("stub") }
    public func alerts(limit: Int) throws(StoreError) -> [StoredAlert] { fatalError("stub") }

    // MARK: Audit
    public func audit(actor: String, action: String, detail: String, at time: Instant) throws(StoreError) { fatalError("stub") }
    public func auditLog(limit: Int) throws(StoreError) -> [(Instant, String, String, String)] { fatalError("stub") }

    /// PRAGMA integrity_check result ("ok" when healthy).
    public func integrityCheck() throws(StoreError) -> String { fatalError("stub") }
}
