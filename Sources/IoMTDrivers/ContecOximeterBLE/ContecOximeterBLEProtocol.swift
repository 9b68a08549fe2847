import IoMTCore

/// The EMAY SleepO2 live protocol on the Contec BLE service (README.md, DEVICES.md §2.1): commands written to FF01,
/// live frames notified on FF02, one 8-byte frame `EB 01 05 PR SpO2 7F 00 ck` about once a second.
public enum ContecOximeterBLEProtocol {
    /// Announce the host: `89 09`.
    public static let hello = ContecBLEFraming.command(0x89)
    /// Start the live stream: `9B 01 1C`.
    public static let start = ContecBLEFraming.command(0x9B, [0x01])
    /// Stop the live stream: `9B 7F 1A`.
    public static let stop = ContecBLEFraming.command(0x9B, [0x7F])
    /// Keep the live stream going (the published client sends it every second): `9A 1A`.
    public static let heartbeat = ContecBLEFraming.command(0x9A)

    public static let liveFrameLength = 8
    /// The bytes every live frame starts with, and the two fixed bytes before its checksum.
    static let liveHeader: [UInt8] = [0xEB, 0x01, 0x05]
    static let liveTrailer: [UInt8] = [0x7F, 0x00]

    /// Why a notified frame is not a live reading.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case notALiveFrame(first: UInt8, length: Int)
        case truncated(length: Int)
        case unexpectedFixedBytes([UInt8])
        case checksum(found: UInt8, expected: UInt8)
        case spo2OutOfRange(Int)

        public var description: String {
            switch self {
            case let .notALiveFrame(first, length):
                "unknown frame 0x\(Hex.string([first])) (\(length) bytes): not a SleepO2 live frame (EB 01 05 PR SpO2 7F 00 ck)"
            case let .truncated(length): "truncated live frame: \(length) of \(liveFrameLength) bytes"
            case let .unexpectedFixedBytes(bytes):
                "live frame with \(Hex.string(bytes, separator: " ")) where EB 01 05 … 7F 00 was expected"
            case let .checksum(found, expected):
                "live frame checksum 0x\(Hex.string([found])), expected 0x\(Hex.string([expected])) (sum of bytes 0-6 & 0x7F)"
            case let .spo2OutOfRange(value): "live frame SpO2 \(value) is not a saturation (1-100, or 0/255 for none)"
            }
        }
    }

    /// One live frame (exactly 8 bytes) as a sample; the values 0 and 0xFF mean "none".
    public static func decodeLiveFrame(_ frame: [UInt8]) throws(Problem) -> ContecOximeterBLESample {
        guard frame.first == liveHeader[0] else { throw .notALiveFrame(first: frame.first ?? 0, length: frame.count) }
        guard frame.count == liveFrameLength else { throw .truncated(length: frame.count) }
        guard Array(frame[0..<3]) == liveHeader, Array(frame[5..<7]) == liveTrailer else {
            throw .unexpectedFixedBytes(Array(frame[0..<7]))
        }
        let expected = ContecBLEFraming.checksum(frame[0..<7])
        guard frame[7] == expected else { throw .checksum(found: frame[7], expected: expected) }
        let pulseRate = Int(frame[3]), spo2 = Int(frame[4])
        let noValue: Set<Int> = [0, 0xFF]
        guard noValue.contains(spo2) || spo2 <= 100 else { throw .spo2OutOfRange(spo2) }
        return ContecOximeterBLESample(spo2: noValue.contains(spo2) ? nil : spo2,
                                       pulseRate: noValue.contains(pulseRate) ? nil : pulseRate, frame: frame)
    }
}

/// One live frame's values: SpO2 and pulse rate, nil for the "none" markers 0 and 0xFF; the frame carries no status flags.
public typealias ContecOximeterBLESample = PlainOximetrySample
