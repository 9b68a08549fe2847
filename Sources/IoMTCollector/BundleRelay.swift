import IoMTCore
import IoMTFHIR
import IoMTForward
import IoMTHTTP

/// What DOM did with one relayed bundle.
public enum RelayOutcome: Sendable, Equatable {
    /// A 2xx whose transaction-response has a 2xx for every entry.
    case accepted(entries: Int)
    /// Refused for its content (a whole-request 400/413/422, or entries refused with 4xx): resending cannot help.
    /// `reason` is DOM's OperationOutcome text — it may quote the bundle, so it goes to the quarantine file, never to a log.
    case refused(reason: String, refusedEntries: Int)
    /// DOM's state or ours, not the bundle's (transport failure, 401/403/404, 408/429/5xx, an entry 5xx, an
    /// unreadable answer): try again; `retryAfterMilliseconds` from a 429/503 Retry-After, already clamped.
    case retry(kind: String, retryAfterMilliseconds: Int64?)
}

/// POSTs a PHD transaction Bundle received from a gateway to DOM as it is (its entries carry the conditional-create
/// identifiers the gateway wrote, so a resend creates nothing new) and reads DOM's answer with the same rules as
/// the gateway's own delivery (`FHIRPHDWireFormat.interpretTransaction`), over the same HTTP client.
public struct BundleRelay: Sendable {
    public let baseURL: String
    public let transport: any HTTPTransport
    public let timeoutMilliseconds: Int
    public let maxRetryAfterMilliseconds: Int64

    public init(baseURL: String, transport: any HTTPTransport, timeoutMilliseconds: Int, maxRetryAfterMilliseconds: Int64 = 600_000) {
        self.baseURL = baseURL; self.transport = transport; self.timeoutMilliseconds = timeoutMilliseconds
        self.maxRetryAfterMilliseconds = maxRetryAfterMilliseconds
    }

    static let contentType = "application/fhir+json"

    public func relay(_ payload: [UInt8], now: Instant) async -> RelayOutcome {
        guard let entryCount = Self.transactionEntryCount(payload) else {
            return .refused(reason: "the message is not a FHIR transaction Bundle (expected application/fhir+json with resourceType Bundle and type transaction)",
                            refusedEntries: 0)
        }
        let request = HTTPRequest(method: "POST", url: baseURL,
                                  headers: [HTTPHeader("Content-Type", Self.contentType), HTTPHeader("Accept", Self.contentType)],
                                  body: payload, timeoutMilliseconds: timeoutMilliseconds)
        let response: HTTPResponse
        do { response = try await transport.send(request) } catch { return .retry(kind: error.kind, retryAfterMilliseconds: nil) }
        // Entry i is tracked as row i; the bundle as a whole is one more row, so a whole-request refusal quarantines it.
        let whole = Int64(entryCount)
        let outcome = FHIRPHDWireFormat.interpretTransaction(status: response.status, body: response.body,
                                                             entryIds: (0..<entryCount).map { Int64($0) }, rowIds: [whole])
        if let first = outcome.retryable.first {
            var retryAfter: Int64? = nil
            if response.status == 429 || response.status == 503, let header = response.header("Retry-After") {
                retryAfter = RetryAfter.milliseconds(header, now: now).map { min($0, maxRetryAfterMilliseconds) }
            }
            return .retry(kind: first.kind, retryAfterMilliseconds: retryAfter)
        }
        if !outcome.quarantined.isEmpty {
            let reason = outcome.quarantined.map { $0.id == whole ? $0.reason : "entry \($0.id): \($0.reason)" }.joined(separator: "; ")
            return .refused(reason: reason, refusedEntries: outcome.quarantined.count { $0.id != whole })
        }
        return .accepted(entries: outcome.delivered.count)
    }

    /// Number of entries of a `transaction` Bundle, or nil when the payload is not one.
    static func transactionEntryCount(_ payload: [UInt8]) -> Int? {
        guard let json = try? JSONValue.parse(bytes: payload), json["resourceType"]?.stringValue == "Bundle",
              json["type"]?.stringValue == "transaction" else { return nil }
        guard let entries = json["entry"] else { return 0 }
        return entries.arrayValue?.count
    }
}
