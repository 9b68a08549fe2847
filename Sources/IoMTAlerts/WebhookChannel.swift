import IoMTCore
import IoMTHTTP
import IoMTStore

/// POSTs each alert as JSON to a URL (an on-call system, a nurse station). Retried by the dispatcher until
/// a 2xx; the alert id travels as `Idempotency-Key` so a receiver can drop the duplicate that a crash right
/// after delivery (before it was recorded) would cause. Carries the patient *reference*, never the PESEL.
public struct WebhookChannel: AlertChannel {
    public let name = "webhook"
    public let url: String
    public let transport: any HTTPTransport
    public let gatewayId: String
    /// Patient id → reference, as in the rule set's context.
    public let patientReferences: [String: String]
    public let timeoutMilliseconds: Int

    public init(url: String, transport: any HTTPTransport, gatewayId: String, patientReferences: [String: String] = [:],
                timeoutMilliseconds: Int = 5000) {
        self.url = url; self.transport = transport; self.gatewayId = gatewayId
        self.patientReferences = patientReferences; self.timeoutMilliseconds = timeoutMilliseconds
    }

    public func deliver(_ alert: StoredAlert) async -> Bool {
        let request = HTTPRequest(method: "POST", url: url,
                                  headers: [HTTPHeader("Content-Type", "application/json"),
                                            HTTPHeader("Idempotency-Key", "iomtd-\(gatewayId)-alert-\(alert.event.identifier)")],
                                  body: Self.body(alert, gatewayId: gatewayId, patientReferences: patientReferences).serializedBytes(),
                                  timeoutMilliseconds: timeoutMilliseconds)
        do {
            let response = try await transport.send(request)
            guard (200..<300).contains(response.status) else {
                Log.warning("alert webhook answered HTTP \(response.status) for alert \(alert.event.identifier); will retry", "alerts")
                return false
            }
            return true
        } catch {
            Log.warning("alert webhook failed for alert \(alert.event.identifier): \(error); will retry", "alerts")
            return false
        }
    }

    public static func body(_ alert: StoredAlert, gatewayId: String, patientReferences: [String: String]) -> JSONValue {
        let e = alert.event
        return .object([
            ("alertId", .string(alert.event.identifier)),
            ("readingStored", .bool(!alert.event.readingNotStored)),
            // true: fired by test or demonstration data and announced on a technician's request; not a patient's alarm.
            ("test", .bool(e.test != nil)),
            ("gateway", .string(gatewayId)),
            ("episode", .string(e.episode)),
            ("occurrence", .string(e.occurrence.rawValue)),
            ("priority", .string(e.priority.rawValue)),
            ("rule", .string(e.ruleId)),
            ("ruleSetVersion", .string(e.ruleSetVersion)),
            ("ruleSetHash", .string(e.ruleSetHash)),
            ("condition", .string(e.condition)),
            ("measurement", .string(e.measurement)),
            ("value", e.value.map { .string($0.description) } ?? .null),
            ("unit", .string(e.unit)),
            ("threshold", e.threshold.map { .string($0.description) } ?? .null),
            ("interpretation", e.interpretation.map { .string($0) } ?? .null),
            ("device", .string(e.deviceKey)),
            ("patientReference", e.patientId.flatMap { patientReferences[$0] }.map { .string($0) } ?? .null),
            ("observedAt", .string(e.observedAt.iso8601)),
            ("createdAt", .string(e.createdAt.iso8601)),
            ("message", .string(e.message)),
        ])
    }
}
