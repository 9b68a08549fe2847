import IoMTAlerts
import IoMTCore
import IoMTFHIR
import IoMTStore

/// Alerts to `<topicPrefix>/<gateway system id>/alerts`: the same Communication bundle DOM receives, one
/// message per alert. Taken (dispatch marked for channel "mqtt", separate from DOM's) only on a PUBACK with a
/// success reason code; anything else leaves it for the dispatcher's next pass, and the alert identifier's
/// conditional create lets a consumer drop a resend.
public struct MQTTAlertChannel: AlertChannel {
    public let name = "mqtt"
    public let client: MQTTClient
    public let topic: String
    public let gateway: GatewayIdentity
    public let store: Store

    public init(client: MQTTClient, topic: String, gateway: GatewayIdentity, store: Store) {
        self.client = client; self.topic = topic; self.gateway = gateway; self.store = store
    }

    public func deliver(_ alert: StoredAlert) async -> Bool {
        // As for DOM: an alert without a patient (a gateway condition) cannot be attributed; log and hooks carry it.
        guard alert.event.patientId != nil else { return true }
        do {
            try await client.publish(topic: topic, payload: await DOMAlertChannel.communicationBundle(alert, gateway: gateway, store: store))
            return true
        } catch {
            Log.warning("alert \(alert.event.identifier) not published to the broker: \(error); will retry", "alerts")
            return false
        }
    }
}
