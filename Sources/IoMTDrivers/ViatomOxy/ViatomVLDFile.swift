import IoMTCore

/// A stored session, `.vld` version 3 (README.md; S1, from Viatom's own SDK parser S4): a 40-byte header, then 5-byte
/// records (SpO2, pulse rate LE16, acceleration, reserved) every 2 or 4 s from the start time.
///
/// Header offsets (little-endian): [0] version (3), [1] mode (0 sleep, 1 monitor), [2–3] year, [4] month, [5] day,
/// [6] hour, [7] minute, [8] second, [9–12] file size, [13–14] duration s, [15–16] reserved, [17] SpO2 average,
/// [18] SpO2 minimum, [19] 3 % drops, [20] 4 % drops, [21–22] seconds below 90 %, [23] events below 90 %,
/// [24] share below 90 %, [25] O2 score ×10, [26–29] steps; [30–39] unused.
public struct ViatomVLDFile: Sendable, Hashable {
    public static let headerLength = 40
    public static let recordLength = 5
    public static let supportedVersion: UInt8 = 3
    /// The record intervals the sources confirm (S2 refuses others as truncated or corrupt).
    public static let knownIntervals = [2, 4]

    public let mode: Int
    /// The device clock at the first record (no zone).
    public let startTime: CivilTime
    public let durationSeconds: Int
    /// Seconds between records: duration ÷ record count.
    public let intervalSeconds: Int
    /// What the device computed itself (reported beside iomtd's own summary, never instead of it).
    public let deviceSummary: DeviceSummary
    public let records: [Record]

    public struct DeviceSummary: Sendable, Hashable {
        public let spo2Average: Int
        public let spo2Minimum: Int
        public let drops3: Int
        public let drops4: Int
        public let secondsBelow90: Int
    }

    public struct Record: Sendable, Hashable {
        /// 255 = no finger.
        public let spo2: Int
        public let pulseRate: Int
        public let bytes: [UInt8]
        /// Whether the record carries a saturation and a pulse rate (not the no-finger marker, not 0).
        public var isValid: Bool { (1...100).contains(spo2) && pulseRate > 0 && pulseRate != 0xFF && pulseRate != 0xFFFF }
    }

    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case tooShort(found: Int)
        case unsupportedVersion(Int)
        case invalidStartTime
        case partialRecord(bodyBytes: Int)
        case unknownInterval(durationSeconds: Int, records: Int)

        public var description: String {
            switch self {
            case let .tooShort(found): "Viatom .vld file: \(found) bytes, shorter than the 40-byte header"
            case let .unsupportedVersion(version): "Viatom .vld file: version \(version) at byte 0, only version 3 is known"
            case .invalidStartTime: "Viatom .vld file: the start time at bytes 2-8 is not a calendar date and time"
            case let .partialRecord(bytes): "Viatom .vld file: \(bytes) bytes after the header are not whole 5-byte records (file truncated?)"
            case let .unknownInterval(duration, records): "Viatom .vld file: \(records) records over \(duration) s is not one every 2 or 4 s"
                }
        }
    }

    public static func decode(_ file: [UInt8]) throws(Problem) -> ViatomVLDFile {
        guard file.count >= headerLength else { throw .tooShort(found: file.count) }
        guard file[0] == supportedVersion else { throw .unsupportedVersion(Int(file[0])) }
        func u16(_ at: Int) -> Int { Int(file[at]) | Int(file[at + 1]) << 8 }
        let start = CivilTime(year: u16(2), month: Int(file[4]), day: Int(file[5]), hour: Int(file[6]), minute: Int(file[7]), second: Int(file[8]))
        guard start.isValid else { throw .invalidStartTime }
        let body = file.count - headerLength
        guard body % recordLength == 0 else { throw .partialRecord(bodyBytes: body) }
        let count = body / recordLength
        let duration = u16(13)
        var interval = knownIntervals[0]
        if count > 0 {
            guard duration % count == 0, knownIntervals.contains(duration / count) else { throw .unknownInterval(durationSeconds: duration, records: count) }
            interval = duration / count
        }
        let records = (0..<count).map { index -> Record in
            let at = headerLength + index * recordLength
            return Record(spo2: Int(file[at]), pulseRate: Int(file[at + 1]) | Int(file[at + 2]) << 8, bytes: Array(file[at..<(at + recordLength)]))
        }
        return ViatomVLDFile(mode: Int(file[1]), startTime: start, durationSeconds: duration, intervalSeconds: interval,
                             deviceSummary: DeviceSummary(spo2Average: Int(file[17]), spo2Minimum: Int(file[18]), drops3: Int(file[19]),
                                                          drops4: Int(file[20]), secondsBelow90: u16(21)),
                             records: records)
    }

    /// The device time of record `index`: start + index × interval (no zone, like the start).
    public func time(ofRecord index: Int) -> CivilTime {
        startTime.addingOnDeviceClock(seconds: Int64(index) * Int64(intervalSeconds))
    }

    /// The records as the shared summary reads them (no value where the record carries none).
    public var storedRecords: [StoredOximetryRecord] {
        records.map { $0.isValid ? StoredOximetryRecord(spo2: $0.spo2, pulseRate: $0.pulseRate) : StoredOximetryRecord(spo2: nil, pulseRate: nil) }
    }

    /// The whole session as one reading (`OvernightOximetrySummary.sessionMeasurement`), the file as raw frame.
    public func sessionMeasurement(file bytes: [UInt8]) -> DecodedMeasurement {
        OvernightOximetrySummary.sessionMeasurement(records: storedRecords, intervalSeconds: intervalSeconds, start: startTime, rawFrame: bytes)
    }
}

/// The O2Ring's session summary is the shared overnight summary of its records.
public typealias ViatomOxySessionSummary = OvernightOximetrySummary

extension OvernightOximetrySummary {
    public init(_ file: ViatomVLDFile) { self.init(records: file.storedRecords, intervalSeconds: file.intervalSeconds) }
}
