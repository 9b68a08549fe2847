import IoMTCore

/// The Beurer PO60's stored measurements on the Contec BLE service (README.md, "Beurer PO60"; DEVICES.md §2.1, from a
/// client reverse-engineered by its author): after `90 05 15` and `99 00 19` on FF01, each stored measurement is an
/// `E9` packet on FF02 (end time, SpO2 maximum/minimum/average) followed by one notification with its pulse rate
/// maximum/minimum/average. Only the fields below are known; every other byte is left unread.
public enum BeurerPO60Protocol {
    /// Ask for the stored measurements (first command): `90 05 15`.
    public static let requestStored = ContecBLEFraming.command(0x90, [0x05])
    /// Ask for the stored measurements (second command, ~0.5 s after the first in the published client): `99 00 19`.
    public static let sendStored = ContecBLEFraming.command(0x99, [0x00])

    public static let measurementType: UInt8 = 0xE9
    /// The published client reads up to byte 19 and refuses anything shorter than 23 bytes.
    public static let measurementMinimumLength = 23
    public static let pulsePacketMinimumLength = 3

    /// Maximum, minimum and average, as the device sends them.
    public struct Statistics: Sendable, Hashable {
        public var maximum, minimum, average: Int
        public init(maximum: Int, minimum: Int, average: Int) { self.maximum = maximum; self.minimum = minimum; self.average = average }
        var text: String { "max \(maximum) min \(minimum) avg \(average)" }
        var isOrdered: Bool { minimum <= average && average <= maximum }
    }

    /// An `E9` packet: which record, when it ended (device time), and its SpO2 when that part is valid.
    public struct MeasurementPacket: Sendable, Hashable {
        /// Byte 1 & 0x0F.
        public let packetNumber: Int
        public let endTime: CivilTime
        /// nil when the SpO2 bytes are not a saturation (`spo2Problem` says why).
        public let spo2: Statistics?
        public let spo2Problem: String?
        public let frame: [UInt8]
    }

    /// Why a notification is not (all of) a stored measurement.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case notAMeasurement(first: UInt8, length: Int)
        case truncated(length: Int)
        case impossibleEndTime(String)
        case pulsePacketTooShort(length: Int)
        case pulseHighBit([UInt8])
        case pulseNotAStatistic(Statistics)

        public var description: String {
            switch self {
            case let .notAMeasurement(first, length):
                "unknown frame 0x\(Hex.string([first])) (\(length) bytes): not a PO60 stored measurement (E9) and no E9 before it"
            case let .truncated(length): "truncated PO60 measurement packet E9: \(length) of at least \(measurementMinimumLength) bytes"
            case let .impossibleEndTime(text): "PO60 measurement packet E9: end time \(text) (bytes 8-13) is no calendar time; the record is not reported"
            case let .pulsePacketTooShort(length):
                "PO60 pulse-rate packet of \(length) bytes, expected at least \(pulsePacketMinimumLength) (max, min, avg)"
            case let .pulseHighBit(bytes):
                "PO60 pulse-rate packet \(Hex.string(bytes, separator: " ")): bit 7 set where max, min, avg were expected (a rate above 127/min, whose encoding is not known)"
            case let .pulseNotAStatistic(values): "PO60 pulse-rate packet \(values.text): not a maximum, minimum and average (min ≤ avg ≤ max, 1-127)"
            }
        }
    }

    /// One `E9` packet. The record's time must be a calendar time (else nothing of it is reported); its SpO2 part
    /// stands only when the three values are saturations (1-100) in the order maximum ≥ average ≥ minimum.
    public static func decodeMeasurement(_ bytes: [UInt8]) throws(Problem) -> MeasurementPacket {
        guard bytes.first == measurementType else { throw .notAMeasurement(first: bytes.first ?? 0, length: bytes.count) }
        guard bytes.count >= measurementMinimumLength else { throw .truncated(length: bytes.count) }
        // The masks are the published client's: the bits they drop carry something unknown.
        let time = CivilTime(year: 2000 + Int(bytes[8] & 0x7F), month: Int(bytes[9] & 0x0F), day: Int(bytes[10] & 0x1F),
                             hour: Int(bytes[11] & 0x1F), minute: Int(bytes[12] & 0x3F), second: Int(bytes[13] & 0x3F))
        guard time.isValid, time.second < 60 else { throw .impossibleEndTime(time.iso8601(withOffset: false, fractionDigits: 0)) }
        let spo2 = Statistics(maximum: Int(bytes[17] & 0x7F), minimum: Int(bytes[18] & 0x7F), average: Int(bytes[19] & 0x7F))
        var problem: String?
        if ![spo2.maximum, spo2.minimum, spo2.average].allSatisfy({ (1...100).contains($0) }) || !spo2.isOrdered {
            problem = "PO60 measurement packet E9: SpO2 \(spo2.text) (bytes 17-19) is not a saturation statistic (1-100, min ≤ avg ≤ max); the SpO2 of this record is not reported"
        }
        return MeasurementPacket(packetNumber: Int(bytes[1] & 0x0F), endTime: time, spo2: problem == nil ? spo2 : nil,
                                 spo2Problem: problem, frame: bytes)
    }

    /// The notification after an `E9`: pulse rate maximum, minimum, average in bytes 0-2. The published client masks
    /// them with 0x7F; a set bit 7 is refused here instead, since where the device puts a rate above 127 is unknown.
    public static func decodePulsePacket(_ bytes: [UInt8]) throws(Problem) -> Statistics {
        guard bytes.count >= pulsePacketMinimumLength else { throw .pulsePacketTooShort(length: bytes.count) }
        let values = Array(bytes.prefix(3))
        guard values.allSatisfy({ $0 < 0x80 }) else { throw .pulseHighBit(values) }
        let pulse = Statistics(maximum: Int(values[0]), minimum: Int(values[1]), average: Int(values[2]))
        guard pulse.minimum >= 1, pulse.isOrdered else { throw .pulseNotAStatistic(pulse) }
        return pulse
    }
}
