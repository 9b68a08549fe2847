import IoMTCore

/// One 1/60 s sample as the device would report it.
public struct CMS50Sample: Sendable, Hashable {
    public var pleth: Int          // 0-127
    public var signalStrength: Int // 0-15 (the device uses 0-8)
    public var barGraph: Int       // 0-15
    public var beat: Bool
    public var fingerOut: Bool
    public var searching: Bool
    public var probeError: Bool
    public var spo2Dropping: Bool
    /// 0-255; 255 when unknown.
    public var pulseRate: Int
    /// 0-100; 127 when unknown.
    public var spo2: Int

    public init(pleth: Int, signalStrength: Int, barGraph: Int, beat: Bool, fingerOut: Bool, searching: Bool,
                probeError: Bool, spo2Dropping: Bool, pulseRate: Int, spo2: Int) {
        self.pleth = pleth; self.signalStrength = signalStrength; self.barGraph = barGraph; self.beat = beat
        self.fingerOut = fingerOut; self.searching = searching; self.probeError = probeError
        self.spo2Dropping = spo2Dropping; self.pulseRate = pulseRate; self.spo2 = spo2
    }

    public static let invalidSpO2 = 127
    public static let invalidPulseRate = 255
}

/// Device-side encoders for the two CMS50 firmware generations (see Simulators/README.md for the
/// byte layouts and their sources).
public enum CMS50Frame {
    /// Legacy firmware: 5 bytes, only byte 0 has bit 7 set (the sync bit).
    public static func legacy(_ sample: CMS50Sample) -> [UInt8] {
        var b0 = 0x80 | UInt8(sample.signalStrength & 0x0F)
        if sample.fingerOut { b0 |= 0x10 }
        if sample.spo2Dropping { b0 |= 0x20 }
        if sample.beat { b0 |= 0x40 }
        var b2 = UInt8(sample.barGraph & 0x0F)
        if sample.probeError { b2 |= 0x10 }
        if sample.searching { b2 |= 0x20 }
        if sample.pulseRate & 0x80 != 0 { b2 |= 0x40 }
        return [b0, UInt8(sample.pleth & 0x7F), b2, UInt8(sample.pulseRate & 0x7F), UInt8(sample.spo2 & 0x7F)]
    }

    /// v4.6 firmware live-data frame: 9 bytes, type 0x01, byte 1 holds the high bits of bytes 2…8.
    public static func v46(_ sample: CMS50Sample) -> [UInt8] {
        var status = UInt8(sample.signalStrength & 0x0F)
        if sample.beat { status |= 0x40 }
        if sample.fingerOut { status |= 0x80 }
        var pleth = UInt8(sample.pleth & 0x7F)
        if sample.searching { pleth |= 0x80 }
        var bar = UInt8(sample.barGraph & 0x0F)
        if sample.probeError { bar |= 0x10 }
        let payload: [UInt8] = [status, pleth, bar, UInt8(sample.pulseRate & 0xFF), UInt8(sample.spo2 & 0x7F), 0xFF, 0xFF]
        return v46Packet(type: 0x01, payload: payload)
    }

    /// Wraps up to 7 payload bytes: every byte after the type gets bit 7 set; the payload's own
    /// bit 7s travel in byte 1 (bit i for payload byte i).
    public static func v46Packet(type: UInt8, payload: [UInt8]) -> [UInt8] {
        precondition(payload.count <= 7 && type & 0x80 == 0)
        var high: UInt8 = 0x80
        for (index, byte) in payload.enumerated() where byte & 0x80 != 0 { high |= 1 << UInt8(index) }
        return [type, high] + payload.map { $0 | 0x80 }
    }

    /// Undoes `v46Packet`: the type and the payload with bit 7 restored.
    public static func v46Unpack(_ frame: [UInt8]) -> (type: UInt8, payload: [UInt8])? {
        guard frame.count >= 2, frame[0] & 0x80 == 0, frame.dropFirst().allSatisfy({ $0 & 0x80 != 0 }) else { return nil }
        let high = frame[1]
        let payload = frame.dropFirst(2).enumerated().map { index, byte in
            (byte & 0x7F) | (high >> UInt8(index) & 1) << 7
        }
        return (frame[0], payload)
    }

