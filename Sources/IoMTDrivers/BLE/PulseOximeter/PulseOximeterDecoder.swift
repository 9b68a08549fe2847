import IoMTCore

/// Pulse Oximeter Service 1.0 (0x1822); layouts from the GATT Specification Supplement "PLX Spot-check
/// Measurement", "PLX Continuous Measurement" and "PLX Features".
public enum PulseOximeterProfile: GATTProfileDecoder {
    public static let profile = GATTProfile(driverId: "ble-pulse-oximeter", name: "Pulse Oximeter Service", service: GATTService.pulseOximeter, [
        .init(GATTCharacteristic.plxSpotCheckMeasurement, .indicate, optional: true), .init(GATTCharacteristic.plxContinuousMeasurement, .notify, optional: true),
        .init(GATTCharacteristic.plxFeatures, .read), .init(GATTCharacteristic.recordAccessControlPoint, .controlPoint, optional: true),
    ])

    public static func decode(characteristic: BluetoothUUID, value: [UInt8], context: inout GATTDecodingContext) throws(GATTDecodingError) -> GATTDecoded {
        switch characteristic {
        case GATTCharacteristic.plxSpotCheckMeasurement: return try spotCheck(value)
        case GATTCharacteristic.plxContinuousMeasurement: return try continuous(value)
        default: return try features(value)
        }
    }

    /// Flags: bit 0 Timestamp, bit 1 Measurement Status, bit 2 Device and Sensor Status, bit 3 Pulse
    /// Amplitude Index, bit 4 Device Clock is Not Set; bits 5-7 reserved. Fields: SpO2PR-Spot-Check
    /// (SpO2 SFLOAT %, PR SFLOAT bpm), Timestamp (Date Time), Measurement Status (uint16), Device and
    /// Sensor Status (uint24), Pulse Amplitude Index (SFLOAT %).
    static func spotCheck(_ value: [UInt8]) throws(GATTDecodingError) -> GATTDecoded {
        var reader = GATTValueReader(characteristic: GATTCharacteristic.plxSpotCheckMeasurement, bytes: value)
        let flags = try reader.uint8("Flags")
        let (spo2, pulse) = try spo2PR(&reader, "SpO2PR-Spot-Check")
        let stamp = try reader.dateTime("Timestamp", if: flags.has(0))
        var status: MeasurementStatus = stamp?.measurementStatus ?? []
        if flags.has(1) { status.formUnion(measurementStatus(try reader.uint16("Measurement Status"))) }
        if flags.has(2) { status.formUnion(deviceAndSensorStatus(try reader.uint24("Device and Sensor Status"))) }
        let amplitude = try reader.sfloat("Pulse Amplitude Index", if: flags.has(3))
        // The device says its clock is not set (PLX Spot-check flags): keep the stamp, let the normaliser use receipt time.
        if flags.has(4) { status.insert(.deviceClockNotSet) }
        var decoded = readings(spo2: spo2, pulse: pulse, amplitude: amplitude, status: status, time: stamp?.civilTime, value: value)
        decoded.events += reader.unreadEvents(flags: flags, definedMask: 0x1F)
        return decoded
    }

    /// Flags: bit 0 SpO2PR-Fast, bit 1 SpO2PR-Slow, bit 2 Measurement Status, bit 3 Device and Sensor
    /// Status, bit 4 Pulse Amplitude Index; bits 5-7 reserved. Fields: SpO2PR-Normal (2 × SFLOAT),
    /// SpO2PR-Fast, SpO2PR-Slow, Measurement Status, Device and Sensor Status, Pulse Amplitude Index.
    /// Observations carry the Normal pair; Fast and Slow (other averaging times) are decoded and
    /// checked but not reported, because the catalogue has one code per quantity (README.md).
    static func continuous(_ value: [UInt8]) throws(GATTDecodingError) -> GATTDecoded {
        var reader = GATTValueReader(characteristic: GATTCharacteristic.plxContinuousMeasurement, bytes: value)
        let flags = try reader.uint8("Flags")
        let (spo2, pulse) = try spo2PR(&reader, "SpO2PR-Normal")
        if flags.has(0) { _ = try spo2PR(&reader, "SpO2PR-Fast") }
        if flags.has(1) { _ = try spo2PR(&reader, "SpO2PR-Slow") }
        var status: MeasurementStatus = []
        if flags.has(2) { status.formUnion(measurementStatus(try reader.uint16("Measurement Status"))) }
        if flags.has(3) { status.formUnion(deviceAndSensorStatus(try reader.uint24("Device and Sensor Status"))) }
        let amplitude = try reader.sfloat("Pulse Amplitude Index", if: flags.has(4))
        var decoded = readings(spo2: spo2, pulse: pulse, amplitude: amplitude, status: status, time: nil, value: value)
        decoded.events += reader.unreadEvents(flags: flags, definedMask: 0x1F)
        return decoded
    }

