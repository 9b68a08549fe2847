// The store's public value types; the `Store` actor lives in Store.swift and its extensions.
import IoMTCore

/// A stored observation with its row id (the store's acknowledgement).
public struct StoredObservation: Sendable, Hashable {
    public let id: Int64
    public let observation: Observation
    /// Highest priority of alerts this observation fired (nil: none); such rows are delivered first.
    public let alertPriority: AlertPriority?
    public let attempts: Int
    /// v3 ObservationInterpretation code (H, L, HH, LL) the alert engine gave it; filled by `pending`.
    public var interpretation: String? = nil
    /// For a reading carrying sample series (an overnight session): the strongest v3 code per series type (MDC
    /// reference id) of the alerts its samples fired; filled by `pending`.
    public var seriesInterpretations: [String: String] = [:]
    /// For a per-minute summary of a compacted stream (status `compacted-summary`); filled by `pending`.
    public var summary: ReadingSummary? = nil
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
    /// Retained rows the destination accepted.
    public var delivered: Int
    /// Retained rows set aside because the destination had already accepted their identifier (never uploaded).
    public var duplicates: Int
    public var quarantined: Int
    /// Rows held for want of a patient (no binding covered the reading's time): a binding queues them.
    public var held: Int
    public var failuresByKind: [String: Int]
    public init(backlog: Int, oldestUndelivered: Instant?, lastSuccess: Instant?, delivered: Int, duplicates: Int = 0,
                quarantined: Int, held: Int = 0, failuresByKind: [String: Int]) {
        self.backlog = backlog; self.oldestUndelivered = oldestUndelivered; self.lastSuccess = lastSuccess
        self.delivered = delivered; self.duplicates = duplicates; self.quarantined = quarantined; self.held = held
        self.failuresByKind = failuresByKind
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
    /// The disk bound and what is done as it nears (StoragePressure.swift).
    public var storage = StoragePolicy()
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
    /// The store's disk bound is reached and relieving it (pruning delivered rows, compacting old streams)
    /// did not make room: new readings are refused, loudly (StoragePressure.swift).
    case storageFull(usedBytes: Int64, limitBytes: Int64)
    case corrupt(String)
    /// A request the store's rules refuse (e.g. a binding that overlaps another); the text says why.
    case refused(String)
    public var description: String {
        switch self {
        case let .open(path, message): return "cannot open store \(path): \(message)"
        case let .sqlite(code, message, statement): return "SQLite error \(code) (\(message)) in: \(statement)"
        case let .migration(version, message): return "schema migration to version \(version) failed: \(message)"
        case let .full(undelivered, limit): return "store full: \(undelivered) undelivered readings (limit \(limit)); new readings are refused until DOM accepts the backlog"
        case let .storageFull(used, limit): return "store full: \(used / 1_048_576) MiB used of the \(limit / 1_048_576) MiB bound (store.maxBytes) after pruning delivered readings and compacting old streams; new readings are refused until DOM accepts the backlog or the bound is raised"
        case let .corrupt(message): return "store integrity problem: \(message)"
        case let .refused(message): return message
        }
    }
}

