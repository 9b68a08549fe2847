import IoMTCore

/// Weight Scale Service 1.0 (0x181D); layouts from the GATT Specification Supplement §3.252 Weight
/// Measurement and "Weight Scale Feature".
public enum WeightScaleProfile: GATTProfileDecoder {
    public static let profile = GATTProfile(driverId: "ble-weight-scale", name: "Weight Scale Service", service: GATTService.weightScale, [
        .init(GATTCharacteristic.weightMeasurement, .indicate), .init(GATTCharacteristic.weightScaleFeature, .read),
    ])

    public static func decode(characteristic: BluetoothUUID, value: [UInt8], context: inout GATTDecodingContext) throws(GATTDecodingError) -> GATTDecoded {
        switch characteristic {
        case GATTCharacteristic.weightMeasurement: return try measurement(value)
        default: return try features(value)
        }
    }

    /// Weight uint16 in units of 0.005 kg (SI) or 0.01 lb (imperial); 0xFFFF = "Measurement
    /// Unsuccessful". BMI uint16 in 0.1 kg/m². Height uint16 in 0.001 m (SI) or 0.1 in (imperial).
    /// Values are kept exact at the characteristic's resolution (raw × 5 × 10⁻³ kg is exact).
    static let unsuccessful: UInt16 = 0xFFFF

    /// Flags: bit 0 units (0 SI: kg and m, 1 imperial: lb and in), bit 1 Time Stamp, bit 2 User ID,
    /// bit 3 BMI and Height; bits 4-7 reserved.
    static func measurement(_ value: [UInt8]) throws(GATTDecodingError) -> GATTDecoded {
        var reader = GATTValueReader(characteristic: GATTCharacteristic.weightMeasurement, bytes: value)
        let flags = try reader.uint8("Flags")
        let imperial = flags.has(0)
        let weight = try reader.uint16("Weight")
        let stamp = try reader.dateTime("Time Stamp", if: flags.has(1))
        let user = try reader.uint8("User ID", if: flags.has(2))
        let bmi = try reader.uint16("BMI", if: flags.has(3))
        let height = try reader.uint16("Height", if: flags.has(3))
        let status = stamp?.measurementStatus ?? []
        let time = stamp?.civilTime

        func reading(_ type: MeasurementType, _ raw: UInt16, significandPerUnit: Int64, exponent: Int, unit: String) -> DecodedMeasurement {
            let failed = raw == unsuccessful
            return DecodedMeasurement(type: type, value: failed ? nil : DecimalValue(significand: Int64(raw) * significandPerUnit, exponent: exponent),
                                      unit: unit, status: failed ? status.union([.notAvailable]) : status, deviceTime: time, rawFrame: value)
        }
        var decoded = GATTDecoded()
        decoded.measurements.append(imperial ? reading(.bodyWeight, weight, significandPerUnit: 1, exponent: -2, unit: "[lb_av]")
                                             : reading(.bodyWeight, weight, significandPerUnit: 5, exponent: -3, unit: "kg"))
        if let bmi, let height {
            // BMI and height come from the same failed weighing when the weight is unsuccessful.
            let failed = weight == unsuccessful
            decoded.measurements.append(reading(.bodyMassIndex, failed ? unsuccessful : bmi, significandPerUnit: 1, exponent: -1, unit: "kg/m2"))
            decoded.measurements.append(imperial ? reading(.bodyHeight, failed ? unsuccessful : height, significandPerUnit: 1, exponent: -1, unit: "[in_i]")
                                                 : reading(.bodyHeight, failed ? unsuccessful : height, significandPerUnit: 1, exponent: -3, unit: "m"))
        }
        if let user, user != 0xFF { decoded.events.append(.deviceInfo(key: "userIndex", value: String(user))) }
        decoded.events += reader.unreadEvents(flags: flags, definedMask: 0x0F)
        return decoded
    }

    /// Weight Scale Feature (uint32): bit 0 time stamp, bit 1 multiple users, bit 2 BMI; bits 3-6 weight
    /// resolution (1: 0.5 kg/1 lb, 2: 0.2 kg/0.5 lb, 3: 0.1 kg/0.2 lb, 4: 0.05 kg/0.1 lb, 5: 0.02 kg/0.05 lb,
    /// 6: 0.01 kg/0.02 lb, 7: 0.005 kg/0.01 lb, 0: not specified); bits 7-9 height resolution (1: 0.01 m/1 in,
    /// 2: 0.005 m/0.5 in, 3: 0.001 m/0.1 in, 0: not specified).
    static func features(_ value: [UInt8]) throws(GATTDecodingError) -> GATTDecoded {
        var reader = GATTValueReader(characteristic: GATTCharacteristic.weightScaleFeature, bytes: value)
        let bits = try reader.uint32("Weight Scale Feature")
        let weightResolutions = ["not specified", "0.5 kg / 1 lb", "0.2 kg / 0.5 lb", "0.1 kg / 0.2 lb", "0.05 kg / 0.1 lb",
                                 "0.02 kg / 0.05 lb", "0.01 kg / 0.02 lb", "0.005 kg / 0.01 lb"]
        let heightResolutions = ["not specified", "0.01 m / 1 in", "0.005 m / 0.5 in", "0.001 m / 0.1 in"]
        let weight = Int(bits >> 3 & 0xF), height = Int(bits >> 7 & 0x7)
        let flags = GATTFlags.featureNames(bits & 0x7, names: [0: "time-stamp", 1: "multiple-users", 2: "bmi"])
        return GATTDecoded(events: [
            .deviceInfo(key: "weightScaleFeature", value: flags),
            .deviceInfo(key: "weightResolution", value: weight < weightResolutions.count ? weightResolutions[weight] : "reserved (\(weight))"),
            .deviceInfo(key: "heightResolution", value: height < heightResolutions.count ? heightResolutions[height] : "reserved (\(height))"),
        ])
    }
}
