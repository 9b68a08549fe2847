import IoMTCore
import IoMTFHIR
import IoMTHTTP
import IoMTStore

/// Sends each alert to DOM as a FHIR Communication on its own, straight away: it does not wait behind the
/// readings backlog (the reading that fired it is also lifted to the front of that queue). Durable and
/// retried like every channel; conditional create on the alert identifier makes a resend harmless.
public struct DOMAlertChannel: AlertChannel {
    public let name = "dom"
    public let baseURL: String
    public let transport: any HTTPTransport
    public let gateway: GatewayIdentity
    public let store: Store
    public let timeoutMilliseconds: Int

    public init(baseURL: String, transport: any HTTPTransport, gateway: GatewayIdentity, store: Store, timeoutMilliseconds: Int = 10_000) {
        self.baseURL = baseURL; self.transport = transport; self.gateway = gateway; self.store = store
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    public func deliver(_ alert: StoredAlert) async -> Bool {
        // Alerts without a patient cannot be attributed in DOM (gateway conditions): the log and hooks carry them.
        guard alert.event.patientId != nil else { return true }
        let request = HTTPRequest(method: "POST", url: baseURL, headers: [HTTPHeader("Content-Type", "application/fhir+json")],
                                  body: await Self.communicationBundle(alert, gateway: gateway, store: store), timeoutMilliseconds: timeoutMilliseconds)
        do {
            let response = try await transport.send(request)
            guard (200..<300).contains(response.status) else {
                Log.warning("DOM answered HTTP \(response.status) to alert \(alert.event.identifier); will retry", "alerts")
                return false
            }
            // A 200 for the Bundle can still carry a refused entry: the Communication counts only when its entry did.
            let outcome: TransactionEntryOutcome
            do { outcome = try TransactionResponseParser().parse(response.body, entryStoreIds: [nil])[0] } catch {
                Log.warning("DOM's answer to alert \(alert.event.identifier) is not a usable transaction-response: \(error); will retry", "alerts")
                return false
            }
            guard outcome.isSuccess else {
                Log.warning("DOM refused alert \(alert.event.identifier): \(outcome.status) \(outcome.outcomeText ?? ""); will retry", "alerts")
                return false
            }
            return true
        } catch {
            Log.warning("alert \(alert.event.identifier) not sent to DOM: \(error); will retry", "alerts")
            return false
        }
    }
}

extension DOMAlertChannel {
    /// The alert as a FHIR Communication in a transaction Bundle (conditional create on the alert identifier),
    /// pointing at the PHD identifier of the reading that fired it. Also what the MQTT alerts topic carries.
    public static func communicationBundle(_ alert: StoredAlert, gateway: GatewayIdentity, store: Store) async -> [UInt8] {
        var observationIdentifier: String? = nil
        if let id = alert.event.observationId, let row = try? await store.observation(id: id) {
            observationIdentifier = PHDObservationIdentifier.value(for: row.observation)
        }
        return AlertCommunicationResource.transactionBundle(
            AlertCommunicationInput(alertId: alert.event.identifier, event: alert.event, observationIdentifier: observationIdentifier),
            gateway: gateway).serializedBytes()
    }
}
