import IoMTCore

/// One blood-pressure record as stored in an Omron cuff's EEPROM (README.md "Record layouts"): systolic stored − 25,
/// diastolic, pulse, the device time, irregular heartbeat (IHB) and body movement (MOV). Pure.
public struct OmronRecord: Sendable, Hashable {
    /// 1-based: the user area the record was read from.
    public let user: Int
    public let systolic: Int
    public let diastolic: Int
    public let pulse: Int
    /// The device clock when the cuff took the reading (no zone); seconds above 59 are clamped.
    public let deviceTime: CivilTime
    public let irregularHeartbeat: Bool
    public let bodyMovement: Bool
    /// The record's bytes as read from EEPROM.
    public let raw: [UInt8]

    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// All `FF`, all `00`, or a stored systolic above E1: the slot holds no record.
        case emptySlot
        case wrongLength(found: Int, expected: Int)
        case invalidDate(String)

        public var description: String {
            switch self {
            case .emptySlot: "Omron record: empty slot (all FF or 00, or stored systolic above E1)"
            case let .wrongLength(found, expected): "Omron record: \(found) bytes, expected \(expected) for this model"
            case let .invalidDate(text): "Omron record: device time \(text) is not a date (month 1-12, day 1-31, hour 0-23, minute 0-59)"
            }
        }
    }

    /// The first byte the empty-slot marker is read from is above this (hass-omron `record_parsers.py`).
    static let highestStoredSystolic: UInt8 = 0xE1
    /// Every layout stores systolic − 25 (omblepy, hass-omron).
    static let systolicOffset = 25

    public static func decode(_ bytes: [UInt8], map: OmronMemoryMap, user: Int) throws(Problem) -> OmronRecord {
        guard bytes.count == map.recordSize else { throw .wrongLength(found: bytes.count, expected: map.recordSize) }
        if bytes.allSatisfy({ $0 == 0xFF }) || bytes.allSatisfy({ $0 == 0 }) { throw .emptySlot }
        switch map.recordLayout {
        case .bitPackedBigEndian:
            guard bytes[1] <= highestStoredSystolic else { throw .emptySlot }
            let word = UInt32(bytes[4]) << 24 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 8 | UInt32(bytes[7])
            func bits(_ shift: UInt32, _ width: UInt32) -> Int { Int(word >> shift & (1 << width - 1)) }
            let time = try civilTime(year: Int(bytes[2]), month: bits(26, 4), day: bits(21, 5), hour: bits(16, 5),
                                     minute: bits(6, 6), second: bits(0, 6))
            return OmronRecord(user: user, systolic: Int(bytes[1]) + systolicOffset, diastolic: Int(bytes[0]), pulse: Int(bytes[3]),
                               deviceTime: time, irregularHeartbeat: bits(30, 1) == 1, bodyMovement: bits(31, 1) == 1, raw: bytes)
        case .classicVitalLittleEndian:
            guard bytes[0] <= highestStoredSystolic else { throw .emptySlot }
            let first = Int(bytes[4]) | Int(bytes[5]) << 8, second = Int(bytes[6]) | Int(bytes[7]) << 8
            let time = try civilTime(year: Int(bytes[3] & 0x3F), month: first >> 10 & 0xF, day: first >> 5 & 0x1F, hour: first & 0x1F,
                                     minute: second >> 6 & 0x3F, second: second & 0x3F)
            return OmronRecord(user: user, systolic: Int(bytes[0]) + systolicOffset, diastolic: Int(bytes[1]), pulse: Int(bytes[2]),
                               deviceTime: time, irregularHeartbeat: first >> 14 & 1 == 1, bodyMovement: first >> 15 & 1 == 1, raw: bytes)
        }
    }

    /// Seconds read up to 63 on some cuffs (omblepy): clamped to 59 rather than refused.
    static func civilTime(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) throws(Problem) -> CivilTime {
        let time = CivilTime(year: 2000 + year, month: month, day: day, hour: hour, minute: minute, second: min(second, 59))
        guard time.isValid else {
            throw .invalidDate("\(2000 + year)-\(month)-\(day) \(hour):\(minute):\(second)")
        }
        return time
    }

    /// Blood pressure (systolic and diastolic; the cuff stores no mean) and pulse, each with the device time and the record.
    public var measurements: [DecodedMeasurement] {
        var status: MeasurementStatus = []
        if irregularHeartbeat { status.insert(.irregularPulse) }
        if bodyMovement { status.insert(.bodyMovement) }
        let unit = "mm[Hg]"
        let components = [ObservationComponent(type: .systolic, value: DecimalValue(significand: Int64(systolic), exponent: 0), unit: unit),
                          ObservationComponent(type: .diastolic, value: DecimalValue(significand: Int64(diastolic), exponent: 0), unit: unit)]
        return [
            DecodedMeasurement(type: .bloodPressure, value: nil, unit: unit, components: components, status: status, deviceTime: deviceTime, rawFrame: raw),
            DecodedMeasurement(type: .pulseRateBloodPressure, value: DecimalValue(significand: Int64(pulse), exponent: 0), unit: "/min",
                               status: status, deviceTime: deviceTime, rawFrame: raw),
        ]
    }
}

/// The device clock in the settings' time bytes (`OmronMemoryMap.TimeLayout`), and the bytes that set it.
public enum OmronDeviceClock {
    /// The clock in the time bytes as read; nil when they are too short. An impossible date is returned as read (the
    /// clock-trust rules call it unset).
    public static func read(_ bytes: [UInt8], layout: OmronMemoryMap.TimeLayout) -> GATTDateTime? {
        switch layout {
        case .classicMixed:
            guard bytes.count >= 10 else { return nil }
            return GATTDateTime(year: 2000 + Int(bytes[3]), month: Int(bytes[2]), day: Int(bytes[5]), hours: Int(bytes[4]),
                                minutes: Int(bytes[7]), seconds: Int(bytes[6]))
        case .offset8:
            guard bytes.count >= 16 else { return nil }
            return GATTDateTime(year: 2000 + Int(bytes[8]), month: Int(bytes[9]), day: Int(bytes[10]), hours: Int(bytes[11]),
                                minutes: Int(bytes[12]), seconds: Int(bytes[13]))
        }
    }

    /// The time bytes as read with the clock replaced by `time` and the checksum renewed; the other bytes are kept as
    /// the device had them. nil when the bytes are too short or the year cannot be stored (2000–2255).
    public static func setting(_ bytes: [UInt8], to time: CivilTime, layout: OmronMemoryMap.TimeLayout) -> [UInt8]? {
        guard time.isValid, (2000...2255).contains(time.year) else { return nil }
        var bytes = bytes
        let year = UInt8(time.year - 2000), second = UInt8(min(59, time.second))
        switch layout {
        case .classicMixed:
            guard bytes.count >= 10 else { return nil }
            bytes.replaceSubrange(2..<8, with: [UInt8(time.month), year, UInt8(time.hour), UInt8(time.day), second, UInt8(time.minute)])
            bytes[8] = 0
            bytes[9] = UInt8(truncatingIfNeeded: bytes[0..<9].reduce(0) { $0 + Int($1) })
        case .offset8:
            guard bytes.count >= 16 else { return nil }
            bytes.replaceSubrange(8..<14, with: [year, UInt8(time.month), UInt8(time.day), UInt8(time.hour), UInt8(time.minute), second])
            bytes[14] = UInt8(truncatingIfNeeded: bytes[0..<14].reduce(0) { $0 + Int($1) })
            bytes[15] = 0
        }
        return bytes
    }
}
