import IoMTCore

/// An alert as it travels to DOM: a FHIR R4 Communication (category `alert`) in its own transaction Bundle,
/// POSTed with `ifNoneExist` on the alert's identifier so a resend after a crash creates nothing new.
/// Why Communication (not Flag or DetectedIssue): docs/alert-rules.md, "FHIR".
public struct AlertCommunicationInput: Sendable, Hashable {
    /// The alert's UUID (`AlertEvent.identifier`), not the store's row id: unique across store restores and gateways.
    public var alertId: String
    public var event: AlertEvent
    /// PHD identifier of the Observation that fired it (nil for missed-measurement and gateway alerts).
    public var observationIdentifier: String?

    public init(alertId: String, event: AlertEvent, observationIdentifier: String?) {
        self.alertId = alertId; self.event = event; self.observationIdentifier = observationIdentifier
    }
}

public enum AlertCommunicationResource {
    public static let category = "http://terminology.hl7.org/CodeSystem/communication-category"
    /// Identifier and topic systems of our own (rule ids and alert ids are the gateway's).
    public static let alertIdentifierSystem = "urn:iomtd:alert-identifier"
    public static let ruleSystem = "urn:iomtd:alert-rule"

    /// IEC 60601-1-8 priority → FHIR RequestPriority (high needs an immediate response: stat).
    public static func requestPriority(_ priority: AlertPriority) -> String {
        switch priority { case .high: "stat"; case .medium: "urgent"; case .low: "routine" }
    }

    public static func identifier(gateway: GatewayIdentity, alertId: String) -> String { "\(gateway.normalisedSystemId)-alert-\(alertId)" }

    public static func make(_ input: AlertCommunicationInput, gateway: GatewayIdentity) -> JSONValue {
        let e = input.event
        var reasons: [JSONValue] = [JSONBuild.concept([JSONBuild.coding(ruleSystem, e.ruleId)],
                                                      text: "rule \(e.ruleId), rule set \(e.ruleSetVersion) (\(e.ruleSetHash)), \(e.occurrence.rawValue)")]
        if let code = e.interpretation { reasons.append(JSONBuild.concept([JSONBuild.coding(FHIRSystem.interpretation, code)])) }
        // A test alarm (announced on a technician's request) is labelled like the test Observation it is about:
        // v3-ActReason HTEST, so DOM and its users can set it apart (docs/alert-rules.md, "Test data").
        let meta: JSONValue? = e.test == nil ? nil
            : .object([("security", .array([JSONBuild.coding(FHIRSystem.actReason, "HTEST", "test health data")]))])
        return JSONBuild.object([
            ("resourceType", .string("Communication")),
            ("meta", meta),
            ("identifier", .array([.object([("system", .string(alertIdentifierSystem)),
                                            ("value", .string(identifier(gateway: gateway, alertId: input.alertId)))])])),
            ("status", .string("completed")),
            ("category", .array([JSONBuild.concept([JSONBuild.coding(category, "alert", "Alert")])])),
            ("priority", .string(requestPriority(e.priority))),
            ("subject", e.patientId.map { patientId in
                .object([("identifier", .object([("system", .string(FHIRSystem.polishPatient)), ("value", .string(patientId))]))])
            }),
            ("about", input.observationIdentifier.map { value in
                .array([.object([("type", .string("Observation")),
                                 ("identifier", .object([("system", .string(gateway.observationIdentifierSystem)), ("value", .string(value))]))])])
            }),
            ("sent", .string(e.createdAt.iso8601)),
            ("sender", .object([("type", .string("Device")),
                                ("identifier", .object([("system", .string(FHIRSystem.eui64)), ("value", .string(gateway.dashedSystemId))]))])),
            ("reasonCode", .array(reasons)),
            ("payload", .array([.object([("contentString", .string(e.message))])])),
        ])
    }

    public static func transactionBundle(_ input: AlertCommunicationInput, gateway: GatewayIdentity) -> JSONValue {
        let id = identifier(gateway: gateway, alertId: input.alertId)
        return .object([
            ("resourceType", .string("Bundle")),
            ("type", .string("transaction")),
            ("entry", .array([.object([
                ("fullUrl", .string("urn:uuid:" + DeterministicUUID.make(from: "alert|" + id))),
                ("resource", make(input, gateway: gateway)),
                ("request", .object([("method", .string("POST")), ("url", .string("Communication")),
                                     ("ifNoneExist", .string(ConditionalQuery.identifier(system: alertIdentifierSystem, value: id)))])),
            ])])),
        ])
    }
}
