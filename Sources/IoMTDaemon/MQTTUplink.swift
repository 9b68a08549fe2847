import IoMTConfiguration
import IoMTCore
import IoMTFHIR
import IoMTForward
import IoMTMQTT
import IoMTSpirometry
import IoMTStore

/// The `mqtt` destination: the Forwarder (same ordering, hold-back, backoff as DOM's) over a broker
/// connection, publishing one PHD IG bundle per batch to `<prefix>/<system id>/observations`. Rows are
/// marked delivered for "mqtt" only on PUBACK; DOM's delivery state is separate.
struct MQTTUplink: Sendable {
    static let destination = "mqtt"

    let client: MQTTClient
    let forwarder: Forwarder
    /// Alerts to `…/alerts`, dispatch state of their own (channel "mqtt").
    let alertChannel: MQTTAlertChannel

    /// nil without an `mqtt` section; a failure when the password file cannot be read. `demographics`: the daemon's resolver
    /// (nil: the configuration's patients alone).
    static func make(_ daemon: DaemonConfiguration, gateway: GatewayIdentity, demographics: PatientDemographicsResolver? = nil, store: Store,
                     clock: any SchedulingClock) -> Result<MQTTUplink?, FileIO.Failure> {
        guard let configuration = daemon.mqtt else { return .success(nil) }
        var password: String? = nil
        if let path = configuration.passwordFile {
            do { password = String(try FileIO.readText(path).split(whereSeparator: \.isNewline).first ?? "") } catch { return .failure(error) }
        }
        return .success(MQTTUplink(configuration: configuration, systemId: daemon.gateway.systemId, gateway: gateway,
                                   demographics: demographics ?? PatientDemographicsResolver(configured: daemon.patientDemographics),
                                   password: password, store: store, clock: clock))
    }

    private init(configuration: DaemonConfiguration.MQTT, systemId: String, gateway: GatewayIdentity,
                 demographics: PatientDemographicsResolver, password: String?, store: Store, clock: any SchedulingClock) {
        let topics = MQTTTopics(prefix: configuration.topicPrefix, systemId: systemId)
        client = MQTTClient(options: MQTTClientOptions(endpoint: configuration.endpoint, clientId: configuration.clientId, caFile: configuration.caFile,
                                                       certFile: configuration.certFile, keyFile: configuration.keyFile,
                                                       username: configuration.username, password: password, statusTopic: topics.status,
                                                       timeoutMilliseconds: configuration.timeoutMilliseconds))
        // The pipeline nudges DOM's forwarder on each append (this one when there is no DOM); otherwise it looks every 500 ms.
        // The same demographics as DOM's format: a subscriber gets the same spirometry referenceRange as DOM.
        forwarder = Forwarder(store: store, destination: Self.destination, baseURL: topics.observations,
                              wireFormat: MQTTPHDWireFormat(gateway: gateway, demographics: demographics),
                              transport: MQTTPublishTransport(client: client),
                              configuration: ForwarderConfiguration(batchSize: configuration.batchSize, idlePollMilliseconds: 500), clock: clock)
        alertChannel = MQTTAlertChannel(client: client, topic: topics.alerts, gateway: gateway, store: store)
    }
}
