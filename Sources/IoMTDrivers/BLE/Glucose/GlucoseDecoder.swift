import IoMTCore

/// Glucose Service 1.0 (0x1808); layouts from the GATT Specification Supplement "Glucose
/// Measurement", "Glucose Measurement Context" and "Glucose Feature". Stored records are
/// fetched through the Record Access Control Point from a sequence-number high-water mark.
public enum GlucoseProfile: GATTProfileDecoder {
    public static let profile = GATTProfile(driverId: "ble-glucose", name: "Glucose Service", service: GATTService.glucose, [
        .init(GATTCharacteristic.glucoseMeasurement, .notify), .init(GATTCharacteristic.glucoseMeasurementContext, .notify, optional: true),
        .init(GATTCharacteristic.glucoseFeature, .read), .init(GATTCharacteristic.recordAccessControlPoint, .controlPoint),
    ])

    public static func decode(characteristic: BluetoothUUID, value: [UInt8], context: inout GATTDecodingContext) throws(GATTDecodingError) -> GATTDecoded {
        switch characteristic {
        case GATTCharacteristic.glucoseMeasurement:
            let decoded = try measurement(value)
            context.lastGlucoseRecord = decoded.recordTime
            return decoded.output
        case GATTCharacteristic.glucoseMeasurementContext:
            return try GlucoseContextDecoder.decode(value, after: context.lastGlucoseRecord)
        default: return try .features(value, of: characteristic, field: "Glucose Feature", key: "glucoseFeature", names: featureNames)
        }
    }

    static let featureNames: [Int: String] = [
        0: "low-battery-detection", 1: "sensor-malfunction-detection", 2: "sensor-sample-size", 3: "strip-insertion-error-detection",
        4: "strip-type-error-detection", 5: "sensor-result-high-low-detection", 6: "sensor-temperature-high-low-detection",
        7: "sensor-read-interrupt-detection", 8: "general-device-fault", 9: "time-fault", 10: "multiple-bonds",
    ]

    /// Flags: bit 0 Time Offset, bit 1 Glucose Concentration + Type-Sample Location, bit 2 concentration
    /// units (0 kg/L, 1 mol/L), bit 3 Sensor Status Annunciation, bit 4 Context Information follows;
    /// bits 5-7 reserved. Fields: Sequence Number (uint16), Base Time (Date Time), Time Offset (sint16
    /// minutes), Glucose Concentration (SFLOAT), Type (low nibble) and Sample Location (high nibble),
    /// Sensor Status Annunciation (uint16).
    static func measurement(_ value: [UInt8]) throws(GATTDecodingError) -> (output: GATTDecoded, recordTime: GlucoseRecordTime) {
        var reader = GATTValueReader(characteristic: GATTCharacteristic.glucoseMeasurement, bytes: value)
        let flags = try reader.uint8("Flags")
        let sequence = try reader.uint16("Sequence Number")
        let base = try reader.dateTime("Base Time")
        let offsetMinutes = flags.has(0) ? Int(try reader.int16("Time Offset")) : 0
        let concentration = try reader.sfloat("Glucose Concentration", if: flags.has(1))
        let typeAndLocation = try reader.uint8("Type-Sample Location", if: flags.has(1))
        let annunciation = try reader.uint16("Sensor Status Annunciation", if: flags.has(3))

        var status = base.measurementStatus
        if let annunciation { status.formUnion(sensorStatus(annunciation)) }
        // User Facing Time = Base Time + Time Offset (Glucose Service spec); an unset clock keeps its raw value.
        var time = base.civilTime
        if !base.isClockUnset, offsetMinutes != 0 {
            time = CivilTime(instant: time.instant(assumingOffsetMinutes: 0).adding(milliseconds: Int64(offsetMinutes) * 60_000), utcOffsetMinutes: 0)
            time.utcOffsetMinutes = nil
        }
        var decoded = GATTDecoded(sequenceNumber: sequence)
        if let concentration, let typeAndLocation {
            let sampleType = typeAndLocation & 0x0F, location = typeAndLocation >> 4
            // Control-solution readings test the meter, not the patient.
            if sampleType == 10 || location == 4 { status.insert(.testData) }
            let molar = flags.has(2)
            let type = molar ? glucoseType(sampleType).molarGlucose : glucoseType(sampleType)
            // kg/L → mg/dL is × 10⁵ and mol/L → mmol/L × 10³: exact exponent shifts, precision kept.
            decoded.measurements.append(DecodedMeasurement(type, concentration.shifted(by: molar ? 3 : 5), unit: molar ? "mmol/L" : "mg/dL",
                                                           status: status, deviceTime: time, rawFrame: value))
            decoded.events.append(.deviceInfo(key: "glucoseSampleLocation", value: locationName(location)))
        }
        if annunciation.map({ $0.bit(0) }) == true { decoded.events.append(.deviceInfo(key: "battery", value: "low at time of measurement")) }
        if flags.has(4) { decoded.events.append(.deviceInfo(key: "glucoseContextFollows", value: String(sequence))) }
        decoded.events += reader.unreadEvents(flags: flags, definedMask: 0x1F)
        return (decoded, GlucoseRecordTime(sequenceNumber: sequence, deviceTime: time, clockNotSet: status.contains(.deviceClockNotSet)))
    }

    /// Type: 1 capillary whole blood, 2 capillary plasma, 3 venous whole blood, 4 venous plasma,
    /// 5 arterial whole blood, 6 arterial plasma, 7 undetermined whole blood, 8 undetermined plasma,
    /// 9 interstitial fluid, 10 control solution; others reserved (reported as general glucose).
    static func glucoseType(_ type: UInt8) -> MeasurementType {
        switch type {
        case 1: return .glucoseCapillaryWholeBlood
        case 2: return .glucoseCapillaryPlasma
        case 3: return .glucoseVenousWholeBlood
        case 4: return .glucoseVenousPlasma
        case 5: return .glucoseArterialWholeBlood
        case 6: return .glucoseArterialPlasma
        case 9: return .glucoseInterstitialFluid
        case 10: return .glucoseControlSolution
        default: return .glucoseGeneral
        }
    }

    /// Sample Location: 1 finger, 2 alternate site test, 3 earlobe, 4 control solution, 15 not available.
    static func locationName(_ location: UInt8) -> String {
        switch location {
        case 1: return "finger"
        case 2: return "alternate-site-test"
        case 3: return "earlobe"
        case 4: return "control-solution"
        case 15: return "not-available"
        default: return "reserved (\(location))"
        }
    }

    /// Sensor Status Annunciation: 0 battery low, 1 sensor malfunction, 2 sample size insufficient,
    /// 3 strip insertion error, 4 strip type incorrect, 5 result higher than the device can process,
    /// 6 result lower, 7 sensor temperature too high, 8 too low, 9 sensor read interrupted, 10 general
    /// device fault, 11 time fault; 12-15 reserved. Battery low (bit 0) is reported as an event only.
    static func sensorStatus(_ bits: UInt16) -> MeasurementStatus {
        var status: MeasurementStatus = []
        for bit in [1, 2, 3, 4, 9, 10] where bits.bit(bit) { status.insert(.invalid) }
        if bits.bit(1) { status.insert(.probeError) }
        if bits.bit(5) { status.formUnion([.aboveMeasurementRange, .questionable]) }
        if bits.bit(6) { status.formUnion([.belowMeasurementRange, .questionable]) }
        if bits.bit(7) || bits.bit(8) { status.insert(.questionable) }
        if bits.bit(11) { status.insert(.deviceClockNotSet) }
        return status
    }
}
