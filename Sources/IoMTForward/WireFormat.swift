import IoMTCore
import IoMTStore

/// Turns a batch of stored rows into a request body, and the server's answer into per-row outcomes.
public protocol WireFormat: Sendable {
    /// `Content-Type` of the encoded body.
    var contentType: String { get }
    /// Rows this format can never send (checked before encoding); they are quarantined with the reason.
    func unsendable(_ batch: [StoredObservation]) -> [QuarantinedRow]
    /// The identifier the destination deduplicates on (PHD conditional create); the forwarder's dedup ledger
    /// keys on it, so two rows with the same identifier are the same reading to this destination.
    func identifier(of row: StoredObservation) -> String
    func encode(_ batch: [StoredObservation]) -> [UInt8]
    func interpret(status: Int, body: [UInt8], batch: [StoredObservation]) -> BatchOutcome
}

extension WireFormat {
    public var contentType: String { "application/fhir+json" }
    public func unsendable(_ batch: [StoredObservation]) -> [QuarantinedRow] { [] }
}

/// What happened to each row of a batch.
public struct BatchOutcome: Sendable, Hashable {
    /// Accepted by the server: mark delivered.
    public var delivered: [Int64]
    /// Not accepted this time, try again later; `kind` names the failure ("http-503", "entry-500", …).
    public var retryable: [RetryableRow]
    /// Refused for a reason resending cannot fix: move out of the queue with the server's reason.
    public var quarantined: [QuarantinedRow]
    /// The whole request was refused for its content and the batch has several rows: resend them in
    /// smaller batches so one bad row cannot block the rest (none of the rows is charged a failure).
    public var splitAndRetry: Bool

    public init(delivered: [Int64] = [], retryable: [RetryableRow] = [], quarantined: [QuarantinedRow] = [], splitAndRetry: Bool = false) {
        self.delivered = delivered; self.retryable = retryable; self.quarantined = quarantined; self.splitAndRetry = splitAndRetry
    }

    public static func retryAll(_ batch: [StoredObservation], kind: String, message: String) -> BatchOutcome {
        BatchOutcome(retryable: batch.map { RetryableRow(id: $0.id, kind: kind, message: message) })
    }
}

public struct RetryableRow: Sendable, Hashable {
    public var id: Int64
    public var kind: String
    public var message: String
    public init(id: Int64, kind: String, message: String) { self.id = id; self.kind = kind; self.message = message }
}

public struct QuarantinedRow: Sendable, Hashable {
    public var id: Int64
    public var reason: String
    public init(id: Int64, reason: String) { self.id = id; self.reason = reason }
}