    /// One SpO2PR field (SpO2 and PR, SFLOAT each), named in errors by `name` (`SpO2PR-Normal.SpO2`).
    private static func spo2PR(_ reader: inout GATTValueReader, _ name: String) throws(GATTDecodingError) -> (spo2: MedicalFloat, pulse: MedicalFloat) {
        let spo2 = try reader.sfloat(name + ".SpO2")
        return (spo2, try reader.sfloat(name + ".PR"))
    }

    private static func readings(spo2: MedicalFloat, pulse: MedicalFloat, amplitude: MedicalFloat?, status: MeasurementStatus,
                                 time: CivilTime?, value: [UInt8]) -> GATTDecoded {
        var measurements = [
            DecodedMeasurement(.spo2, spo2, unit: "%", status: status, deviceTime: time, rawFrame: value),
            DecodedMeasurement(.pulseRateOximetry, pulse, unit: "/min", status: status, deviceTime: time, rawFrame: value),
        ]
        // Pulse Amplitude Index is the perfusion index (%), IEEE 11073-10404 MDC_PULS_OXIM_PERF_REL.
        if let amplitude {
            measurements.append(DecodedMeasurement(.perfusionIndex, amplitude, unit: "%", status: status, deviceTime: time, rawFrame: value))
        }
        return GATTDecoded(measurements: measurements)
    }

    /// Measurement Status: bits 0-4 reserved, 5 measurement ongoing, 6 early estimated data, 7 validated
    /// data, 8 fully qualified data, 9 data from measurement storage, 10 data for demonstration, 11 data
    /// for testing, 12 calibration ongoing, 13 measurement unavailable, 14 questionable measurement
    /// detected, 15 invalid measurement detected.
    static func measurementStatus(_ bits: UInt16) -> MeasurementStatus {
        let map: [(Int, StatusFlag)] = [(5, .measurementOngoing), (6, .earlyIndication), (7, .validatedData), (10, .demonstrationData),
                                        (11, .testData), (12, .calibrationOngoing), (13, .notAvailable), (14, .questionable), (15, .invalid)]
        return Set(map.filter { bits.bit($0.0) }.map(\.1))
    }

    /// Device and Sensor Status (uint24): 0 extended display update ongoing, 1 equipment malfunction,
    /// 2 signal processing irregularity, 3 inadequate signal, 4 poor signal, 5 low perfusion, 6 erratic
    /// signal, 7 nonpulsatile signal, 8 questionable pulse, 9 signal analysis ongoing, 10 sensor
    /// interference, 11 sensor unconnected to user, 12 unknown sensor connected, 13 sensor displaced,
    /// 14 sensor malfunctioning, 15 sensor disconnected; 16-23 reserved.
    static func deviceAndSensorStatus(_ bits: UInt32) -> MeasurementStatus {
        let map: [(Int, StatusFlag)] = [(1, .probeError), (2, .artifact), (3, .lowSignal), (4, .lowSignal), (5, .lowSignal),
                                        (6, .artifact), (7, .searching), (8, .questionable), (9, .searching), (10, .artifact),
                                        (11, .sensorOff), (12, .probeError), (13, .sensorOff), (14, .probeError), (15, .sensorOff)]
        return Set(map.filter { bits.bit($0.0) }.map(\.1))
    }

    static let supportedFeatureNames: [Int: String] = [
        0: "measurement-status", 1: "device-and-sensor-status", 2: "spot-check-measurement-storage", 3: "spot-check-timestamp",
        4: "spo2pr-fast", 5: "spo2pr-slow", 6: "pulse-amplitude-index", 7: "multiple-bonds",
    ]

    /// Supported Features (uint16), then Measurement Status Support (uint16) if bit 0 is set and Device
    /// and Sensor Status Support (uint24) if bit 1 is set.
    static func features(_ value: [UInt8]) throws(GATTDecodingError) -> GATTDecoded {
        var reader = GATTValueReader(characteristic: GATTCharacteristic.plxFeatures, bytes: value)
        let supported = try reader.uint16("Supported Features")
        var events: [DriverEvent] = [.deviceInfo(key: "plxFeatures", value: GATTFlags.featureNames(supported, names: supportedFeatureNames))]
        if supported.bit(0) {
            let bits = try reader.uint16("Measurement Status Support")
            events.append(.deviceInfo(key: "plxMeasurementStatusSupport", value: measurementStatus(bits).sortedNames.joined(separator: ", ")))
        }
        if supported.bit(1) {
            let bits = try reader.uint24("Device and Sensor Status Support")
            events.append(.deviceInfo(key: "plxDeviceAndSensorStatusSupport", value: deviceAndSensorStatus(bits).sortedNames.joined(separator: ", ")))
        }
        return GATTDecoded(events: events)
    }
}
