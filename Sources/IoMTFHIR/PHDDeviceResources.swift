import IoMTCore

/// PhgDevice and PhdDevice resources with the identifiers used for their conditional create.
enum PHDDeviceResources {
    /// MDC_MOC_VMS_MDS_AHD: the PHG (application hosting device) type code.
    static let phgTypeCode = "531981"

    struct Identifier: Hashable {
        let system: String
        let value: String
        var ifNoneExist: String { ConditionalQuery.identifier(system: system, value: value) }
    }

    static func gatewayIdentifier(_ gateway: GatewayIdentity) -> Identifier {
        Identifier(system: FHIRSystem.eui64, value: gateway.normalisedSystemId)
    }

    static func phg(_ gateway: GatewayIdentity) -> JSONValue {
        let id = gatewayIdentifier(gateway)
        return JSONBuild.object([
            ("resourceType", .string("Device")),
            ("meta", .object([("profile", .array([.string(PHDProfile.phgDevice)]))])),
            ("identifier", .array([identifierJSON(id, typeCode: "SYSID", typeDisplay: "IEEE 11073 System Identifier")])),
            ("manufacturer", .string(gateway.manufacturer)),
            ("serialNumber", .string(gateway.serialNumber)),
            ("deviceName", .array([.object([("name", .string(gateway.model)), ("type", .string("model-name"))])])),
            ("modelNumber", .string(gateway.model)),
            ("type", JSONBuild.concept([JSONBuild.coding(FHIRSystem.mdc, phgTypeCode, "MDC_MOC_VMS_MDS_AHD")])),
            ("version", .array([.object([
                ("type", JSONBuild.concept([JSONBuild.coding(FHIRSystem.mdc, "531975", "MDC_ID_PROD_SPEC_SW")])),
                ("value", .string(gateway.softwareVersion)),
            ])])),
        ])
    }

    /// The identifier a PHD is conditionally created on: EUI-64 system id, else Bluetooth address
    /// (BLE), else serial number (USB), else the gateway port it is attached to.
    static func deviceIdentifier(_ device: DeviceIdentity) -> (Identifier, typeCode: String) {
        if let systemId = device.systemId {
            return (Identifier(system: FHIRSystem.eui64, value: EUI.normalised(systemId)), "SYSID")
        }
        if let address = device.bluetoothAddress {
            return (Identifier(system: FHIRSystem.bluetoothAddress, value: EUI.canonical48(address)), "BTMAC")
        }
        if let serial = device.serialNumber {
            return (Identifier(system: "urn:iomtd:device-serial:\(device.profileId)", value: serial), "SNO")
        }
        return (Identifier(system: "urn:iomtd:device-port:\(device.profileId)", value: device.portPath ?? "unknown"), "DN")
    }

    static func phd(_ device: DeviceIdentity) -> JSONValue {
        let (id, typeCode) = deviceIdentifier(device)
        var versions: [JSONValue] = []
        if let firmware = device.firmwareVersion {
            versions.append(.object([
                ("type", JSONBuild.concept([JSONBuild.coding(FHIRSystem.mdc, "531976", "MDC_ID_PROD_SPEC_FW")])),
                ("value", .string(firmware)),
            ]))
        }
        return JSONBuild.object([
            ("resourceType", .string("Device")),
            ("meta", .object([("profile", .array([.string(PHDProfile.phdDevice)]))])),
            ("identifier", .array([identifierJSON(id, typeCode: typeCode, typeDisplay: nil)])),
            ("manufacturer", .string(device.manufacturer)),
            ("serialNumber", device.serialNumber.map { .string($0) }),
            ("deviceName", .array([.object([("name", .string(device.model)), ("type", .string("model-name"))])])),
            ("modelNumber", .string(device.model)),
            ("version", versions.isEmpty ? nil : .array(versions)),
        ])
    }

    static func identifierJSON(_ id: Identifier, typeCode: String, typeDisplay: String?) -> JSONValue {
        // SYSID/BTMAC are PHD IG identifier type codes; SNO/DN come from HL7 v2 table 0203.
        let typeSystem = (typeCode == "SYSID" || typeCode == "BTMAC") ? "http://hl7.org/fhir/uv/phd/CodeSystem/ContinuaDeviceIdentifiers" : FHIRSystem.identifierType
        return .object([
            ("type", JSONBuild.concept([JSONBuild.coding(typeSystem, typeCode, typeDisplay)])),
            ("system", .string(id.system)),
            ("value", .string(id.value)),
        ])
    }
}
