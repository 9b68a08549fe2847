/// The simulated Contec BLE spirometer's memory and its answers (Sources/IoMTDrivers/ContecSpirometer/README.md,
/// DEVICES.md §1.1): commands arrive on FF01, each answer is a byte stream notified on FF02. The frames are built here
/// from the published layout, independently of the gateway's decoder (as scripts/make-contec-spirometer-fixtures.py).
/// Pure: the simulator actor does the I/O.
public struct ContecSpirometerDevice: Sendable {
    /// One stored test: the 14-bit values as the device sends them (hundredths of L or L/s, tenths of a percent, ms, mL).
    public struct Record: Sendable, Hashable {
        public var number: Int
        /// Device-local date and time (the device knows no zone).
        public var time: BLECurrentTime
        public var fvc, fev05, fev1, fev1FvcPerMille, fev3, fev6, pef, fef25, fef50, fef75, fef2575, peft, evol: Int

        /// Plausible adult values that differ per record number, so a test can tell records apart by value.
        public init(number: Int, time: BLECurrentTime) {
            self.number = number; self.time = time
            let step = number % 50
            fvc = 400 + 7 * step; fev1 = 310 + 5 * step
            fev1FvcPerMille = (fev1 * 1000 + fvc / 2) / fvc
            fev05 = 190 + 3 * step; fev3 = fvc - 20; fev6 = fvc - 5
            pef = 820 + step; fef25 = 700 + step; fef50 = 430 + step; fef75 = 120 + step; fef2575 = 345 + step
            peft = 90 + step; evol = 60 + step
        }

        /// FEV1 in litres as text ("3.15"): what the lab compares with DOM.
        public var fev1Litres: String { Self.hundredths(fev1) }
        public var fvcLitres: String { Self.hundredths(fvc) }

        static func hundredths(_ value: Int) -> String {
            let digits = String(value)
            let padded = String(repeating: "0", count: max(0, 3 - digits.count)) + digits
            return padded.dropLast(2) + "." + padded.suffix(2)
        }
    }

    /// What a command did, for the log and the simulator's follow-up (disconnect, new record).
    public enum Event: Sendable, Hashable {
        case answered(String)
        case syncEnded(deleted: Bool)
        case clockSet(BLECurrentTime)
        case ignored(String)
    }

    /// The device's stored user (sex 0 male, age, height cm, reference set 1 ECCS): not the patient's demographics.
    public var userSex = 0, userAge = 45, userHeightCm = 175, referenceSet = 1
    public private(set) var records: [Record] = []
    /// Index of the record the last "first/next record" command sent.
    private var cursor = -1
    public private(set) var syncsEnded = 0
    /// Waveform frames sent after each record's E2 header (8 bytes each).
    public var waveformFrames = 2

    public init() {}

    /// Stores a new record numbered after the last one (as the device does after a test).
    @discardableResult
    public mutating func addRecord(at time: BLECurrentTime) -> Record {
        let record = Record(number: (records.last?.number ?? 0) + 1, time: time)
        records.append(record)
        return record
    }

    // MARK: Frames (device → host)

    static func pair(_ value: Int) -> [UInt8] { [UInt8(value & 0x7F), UInt8(value >> 7 & 0x7F)] }

    static func sum(_ bytes: [UInt8]) -> UInt8 { UInt8(bytes.reduce(0) { $0 + Int($1) } & 0x7F) }

    /// The 44-byte E1 answer of the layout in §1.1.
    public func recordFrame(_ record: Record) -> [UInt8] {
        let t = record.time
        var frame: [UInt8] = [0xE1, 0x00, 0x01] + Self.pair(record.number)
        frame += [t.year - 2000, t.month, t.day, t.hour, t.minute, t.second].map { UInt8(clamping: max(0, $0) & 0x7F) }
        frame += [UInt8(userSex), UInt8(userAge)] + Self.pair(userHeightCm) + [UInt8(referenceSet), 0]
        for value in [record.fvc, record.fev05, record.fev1, record.fev1FvcPerMille, record.fev3, record.fev6, record.pef,
                      record.fef25, record.fef50, record.fef75, record.fef2575, record.peft, record.evol] {
            frame += Self.pair(value)
        }
        frame.append(Self.sum(frame))  // byte 43: interpreted by no source; the sum rule, as the fixture generator does
        return frame
    }

    static let emptySlot: [UInt8] = {
        let frame: [UInt8] = [0xE1, 0x7E] + [UInt8](repeating: 0, count: 41)
        return frame + [sum(frame)]
    }()

    // MARK: Commands (host → device)

    /// The answer to one command written to FF01 (empty: nothing is answered), and what happened.
    public mutating func handle(_ command: [UInt8]) -> (answer: [UInt8], event: Event) {
        guard let code = command.first, code & 0x80 != 0, command.count >= 2,
              Self.sum(Array(command.dropLast())) == command.last, command.dropFirst().allSatisfy({ $0 < 0x80 }) else {
            return ([], .ignored("not a command (code byte with bit 7, 7-bit data, sum & 0x7F)"))
        }
        let data = Array(command.dropFirst().dropLast())
        switch (code, data) {
        case (0x80, []):
            cursor = -1
            return ([0xF0, 0x00], .answered("start"))
        case (0x83, _) where data.count == 8:
            let time = BLECurrentTime(year: 2000 + Int(data[0]), month: Int(data[1]), day: Int(data[2]), hour: Int(data[3]),
                                      minute: Int(data[4]), second: Int(data[5]), dayOfWeek: 0)
            return ([0xF3, 0x00, Self.sum([0xF3, 0x00])], .clockSet(time))
        case (0x82, []):
            return ([0xF2, 0x01, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00], .answered("version"))
        case (0x94, []):
            return ([0xE4] + [UInt8](repeating: 0, count: 22), .answered("predicted values"))
        case (0x90, []):
            return ([0xE0] + Self.pair(records.count) + [UInt8](repeating: 0, count: 7), .answered("record count \(records.count)"))
        case (0x91, [0x00, 0x01]), (0x91, [0x01, 0x01]):
            cursor = data[0] == 0 ? 0 : cursor + 1
            guard records.indices.contains(cursor) else { return (Self.emptySlot, .answered("empty slot \(cursor + 1)")) }
            return (recordFrame(records[cursor]), .answered("record #\(records[cursor].number)"))
        case (0x92, [0x00]):
            let number = records.indices.contains(cursor) ? records[cursor].number : 0
            var answer: [UInt8] = [0xE2] + Self.pair(number) + Self.pair(waveformFrames)
            for frame in 0..<waveformFrames { answer += (0..<8).map { UInt8(($0 * 13 + frame * 7) & 0x7F) } }
            return (answer, .answered("waveform of record #\(number) (\(waveformFrames) frames)"))
        case (0x91, [0x7E, 0x01]):
            syncsEnded += 1
            return ([], .syncEnded(deleted: false))
        case (0x91, [0x7F, 0x01]):
            syncsEnded += 1
            records.removeAll()
            return ([0xE3, 0x00, Self.sum([0xE3, 0x00])], .syncEnded(deleted: true))
        default:
            return ([], .ignored("unknown command 0x\(String(code, radix: 16)) with \(data.count) data bytes"))
        }
    }
}
