import IoMTCore

/// Flag-byte helpers shared by the profile decoders.
extension UInt8 {
    func has(_ bit: Int) -> Bool { self & (1 << bit) != 0 }
}

extension FixedWidthInteger {
    func bit(_ index: Int) -> Bool { self >> index & 1 == 1 }
}

enum GATTFlags {
    /// Reserved ("RFU") flag bits set: decoded anyway (the spec tells receivers to ignore them), reported once.
    static func reservedBitsEvent(_ flags: UInt8, definedMask: UInt8, characteristic: BluetoothUUID) -> DriverEvent? {
        let reserved = flags & ~definedMask
        guard reserved != 0 else { return nil }
        return .deviceInfo(key: "gatt.\(characteristic.shortText).reservedFlags",
                           value: "0x" + String(Hex.string([reserved]).uppercased()))
    }

    /// Names of the set bits, for feature characteristics (`"body-movement-detection, cuff-fit-detection"`).
    static func featureNames<Value: FixedWidthInteger>(_ value: Value, names: [Int: String]) -> String {
        var parts: [String] = []
        for bit in 0..<Value.bitWidth where value.bit(bit) {
            parts.append(names[bit] ?? "reserved-bit-\(bit)")
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}

extension GATTDecoded {
    /// A 16-bit feature characteristic (Blood Pressure Feature, Glucose Feature): its set bits named, one device fact.
    static func features(_ value: [UInt8], of characteristic: BluetoothUUID, field: String, key: String,
                         names: [Int: String]) throws(GATTDecodingError) -> GATTDecoded {
        var reader = GATTValueReader(characteristic: characteristic, bytes: value)
        let bits = try reader.uint16(field)
        return GATTDecoded(events: [.deviceInfo(key: key, value: GATTFlags.featureNames(bits, names: names))])
    }
}

extension DecodedMeasurement {
    /// A reading from a medical float: the value when it is a number, else no value and the special value's flag.
    init(_ type: MeasurementType, _ float: MedicalFloat, unit: String, status: MeasurementStatus = [],
         deviceTime: CivilTime?, rawFrame: [UInt8]) {
        self.init(type: type, value: float.value, unit: unit, status: status.union(float.status), deviceTime: deviceTime, rawFrame: rawFrame)
    }
}
