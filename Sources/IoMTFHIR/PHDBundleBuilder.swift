import IoMTCore
import IoMTSpirometry

/// Builds the transaction Bundle DOM receives: the PhgDevice, one PhdDevice per distinct monitor,
/// then one Observation per stored row, each POSTed with `ifNoneExist` so resends create nothing new, then one panel
/// Observation per spirometry session in the batch (docs/fhir-mapping.md, "Spirometry").
public struct PHDBundleBuilder: Sendable {
    public let gateway: GatewayIdentity
    /// Whose demographics each reading's spirometry reference values use (the binding's, else the configuration's;
    /// none: readings go without them).
    public let demographics: PatientDemographicsResolver

    public init(gateway: GatewayIdentity, demographics: PatientDemographicsResolver) {
        self.gateway = gateway
        self.demographics = demographics
    }

    /// `patientDemographics`: PESEL → demographics, as the configuration gives them (no bindings).
    public init(gateway: GatewayIdentity, patientDemographics: [String: PatientDemographics] = [:]) {
        self.init(gateway: gateway, demographics: PatientDemographicsResolver(configured: patientDemographics))
    }

    public func transactionBundle(for entries: [BundleInput]) -> JSONValue {
        let gatewayId = PHDDeviceResources.gatewayIdentifier(gateway)
        let gatewayURL = "urn:uuid:" + DeterministicUUID.make(from: "phg|" + gatewayId.value)
        var bundleEntries: [JSONValue] = [
            entry(fullUrl: gatewayURL, resource: PHDDeviceResources.phg(gateway), type: "Device", ifNoneExist: gatewayId.ifNoneExist),
        ]
        var deviceURLs: [String: String] = [:]
        for device in distinctDevices(entries) {
            let (id, _) = PHDDeviceResources.deviceIdentifier(device)
            let url = "urn:uuid:" + DeterministicUUID.make(from: "phd|\(id.system)|\(id.value)")
            deviceURLs[device.wholeKey] = url
            let measured = entries.filter { $0.observation.device.wholeKey == device.wholeKey }.map { $0.observation.type }
            bundleEntries.append(entry(fullUrl: url, resource: PHDDeviceResources.phd(device, measured: measured), type: "Device",
                                       ifNoneExist: id.ifNoneExist))
        }
        var observationURLs: [Int64: String] = [:]
        var assessments: [Int64: ParameterAssessment] = [:]
        for input in entries {
            let identifier = PHDObservationIdentifier.value(for: input.observation)
            let spirometry = SpirometryFHIR.member(input.observation, demographics: demographics.demographics(for: input.observation))
            let resource = PHDObservationResource.make(input, identifierSystem: gateway.observationIdentifierSystem,
                                                       deviceReference: deviceURLs[input.observation.device.wholeKey]!,
                                                       gatewayReference: gatewayURL, spirometry: spirometry)
            assessments[input.storeId] = spirometry?.assessment
            let url = "urn:uuid:" + DeterministicUUID.make(from: "obs|\(input.storeId)|" + identifier)
            observationURLs[input.storeId] = url
            bundleEntries.append(entry(fullUrl: url, resource: resource, type: "Observation",
                                       ifNoneExist: ConditionalQuery.identifier(system: gateway.observationIdentifierSystem, value: identifier)))
        }
        for session in SpirometryFHIR.sessions(entries) {
            let identifier = SpirometryFHIR.identifier(session)
            let resource = SpirometryFHIR.panel(session, memberURLs: session.members.compactMap { observationURLs[$0.storeId] },
                                                identifierSystem: gateway.observationIdentifierSystem, identifier: identifier,
                                                deviceReference: deviceURLs[session.members[0].observation.device.wholeKey]!,
                                                gatewayReference: gatewayURL, assessments: assessments)
            bundleEntries.append(entry(fullUrl: "urn:uuid:" + DeterministicUUID.make(from: "panel|" + identifier), resource: resource,
                                       type: "Observation",
                                       ifNoneExist: ConditionalQuery.identifier(system: gateway.observationIdentifierSystem, value: identifier)))
        }
        return .object([
            ("resourceType", .string("Bundle")),
            ("type", .string("transaction")),
            ("entry", .array(bundleEntries)),
        ])
    }

    /// For each bundle entry in order, the store id it carries (nil for Device entries); pass it to
    /// `TransactionResponseParser` to map response entries back to rows.
    public func entryStoreIds(for entries: [BundleInput]) -> [Int64?] {
        [nil] + distinctDevices(entries).map { _ in nil } + entries.map { $0.storeId } + SpirometryFHIR.sessions(entries).map { _ in nil }
    }

    /// Devices in first-seen order (deterministic bundle layout). One PhdDevice per physical device: the parts of a
    /// two-user cuff (`DeviceIdentity.subDevice`) measure for different patients, but are one device to DOM.
    private func distinctDevices(_ entries: [BundleInput]) -> [DeviceIdentity] {
        var seen: Set<String> = []
        var devices: [DeviceIdentity] = []
        for input in entries where seen.insert(input.observation.device.wholeKey).inserted {
            devices.append(input.observation.device.part(nil))
        }
        return devices
    }

    private func entry(fullUrl: String, resource: JSONValue, type: String, ifNoneExist: String) -> JSONValue {
        .object([
            ("fullUrl", .string(fullUrl)),
            ("resource", resource),
            ("request", .object([
                ("method", .string("POST")),
                ("url", .string(type)),
                ("ifNoneExist", .string(ifNoneExist)),
            ])),
        ])
    }
}
