import IoMTCore

/// Blood Pressure Service 1.1 (0x1810); value layouts from the GATT Specification Supplement
/// §3.31 Blood Pressure Measurement, §3.126 Intermediate Cuff Pressure, §3.30 Blood Pressure Feature.
public enum BloodPressureProfile: GATTProfileDecoder {
    public static let profile = GATTProfile(driverId: "ble-blood-pressure", name: "Blood Pressure Service", service: GATTService.bloodPressure, [
        .init(GATTCharacteristic.bloodPressureMeasurement, .indicate), .init(GATTCharacteristic.intermediateCuffPressure, .notify, optional: true),
        .init(GATTCharacteristic.bloodPressureFeature, .read),
    ])

    public static func decode(characteristic: BluetoothUUID, value: [UInt8], context: inout GATTDecodingContext) throws(GATTDecodingError) -> GATTDecoded {
        switch characteristic {
        case GATTCharacteristic.bloodPressureMeasurement: return try measurement(value, intermediate: false)
        case GATTCharacteristic.intermediateCuffPressure: return try measurement(value, intermediate: true)
        default: return try .features(value, of: characteristic, field: "Blood Pressure Feature", key: "bloodPressureFeature", names: featureNames)
        }
    }

    static let featureNames: [Int: String] = [
        0: "body-movement-detection", 1: "cuff-fit-detection", 2: "irregular-pulse-detection", 3: "pulse-rate-range-detection",
        4: "measurement-position-detection", 5: "multiple-bonds", 6: "e2e-crc", 7: "user-data-service", 8: "user-facing-time",
    ]

    /// Flags: bit 0 units (0 mmHg, 1 kPa), bit 1 Time Stamp, bit 2 Pulse Rate, bit 3 User ID,
    /// bit 4 Measurement Status; bits 5-7 reserved. Then systolic, diastolic and MAP (SFLOAT each),
    /// then the optional fields in flag order. Intermediate Cuff Pressure has the same layout with the
    /// current cuff pressure in the systolic field and NaN in the other two.
    static func measurement(_ value: [UInt8], intermediate: Bool) throws(GATTDecodingError) -> GATTDecoded {
        let characteristic = intermediate ? GATTCharacteristic.intermediateCuffPressure : GATTCharacteristic.bloodPressureMeasurement
        var reader = GATTValueReader(characteristic: characteristic, bytes: value)
        let flags = try reader.uint8("Flags")
        let unit = flags.has(0) ? "kPa" : "mm[Hg]"
        let systolic = try reader.sfloat(intermediate ? "Current Cuff Pressure" : "Systolic")
        let diastolic = try reader.sfloat("Diastolic")
        let mean = try reader.sfloat("Mean Arterial Pressure")
        let stamp = try reader.dateTime("Time Stamp", if: flags.has(1))
        let pulse = try reader.sfloat("Pulse Rate", if: flags.has(2))
        let user = try reader.uint8("User ID", if: flags.has(3))
        var status = stamp?.measurementStatus ?? []
        if flags.has(4) { status.formUnion(cuffConditions(try reader.uint16("Measurement Status"))) }

        let time = stamp?.civilTime
        var decoded = GATTDecoded()
        if intermediate {
            decoded.measurements.append(DecodedMeasurement(.cuffPressure, systolic, unit: unit, status: status.union([.measurementOngoing]),
                                                           deviceTime: time, rawFrame: value))
        } else {
            let components = [(MeasurementType.systolic, systolic), (.diastolic, diastolic), (.meanArterial, mean)].map { type, float in
                ObservationComponent(type: type, value: float.value, unit: unit, status: float.status)
            }
            decoded.measurements.append(DecodedMeasurement(type: .bloodPressure, value: nil, unit: unit, components: components,
                                                           status: status, deviceTime: time, rawFrame: value))
        }
        if let pulse {
            // The cuff conditions concern the pulse reading too (irregular pulse, movement), so they are kept on it.
            decoded.measurements.append(DecodedMeasurement(.pulseRateBloodPressure, pulse, unit: "/min", status: status,
                                                           deviceTime: time, rawFrame: value))
        }
        if let user, user != 0xFF { decoded.events.append(.deviceInfo(key: "userIndex", value: String(user))) }
        decoded.events += reader.unreadEvents(flags: flags, definedMask: 0x1F)
        return decoded
    }

    /// Measurement Status: bit 0 body movement, bit 1 cuff too loose, bit 2 irregular pulse, bits 3-4
    /// pulse rate range (0 within, 1 above upper limit, 2 below lower limit, 3 reserved), bit 5
    /// improper measurement position; bits 6-15 reserved.
    static func cuffConditions(_ bits: UInt16) -> MeasurementStatus {
        var status: MeasurementStatus = []
        if bits.bit(0) { status.insert(.bodyMovement) }
        if bits.bit(1) { status.insert(.cuffTooLoose) }
        if bits.bit(2) { status.insert(.irregularPulse) }
        switch bits >> 3 & 0x3 {
        case 1: status.insert(.pulseRateAboveRange)
        case 2: status.insert(.pulseRateBelowRange)
        default: break
        }
        if bits.bit(5) { status.insert(.improperPosition) }
        return status
    }
}
