import IoMTCore

/// One stored sample of the recording memory: package 0x09 (SpO2, pulse rate, PI) or 0x0F (three SpO2/pulse pairs) of [12].
/// Values outside the valid ranges of [12] Table 3 — SpO2 (0, 100] %, pulse rate (0, 254] /min — carry no value (the
/// invalid markers 0x7F / 0xFF, and the 0 the device pads the last 0x0F package with).
public struct CMS50StoredSample: Sendable, Hashable {
    public let spo2: Int?
    public let pulseRate: Int?
    public init(spo2: Int, pulseRate: Int) {
        self.spo2 = (1...100).contains(spo2) ? spo2 : nil
        self.pulseRate = (1...254).contains(pulseRate) ? pulseRate : nil
    }
}

/// The device's answers the stored-data download reads ([12] Table 2), decoded from one framed package. Pure.
public enum CMS50V46Answer: Sendable, Hashable {
    /// 0x01, the live frame (left to `CMS50V46Decoder`).
    case live([UInt8])
    /// 0x0A: how many stored segments a user has.
    case segmentAmount(user: Int, segments: Int)
    /// 0x08: a segment's stored data length (32 bits, low byte first; its unit is not stated by [12], README).
    case dataLength(user: Int, segment: Int, length: UInt32)
    /// 0x07: a segment's start date (high-year × 100 + low-year).
    case startDate(user: Int, segment: Int, year: Int, month: Int, day: Int)
    /// 0x12: a segment's start time of day.
    case startTime(user: Int, segment: Int, hour: Int, minute: Int, second: Int)
    /// 0x09 (one sample with PI) or 0x0F (three samples without), in order.
    case storedData([CMS50StoredSample], withPerfusionIndex: Bool)
    /// 0x0B: the command answered and the reason code (0x00 done, 0x05 not supported, …).
    case commandFeedback(command: UInt8, reason: UInt8)
    /// 0x0C: the device is free (after A2 or A7).
    case free
    /// 0x0D: the device disconnects by itself, with a reason code.
    case disconnecting(reason: UInt8)
    /// Any other framed package (device identifiers, user information, notices): not used by the download.
    case other(type: UInt8)

    public static func decode(_ packet: [UInt8]) -> CMS50V46Answer? {
        guard let type = packet.first, CMS50V46Packet.lengths[type] == packet.count else { return nil }
        let bytes = CMS50V46Packet.restore(packet)
        func byte(_ index: Int) -> Int { Int(bytes[index]) }
        switch type {
        case 0x01: return .live(packet)
        case 0x0A: return .segmentAmount(user: byte(2), segments: byte(3))
        case 0x08:
            let length = (4...7).reduce(UInt32(0)) { $0 | UInt32(bytes[$1]) << (8 * UInt32($1 - 4)) }
            return .dataLength(user: byte(2), segment: byte(3), length: length)
        case 0x07: return .startDate(user: byte(2), segment: byte(3), year: byte(4) * 100 + byte(5), month: byte(6), day: byte(7))
        case 0x12: return .startTime(user: byte(2), segment: byte(3), hour: byte(4), minute: byte(5), second: byte(6))
        case 0x09: return .storedData([CMS50StoredSample(spo2: byte(2), pulseRate: byte(3))], withPerfusionIndex: true)
        case 0x0F: return .storedData(stride(from: 2, to: 8, by: 2).map { CMS50StoredSample(spo2: byte($0), pulseRate: byte($0 + 1)) },
                                      withPerfusionIndex: false)
        case 0x0B: return .commandFeedback(command: bytes[2], reason: bytes[3])
        case 0x0C: return .free
        case 0x0D: return .disconnecting(reason: bytes[2])
        default: return .other(type: type)
        }
    }
}
