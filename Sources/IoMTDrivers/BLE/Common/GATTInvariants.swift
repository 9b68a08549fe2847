import IoMTCore

/// Properties every GATT decoder keeps, whatever the value: checked by the fuzz targets
/// (Fuzz/GATT*) and by the regression tests that replay their findings. Returns a description of the
/// first violation, or nil.
public enum GATTInvariants {
    /// The first input byte picks one of the profile's characteristics (and RACP / clock values), the
    /// rest is the value, so the fuzzer explores every layout of the profile.
    public static func violation(in input: [UInt8], decoder: any GATTProfileDecoder.Type) -> String? {
        guard let selector = input.first else { return nil }
        let candidates = decoder.profile.characteristics.map(\.uuid) + [GATTCharacteristic.currentTime, GATTCharacteristic.dateTime, 0x2A00]
        let characteristic = candidates[Int(selector) % candidates.count]
        let value = Array(input.dropFirst())
        let at = Instant(millisecondsSinceEpoch: 0)
        var first = GATTDriverSession(decoder: decoder)
        var second = GATTDriverSession(decoder: decoder)
        let output = first.decode(characteristic: characteristic, value: value, receivedAt: at)
        if output != second.decode(characteristic: characteristic, value: value, receivedAt: at) { return "decoding is not deterministic" }
        let rejected = output.events.contains { if case .rejectedFrame = $0 { return true } else { return false } }
        if rejected, !output.measurements.isEmpty { return "a rejected value still produced \(output.measurements.count) reading(s)" }
        for measurement in output.measurements {
            if measurement.rawFrame != value { return "\(measurement.type) does not carry the value it came from" }
            if measurement.value == nil, measurement.components.isEmpty, measurement.status.isEmpty {
                return "\(measurement.type) has no value and no status saying why"
            }
            for component in measurement.components where component.value == nil && component.status.isEmpty {
                return "component \(component.type) has no value and no status saying why"
            }
            if let time = measurement.deviceTime, !time.isValid, !measurement.status.contains(.deviceClockNotSet) {
                return "\(measurement.type) carries the impossible device time \(time.iso8601(withOffset: false)) without device-clock-not-set"
            }
            if let value = measurement.value, !(-128...132).contains(value.exponent) { return "exponent \(value.exponent) beyond FLOAT (plus a unit shift)" }
            if measurement.unit.isEmpty { return "\(measurement.type) has no unit" }
        }
        return nil
    }
}