    /// Host → device commands of the v4.6 protocol: `7D 81 <cmd> 80 80 80 80 80 80`.
    public enum Command: UInt8, Sendable {
        case hello = 0xA0
        case hello2 = 0xA2
        case startLiveData = 0xA1
        case hello7 = 0xA7
    }

    public static func command(_ code: UInt8) -> [UInt8] { [0x7D, 0x81, code, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80] }
}

/// A recording in the device's memory (one storage segment of user 0), as the Contec V7.0 protocol document [12] lays out
/// its answers (Sources/IoMTLab/Simulators/README.md): encoded here from the document, never by the gateway's decoder.
public struct CMS50StoredSegment: Sendable, Hashable {
    /// The device clock at the first sample (no zone).
    public var start: CivilTime
    /// (SpO2 %, pulse rate /min) per second; values outside the valid ranges are the device's "no value".
    public var samples: [Sample]

    public struct Sample: Sendable, Hashable {
        public var spo2: Int, pulseRate: Int
        public init(spo2: Int, pulseRate: Int) { self.spo2 = spo2; self.pulseRate = pulseRate }
    }

    public init(start: CivilTime, samples: [Sample]) { self.start = start; self.samples = samples }

    /// A night for the lab: `count` samples at 97 % / 64 /min, with a dip to 86 % / 80 /min for 30 samples from sample 60.
    public static func labNight(count: Int, start: CivilTime = CivilTime(year: 2026, month: 12, day: 4, hour: 22, minute: 30, second: 0)) -> CMS50StoredSegment {
        CMS50StoredSegment(start: start, samples: (0..<count).map { index in
            (60..<90).contains(index) ? Sample(spo2: 86, pulseRate: 80) : Sample(spo2: 97, pulseRate: 64)
        })
    }
}

extension CMS50Frame {
    /// Uplink package types of the V7.0 document (Table 2).
    public enum Answer: UInt8, Sendable {
        case startDate = 0x07, dataLength = 0x08, storedData = 0x0F, segmentAmount = 0x0A, commandFeedback = 0x0B, free = 0x0C
        case startTime = 0x12
    }

    /// An uplink package of the V7.0 document: type, high byte, then the payload with bit 7 forced (like `v46Packet`).
    public static func answer(_ type: Answer, _ payload: [UInt8]) -> [UInt8] { v46Packet(type: type.rawValue, payload: payload) }

    /// The answers A4 asks for: the length in bytes of the stored data (two per sample in 0x0F packages), low byte first.
    public static func dataLength(user: UInt8, segment: UInt8, samples: Int) -> [UInt8] {
        let bytes = UInt32(samples * 2)
        return answer(.dataLength, [user, segment, UInt8(bytes & 0xFF), UInt8(bytes >> 8 & 0xFF), UInt8(bytes >> 16 & 0xFF), UInt8(bytes >> 24)])
    }

    /// The two answers A5 asks for: the date (0x07: high year, low year, month, day) and the time (0x12: hour, minute,
    /// second, an unused byte).
    public static func startTime(user: UInt8, segment: UInt8, _ start: CivilTime) -> [UInt8] {
        answer(.startDate, [user, segment, UInt8(start.year / 100), UInt8(start.year % 100), UInt8(start.month), UInt8(start.day)])
            + answer(.startTime, [user, segment, UInt8(start.hour), UInt8(start.minute), UInt8(start.second), 0])
    }

    /// The data A6 asks for, without PI: 0x0F packages of three SpO2 / pulse pairs, the last padded with zeros.
    public static func storedData(_ samples: [CMS50StoredSegment.Sample]) -> [[UInt8]] {
        stride(from: 0, to: samples.count, by: 3).map { first in
            let pairs = samples[first..<min(first + 3, samples.count)].flatMap { [UInt8($0.spo2), UInt8($0.pulseRate)] }
            return answer(.storedData, pairs + Array(repeating: 0, count: 6 - pairs.count))
        }
    }
}
