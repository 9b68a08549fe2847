import IoMTCore

/// What every oximeter session's output keeps whatever the bytes (checked by the fuzz targets' invariants): a value is
/// one some decoded frame carried, SpO2 lies within 1–100, and a reading without a value is marked not-available.
/// SpO2 and pulse rate are whole numbers (`carried`); a perfusion index keeps the device's scale (`carriedPerfusion`).
enum OximetryOutputInvariant {
    static func violation(in measurements: [DecodedMeasurement], carried: Set<Int>, carriedPerfusion: Set<DecimalValue> = []) -> String? {
        for measurement in measurements {
            if let value = measurement.value, measurement.type == .perfusionIndex {
                guard carriedPerfusion.contains(value) else { return "invented perfusion index \(value)" }
            } else if let value = measurement.value {
                guard let integer = Int(value.description), carried.contains(integer) else { return "invented value \(value)" }
                if measurement.type == .spo2, !(1...100).contains(integer) { return "SpO2 \(integer) out of range" }
            } else if !measurement.status.contains(.notAvailable) {
                return "missing value without not-available"
            }
        }
        return nil
    }
}
