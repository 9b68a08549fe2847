import IoMTFHIR
import IoMTForward
import IoMTSpirometry
import IoMTStore

/// The same PHD IG transaction Bundle as DOM receives (FHIRPHDWireFormat's encoder, with the same patient demographics
/// for spirometry reference values, and its hold-back of readings without a patient), published as one message per batch. A PUBACK covers the whole message, so a
/// 200 from MQTTPublishTransport delivers every row of the batch; consumers deduplicate on the entries'
/// conditional-create identifiers, which are stable across resends.
public struct MQTTPHDWireFormat: WireFormat {
    public let bundle: FHIRPHDWireFormat

    /// `demographics`: the resolver DOM's format gets (the daemon's one), so a subscriber sees the same referenceRange as DOM.
    public init(gateway: GatewayIdentity, demographics: PatientDemographicsResolver = PatientDemographicsResolver()) {
        bundle = FHIRPHDWireFormat(gateway: gateway, demographics: demographics)
    }

    public func unsendable(_ batch: [StoredObservation]) -> [QuarantinedRow] { bundle.unsendable(batch) }

    public func identifier(of row: StoredObservation) -> String { bundle.identifier(of: row) }

    public func encode(_ batch: [StoredObservation]) -> [UInt8] { bundle.encode(batch) }

    public func interpret(status: Int, body: [UInt8], batch: [StoredObservation]) -> BatchOutcome {
        status == 200 ? BatchOutcome(delivered: batch.map(\.id)) : .retryAll(batch, kind: "mqtt-\(status)", message: "not acknowledged")
    }
}

/// Topic names of one gateway under the configured prefix. No patient identifier appears in any of them.
public struct MQTTTopics: Sendable, Hashable {
    public var prefix: String
    public var systemId: String

    public init(prefix: String, systemId: String) { self.prefix = prefix; self.systemId = systemId }

    public var observations: String { "\(prefix)/\(systemId)/observations" }
    public var alerts: String { "\(prefix)/\(systemId)/alerts" }
    public var status: String { "\(prefix)/\(systemId)/status" }

    /// A collector's shared subscription to every gateway's observations (MQTT 5 §4.8.2).
    public static func sharedObservations(group: String, prefix: String) -> String { "$share/\(group)/\(prefix)/+/observations" }

    /// A prefix is topic levels without wildcards, `$` start or empty levels; nil when fine, else what is expected.
    public static func prefixProblem(_ prefix: String) -> String? {
        if prefix.isEmpty || prefix.hasPrefix("$") || prefix.hasPrefix("/") || prefix.hasSuffix("/") || prefix.contains("//") {
            return "topic levels such as \"iomt/clinic-a\" (not empty, no leading $ or /, no trailing /)"
        }
        if prefix.contains("+") || prefix.contains("#") || prefix.utf8.contains(0) { return "a topic prefix without + or # wildcards" }
        return nil
    }
}
