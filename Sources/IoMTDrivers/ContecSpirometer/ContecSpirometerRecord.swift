import IoMTCore

/// One stored test from an `E1` answer (the 44-byte layout of DEVICES.md §1.1; offsets count from the E1 byte).
public struct ContecSpirometerRecord: Sendable, Hashable {
    /// The device's number for the record ([3–4]).
    public let number: Int
    /// [2]: 0 ALL, 1 FVC, 2 VC, 3 MVV, 4 MV.
    public let mode: Int
    /// [5–10], the device clock (no zone).
    public let deviceTime: CivilTime
    /// [16]: the test was taken after a bronchodilator (post-BD).
    public let afterBronchodilator: Bool
    /// The E1 frame, kept instead of its readings so a sync can hold thousands of records cheaply.
    public let frame: [UInt8]

    /// Why an E1 answer is not a record.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// [1] is 0x7E or 0x7F: the device has no record in this slot.
        case emptySlot(marker: UInt8)
        case wrongLength(found: Int)
        case unknownMode(Int)
        case unknownReferenceSet(Int)

        public var description: String {
            switch self {
            case let .emptySlot(marker): "record (E1): empty slot (marker 0x\(Hex.string([marker])))"
            case let .wrongLength(found): "record (E1): \(found) bytes, expected \(1 + ContecSpirometerProtocol.Answer.record.dataLength)"
            case let .unknownMode(mode): "record (E1): test mode \(mode) at byte 2 is not one of 0-4 (ALL, FVC, VC, MVV, MV); another record layout?"
            case let .unknownReferenceSet(set): "record (E1): reference set \(set) at byte 15 is not one of 1-3 (ECCS, Knudson, USA); another record layout?"
            }
        }
    }

    static let modeNames = ["ALL", "FVC", "VC", "MVV", "MV"]

    /// Decodes a whole E1 frame (type byte included). Pure; values are exact decimals (14-bit integers ÷ 100).
    public static func decode(_ frame: [UInt8]) throws(Problem) -> ContecSpirometerRecord {
        let expected = 1 + ContecSpirometerProtocol.Answer.record.dataLength
        guard frame.count == expected else { throw .wrongLength(found: frame.count) }
        let slot = frame[1] & 0x7F
        if slot == 0x7E || slot == 0x7F { throw .emptySlot(marker: slot) }
        func byte(_ offset: Int) -> Int { Int(frame[offset] & 0x7F) }
        func integer(_ offset: Int) -> Int { ContecSpirometerProtocol.integer14(frame[offset], frame[offset + 1]) }
        let mode = byte(2)
        guard modeNames.indices.contains(mode) else { throw .unknownMode(mode) }
        let referenceSet = byte(15)
        guard (1...3).contains(referenceSet) else { throw .unknownReferenceSet(referenceSet) }
        let time = CivilTime(year: 2000 + byte(5), month: byte(6), day: byte(7), hour: byte(8), minute: byte(9), second: byte(10))
        return ContecSpirometerRecord(number: integer(3), mode: mode, deviceTime: time, afterBronchodilator: byte(16) != 0, frame: frame)
    }

    /// The values in record order, as the device reported them (a zero value is "not measured" and left out), each with
    /// the record's device time and frame.
    public var measurements: [DecodedMeasurement] {
        func integer(_ offset: Int) -> Int { ContecSpirometerProtocol.integer14(frame[offset], frame[offset + 1]) }
        var measurements: [DecodedMeasurement] = []
        func add(_ type: MeasurementType, _ raw: Int, exponent: Int, keepZero: Bool = false) {
            guard raw != 0 || keepZero else { return }
            measurements.append(DecodedMeasurement(type: type, value: DecimalValue(significand: Int64(raw), exponent: exponent),
                                                   deviceTime: deviceTime, rawFrame: frame))
        }
        add(.fvc, integer(17), exponent: -2)
        add(.fev05, integer(19), exponent: -2)
        add(.fev1, integer(21), exponent: -2)
        add(.fev1FvcRatio, integer(23), exponent: -1)  // ÷100 ×10: a percentage with 0.1 % resolution
        add(.fev3, integer(25), exponent: -2)
        add(.fev6, integer(27), exponent: -2)
        add(.pef, integer(29), exponent: -2)
        add(.fef25, integer(31), exponent: -2)
        add(.fef50, integer(33), exponent: -2)
        add(.fef75, integer(35), exponent: -2)
        add(.fef2575, integer(37), exponent: -2)
        add(.timeToPeakFlow, integer(39), exponent: 0)
        add(.extrapolatedVolume, integer(41), exponent: 0, keepZero: true)  // 0 mL is a perfect start, not "not measured"
        return measurements
    }
}
