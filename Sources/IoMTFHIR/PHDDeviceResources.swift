import IoMTCore

/// PhgDevice and PhdDevice resources (PHD IG v1.1.0) with the identifiers used for their conditional create.
enum PHDDeviceResources {
    /// MDC_MOC_VMS_MDS_AHD: the PHG (application hosting device) type code.
    static let phgTypeCode = "531981"
    /// MDC_MOC_VMS_MDS_SIMP: every PHD's Device.type (PhdDevice profile, fixed code).
    static let phdTypeCode = "65573"
    /// PhdDevice "System Identifier": a PHD without a System-Id gets all zeros (and a transport address beside it).
    static let absentSystemId = "00-00-00-00-00-00-00-00"

    struct Identifier: Hashable {
        let system: String
        let value: String
        var ifNoneExist: String { ConditionalQuery.identifier(system: system, value: value) }
    }

    static func gatewayIdentifier(_ gateway: GatewayIdentity) -> Identifier {
        Identifier(system: FHIRSystem.eui64, value: gateway.dashedSystemId)
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
            ("type", JSONBuild.concept([JSONBuild.coding(FHIRSystem.mdc, phgTypeCode, "MDC_MOC_VMS_MDS_AHD")],
                                       text: "MDC_MOC_VMS_MDS_AHD: Continua Personal Health Gateway")),
            ("version", .array([.object([
                ("type", JSONBuild.concept([JSONBuild.coding(FHIRSystem.mdc, "531975", "MDC_ID_PROD_SPEC_SW")])),
                ("value", .string(gateway.softwareVersion)),
            ])])),
            // PhgDevice requires a property; the IG's one required PHG "MDS" property is the time synchronisation.
            // Debian's systemd-timesyncd (iomtd.service is After=time-sync.target) is an SNTP v4 client (RFC 4330).
            ("property", .array([.object([
                ("type", JSONBuild.concept([JSONBuild.coding(FHIRSystem.mdc, "68220", "MDC_TIME_SYNC_PROTOCOL")])),
                ("valueCode", .array([JSONBuild.concept([JSONBuild.coding(FHIRSystem.mdc, "532228", "MDC_TIME_SYNC_SNTPV4330")])])),
            ])])),
        ])
    }

    /// The identifier a PHD is conditionally created on: EUI-64 system id, else Bluetooth address
    /// (BLE), else serial number (USB), else the gateway port it is attached to. Never the all-zero System Id,
    /// which every device without one shares.
    static func deviceIdentifier(_ device: DeviceIdentity) -> (Identifier, typeCode: String) {
        if let systemId = device.systemId {
            return (Identifier(system: FHIRSystem.eui64, value: EUI.dashed64(systemId)), "SYSID")
        }
        if let address = device.bluetoothAddress {
            return (Identifier(system: FHIRSystem.bluetoothAddress, value: EUI.canonical48(address)), "BTMAC")
        }
        if let serial = device.serialNumber {
            return (Identifier(system: "urn:iomtd:device-serial:\(device.profileId)", value: serial), "SNO")
        }
        return (Identifier(system: "urn:iomtd:device-port:\(device.profileId)", value: device.portPath ?? "unknown"), "DN")
    }

    /// Every identifier the PhdDevice carries: the System Id slice (all zeros when the device has none), the Bluetooth
    /// address slice when known, and for a device with neither our serial-number or port identifier, so it stays unique.
    static func identifiers(_ device: DeviceIdentity) -> [JSONValue] {
        var identifiers = [identifierJSON(Identifier(system: FHIRSystem.eui64, value: device.systemId.map(EUI.dashed64) ?? absentSystemId),
                                          typeCode: "SYSID", typeDisplay: nil)]
        if let address = device.bluetoothAddress {
            identifiers.append(identifierJSON(Identifier(system: FHIRSystem.bluetoothAddress, value: EUI.canonical48(address)),
                                              typeCode: "BTMAC", typeDisplay: nil))
        }
        if device.systemId == nil && device.bluetoothAddress == nil {
            let (id, typeCode) = deviceIdentifier(device)
            identifiers.append(identifierJSON(id, typeCode: typeCode, typeDisplay: nil))
        }
        return identifiers
    }

    static func phd(_ device: DeviceIdentity, measured types: [MeasurementType]) -> JSONValue {
        var versions: [JSONValue] = []
        if let firmware = device.firmwareVersion {
            versions.append(.object([
                ("type", JSONBuild.concept([JSONBuild.coding(FHIRSystem.mdc, "531976", "MDC_ID_PROD_SPEC_FW")])),
                ("value", .string(firmware)),
            ]))
        }
        // Version "1": the device reports no System-Type-Spec-List; the IG's own example of a non-20601 BLE oximeter
        // (Device phd-74E8FFFEFF051C00.001C05FFE874) carries "1".
        let specializations: [JSONValue] = PHDSpecialization.of(types).map { specialization in
            .object([
                ("systemType", JSONBuild.concept([JSONBuild.coding(FHIRSystem.mdc, specialization.code, specialization.referenceId)],
                                                 text: "\(specialization.referenceId): \(specialization.display)")),
                ("version", .string("1")),
            ])
        }
        return JSONBuild.object([
            ("resourceType", .string("Device")),
            ("meta", .object([("profile", .array([.string(PHDProfile.phdDevice)]))])),
            ("identifier", .array(identifiers(device))),
            ("manufacturer", .string(device.manufacturer)),
            ("serialNumber", device.serialNumber.map { .string($0) }),
            ("deviceName", .array([.object([("name", .string(device.model)), ("type", .string("model-name"))])])),
            ("modelNumber", .string(device.model)),
            ("type", JSONBuild.concept([JSONBuild.coding(FHIRSystem.mdc, phdTypeCode, "MDC_MOC_VMS_MDS_SIMP")],
                                       text: "MDC_MOC_VMS_MDS_SIMP: Continua Personal Health Device")),
            ("specialization", .array(specializations)),
            ("version", versions.isEmpty ? nil : .array(versions)),
        ])
    }

    static func identifierJSON(_ id: Identifier, typeCode: String, typeDisplay: String?) -> JSONValue {
        // SYSID/BTMAC are PHD IG identifier type codes; SNO/DN come from HL7 v2 table 0203.
        let typeSystem = (typeCode == "SYSID" || typeCode == "BTMAC") ? FHIRSystem.continuaDeviceIdentifiers : FHIRSystem.identifierType
        return .object([
            ("type", JSONBuild.concept([JSONBuild.coding(typeSystem, typeCode, typeDisplay)])),
            ("system", .string(id.system)),
            ("value", .string(id.value)),
        ])
    }
}
