import IoMTCore

/// Heart Rate Service 1.0 (0x180D); layout from the GATT Specification Supplement "Heart Rate
/// Measurement".
public enum HeartRateProfile: GATTProfileDecoder {
    public static let profile = GATTProfile(driverId: "ble-heart-rate", name: "Heart Rate Service", service: GATTService.heartRate,
                                            [.init(GATTCharacteristic.heartRateMeasurement, .notify)], clock: [])

    public static func decode(characteristic: BluetoothUUID, value: [UInt8], context: inout GATTDecodingContext) throws(GATTDecodingError) -> GATTDecoded {
        try measurement(value)
    }

    /// Flags: bit 0 value format (0 uint8, 1 uint16), bit 1 sensor contact detected, bit 2 sensor
    /// contact feature supported, bit 3 Energy Expended present (uint16 kJ), bit 4 RR-Interval present
    /// (one or more uint16 in 1/1024 s); bits 5-7 reserved.
    static func measurement(_ value: [UInt8]) throws(GATTDecodingError) -> GATTDecoded {
        var reader = GATTValueReader(characteristic: GATTCharacteristic.heartRateMeasurement, bytes: value)
        let flags = try reader.uint8("Flags")
        let rate = flags.has(0) ? Int64(try reader.uint16("Heart Rate Measurement Value (uint16)"))
                                : Int64(try reader.uint8("Heart Rate Measurement Value (uint8)"))
        let energy = try reader.uint16("Energy Expended", if: flags.has(3))
        var intervals: [UInt16] = []
        if flags.has(4) {
            guard reader.remaining >= 2 else { throw reader.error("RR-Interval", "flag set but no 2-byte interval follows (\(reader.remaining) byte(s) left)") }
            while reader.remaining >= 2 { intervals.append(try reader.uint16("RR-Interval")) }
        }
        // Contact supported but not detected: the rate is not from skin contact.
        let status: MeasurementStatus = flags.has(2) && !flags.has(1) ? [.sensorOff] : []
        var decoded = GATTDecoded(measurements: [
            DecodedMeasurement(type: .heartRate, value: DecimalValue(significand: rate, exponent: 0), unit: "/min", status: status, rawFrame: value),
        ])
        for interval in intervals {
            // 1/1024 s = 0.9765625 ms exactly; trailing zeros are dropped (they are not device precision).
            decoded.measurements.append(DecodedMeasurement(type: .rrInterval, value: rrMilliseconds(interval), unit: "ms",
                                                           status: status, rawFrame: value))
        }
        if let energy { decoded.events.append(.deviceInfo(key: "energyExpendedKilojoules", value: String(energy))) }
        decoded.events += reader.unreadEvents(flags: flags, definedMask: 0x1F)
        return decoded
    }

    static func rrMilliseconds(_ raw: UInt16) -> DecimalValue {
        var significand = Int64(raw) * 9_765_625, exponent = -7
        while exponent < 0, significand % 10 == 0, significand != 0 { significand /= 10; exponent += 1 }
        if significand == 0 { exponent = 0 }
        return DecimalValue(significand: significand, exponent: exponent)
    }
}
