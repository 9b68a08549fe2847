import IoMTCore

/// The Contec BLE spirometer's wire format (README.md, DEVICES.md §1.1): commands written to FF01, answers notified on
/// FF02 as a byte stream (a frame may span notifications). Every byte but a frame's first carries 7 data bits, so a
/// byte with bit 7 set always starts a frame.
public enum ContecSpirometerProtocol {
    public static let service = ContecBLEFraming.service
    /// Host → device, written with response.
    public static let commandCharacteristic = ContecBLEFraming.commandCharacteristic
    /// Device → host, notified.
    public static let answerCharacteristic = ContecBLEFraming.notifyCharacteristic

    /// The answer types of the record layout in §1.1, by their first byte.
    public enum Answer: UInt8, Sendable, CaseIterable {
        case started = 0xF0
        case clockSet = 0xF3
        case version = 0xF2
        case predictedValues = 0xE4
        case recordCount = 0xE0
        case record = 0xE1
        case waveformHeader = 0xE2
        case deleted = 0xE3

        /// Data bytes after the type byte (the waveform header is followed by its frames, counted separately).
        public var dataLength: Int {
            switch self {
            case .started: 1
            case .clockSet, .deleted: 2
            case .waveformHeader: 4
            case .version: 7
            case .predictedValues: 22
            case .recordCount: 9
            case .record: 43
            }
        }

        public var name: String {
            switch self {
            case .started: "start answer (F0)"
            case .clockSet: "clock answer (F3)"
            case .version: "version (F2)"
            case .predictedValues: "predicted values (E4)"
            case .recordCount: "record count (E0)"
            case .record: "record (E1)"
            case .waveformHeader: "waveform header (E2)"
            case .deleted: "delete answer (E3)"
            }
        }
    }

    /// One waveform frame: 8 bytes (time, flow, volume; their top bits in the first byte).
    public static let waveformFrameLength = 8

    /// `(lo & 0x7F) | (hi & 0x7F) << 7`: the 14-bit integers of every answer.
    public static func integer14(_ low: UInt8, _ high: UInt8) -> Int {
        Int(low & 0x7F) | Int(high & 0x7F) << 7
    }

    /// The sum of the bytes, low 7 bits: the last byte of a command (and of the F3/E3 answers).
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt8 { ContecBLEFraming.checksum(bytes) }

    /// Whether a short answer (F3, E3) ends with the checksum of the bytes before it (Contec's SDK checks these two;
    /// no source interprets a checksum on the other answers).
    public static func hasValidChecksum(_ frame: [UInt8]) -> Bool {
        guard let last = frame.last, frame.count >= 2 else { return false }
        return checksum(frame.dropLast()) == last & 0x7F
    }

    // MARK: Commands (host → device): command byte with bit 7 set, 7-bit data, checksum.

    static func command(_ code: UInt8, _ data: [UInt8] = []) -> [UInt8] { ContecBLEFraming.command(code, data) }

    /// Start a sync: `80 00`.
    public static let start = command(0x80)
    /// Ask the version: `82 02`.
    public static let version = command(0x82)
    /// Ask the predicted values of the device's stored user: `94 14`.
    public static let predictedValues = command(0x94)
    /// Ask how many records the device holds: `90 10`.
    public static let recordCount = command(0x90)
    /// The first record: `91 00 01 12`.
    public static let firstRecord = command(0x91, [0x00, 0x01])
    /// The next record: `91 01 01 13`.
    public static let nextRecord = command(0x91, [0x01, 0x01])
    /// The waveform of the record just sent: `92 00 12`.
    public static let waveform = command(0x92, [0x00])
    /// End the sync and keep the records: `91 7E 01 10`.
    public static let endKeepingRecords = command(0x91, [0x7E, 0x01])
    /// End the sync and delete the records: `91 7F 01 11` (only when a profile asks for it).
    public static let endDeletingRecords = command(0x91, [0x7F, 0x01])

    /// Set the device clock: `83 YY MM DD hh mm ss msLo msHi ck` (YY = year − 2000; the milliseconds split 7 + 7 bits).
    /// nil when the year cannot be sent (before 2000 or after 2127).
    public static func setClock(_ time: CivilTime) -> [UInt8]? {
        guard time.isValid, (2000...2127).contains(time.year) else { return nil }
        let millisecond = max(0, min(999, time.millisecond))
        return command(0x83, [UInt8(time.year - 2000), UInt8(time.month), UInt8(time.day), UInt8(time.hour),
                              UInt8(time.minute), UInt8(min(59, time.second)), UInt8(millisecond & 0x7F), UInt8(millisecond >> 7)])
    }
}
