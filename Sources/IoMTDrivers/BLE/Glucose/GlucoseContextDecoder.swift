import IoMTCore

/// Glucose Measurement Context (0x2A34), sent after the measurement with the same sequence number
/// when its flag bit 4 is set.
public struct GlucoseContext: Sendable, Hashable {
    public var sequenceNumber: UInt16
    public var carbohydrateId: UInt8?
    /// kilograms (SFLOAT).
    public var carbohydrate: MedicalFloat?
    public var meal: UInt8?
    public var tester: UInt8?
    public var health: UInt8?
    /// seconds; 65535 = overrun.
    public var exerciseDurationSeconds: UInt16?
    /// percent.
    public var exerciseIntensityPercent: UInt8?
    public var medicationId: UInt8?
    public var medication: MedicalFloat?
    /// "kg" or "L" (flag bit 5).
    public var medicationUnit: String?
    /// percent (SFLOAT).
    public var hba1c: MedicalFloat?
}

enum GlucoseContextDecoder {
    /// Flags: bit 0 Carbohydrate ID + Carbohydrate, bit 1 Meal, bit 2 Tester-Health, bit 3 Exercise
    /// Duration + Intensity, bit 4 Medication ID + Medication, bit 5 medication units (0 kg, 1 L),
    /// bit 6 HbA1c, bit 7 Extended Flags present. Fields in that order after the Sequence Number
    /// (uint16) and the optional Extended Flags (uint8, all reserved).
    static func parse(_ value: [UInt8]) throws(GATTDecodingError) -> GlucoseContext {
        var reader = GATTValueReader(characteristic: GATTCharacteristic.glucoseMeasurementContext, bytes: value)
        let flags = try reader.uint8("Flags")
        var context = GlucoseContext(sequenceNumber: try reader.uint16("Sequence Number"))
        if flags.has(7) { _ = try reader.uint8("Extended Flags") }
        if flags.has(0) {
            context.carbohydrateId = try reader.uint8("Carbohydrate ID")
            context.carbohydrate = try reader.sfloat("Carbohydrate")
        }
        if flags.has(1) { context.meal = try reader.uint8("Meal") }
        if flags.has(2) {
            let nibbles = try reader.uint8("Tester-Health")
            context.tester = nibbles & 0x0F
            context.health = nibbles >> 4
        }
        if flags.has(3) {
            context.exerciseDurationSeconds = try reader.uint16("Exercise Duration")
            context.exerciseIntensityPercent = try reader.uint8("Exercise Intensity")
        }
        if flags.has(4) {
            context.medicationId = try reader.uint8("Medication ID")
            context.medication = try reader.sfloat("Medication")
            context.medicationUnit = flags.has(5) ? "L" : "kg"
        }
        if flags.has(6) { context.hba1c = try reader.sfloat("HbA1c") }
        return context
    }

    /// HbA1c becomes an observation (MDC_CONC_HBA1C) at the time of the measurement it belongs to
    /// (same sequence number, sent just before); the other context fields are reported as events until
    /// the catalogue has their IEEE 11073-10417 context codes (README.md).
    static func decode(_ value: [UInt8], after record: GlucoseRecordTime?) throws(GATTDecodingError) -> GATTDecoded {
        let context = try parse(value)
        var decoded = GATTDecoded()
        if let hba1c = context.hba1c {
            let owner = record?.sequenceNumber == context.sequenceNumber ? record : nil
            decoded.measurements.append(DecodedMeasurement(.hba1c, hba1c, unit: "%", status: owner?.clockNotSet == true ? [.deviceClockNotSet] : [],
                                                           deviceTime: owner?.deviceTime, rawFrame: value))
        }
        let sequence = String(context.sequenceNumber)
        if let meal = context.meal { decoded.events.append(.deviceInfo(key: "glucoseContext[\(sequence)].meal", value: mealName(meal))) }
        if let tester = context.tester { decoded.events.append(.deviceInfo(key: "glucoseContext[\(sequence)].tester", value: testerName(tester))) }
        if let health = context.health { decoded.events.append(.deviceInfo(key: "glucoseContext[\(sequence)].health", value: healthName(health))) }
        if let id = context.carbohydrateId, let carbs = context.carbohydrate {
            decoded.events.append(.deviceInfo(key: "glucoseContext[\(sequence)].carbohydrate", value: "\(carbohydrateName(id)) \(text(carbs)) kg"))
        }
        if let duration = context.exerciseDurationSeconds, let intensity = context.exerciseIntensityPercent {
            decoded.events.append(.deviceInfo(key: "glucoseContext[\(sequence)].exercise",
                                              value: (duration == .max ? "overrun" : "\(duration) s") + ", \(intensity) %"))
        }
        if let id = context.medicationId, let amount = context.medication {
            decoded.events.append(.deviceInfo(key: "glucoseContext[\(sequence)].medication",
                                              value: "\(medicationName(id)) \(text(amount)) \(context.medicationUnit ?? "kg")"))
        }
        return decoded
    }

    private static func text(_ float: MedicalFloat) -> String { float.value?.description ?? float.status.sortedNames.joined() }

    static func carbohydrateName(_ id: UInt8) -> String {
        ["breakfast", "lunch", "dinner", "snack", "drink", "supper", "brunch"].element(at: Int(id) - 1) ?? "reserved (\(id))"
    }
    static func mealName(_ id: UInt8) -> String {
        ["preprandial", "postprandial", "fasting", "casual", "bedtime"].element(at: Int(id) - 1) ?? "reserved (\(id))"
    }
    static func testerName(_ id: UInt8) -> String {
        id == 15 ? "not-available" : ["self", "health-care-professional", "lab-test"].element(at: Int(id) - 1) ?? "reserved (\(id))"
    }
    static func healthName(_ id: UInt8) -> String {
        id == 15 ? "not-available"
            : ["minor-health-issues", "major-health-issues", "during-menses", "under-stress", "no-health-issues"].element(at: Int(id) - 1)
            ?? "reserved (\(id))"
    }
    static func medicationName(_ id: UInt8) -> String {
        ["rapid-acting-insulin", "short-acting-insulin", "intermediate-acting-insulin", "long-acting-insulin", "pre-mixed-insulin"]
            .element(at: Int(id) - 1) ?? "reserved (\(id))"
    }
}

extension Array {
    fileprivate func element(at index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
