/// The simulated Viatom O2Ring (Sources/IoMTDrivers/ViatomOxy/README.md, DEVICES.md §2.3): request packets arrive on the
/// write characteristic in pieces of at most 20 bytes, each answer is a response packet notified in 20-byte pieces. The
/// packets, the CRC and the `.vld` v3 files are built here from the published layout, independently of the gateway's
/// decoder (as scripts/make-viatom-oxy-fixtures.py). Pure: the simulator actor (or a test) does the I/O.
public struct O2RingDevice: Sendable {
    /// One stored overnight session.
    public struct Session: Sendable, Hashable {
        /// Device-local start time (the device knows no zone); the file is named after it, YYYYMMDDhhmmss.
        public var start: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)
        /// 2 or 4.
        public var intervalSeconds: Int
        /// (SpO2 %, pulse rate /min) per record; SpO2 255 is "no finger".
        public var samples: [Sample]

        public struct Sample: Sendable, Hashable {
            public var spo2: Int, pulse: Int
            public init(spo2: Int, pulse: Int) { self.spo2 = spo2; self.pulse = pulse }
        }

        public init(start: (Int, Int, Int, Int, Int, Int), intervalSeconds: Int, samples: [Sample]) {
            self.start = (start.0, start.1, start.2, start.3, start.4, start.5); self.intervalSeconds = intervalSeconds; self.samples = samples
        }

        public static func == (a: Session, b: Session) -> Bool { a.name == b.name && a.intervalSeconds == b.intervalSeconds && a.samples == b.samples }
        public func hash(into hasher: inout Hasher) { hasher.combine(name); hasher.combine(samples) }

        static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

        /// "20261203224500" — the file name in FileList.
        public var name: String {
            "\(start.year)" + [start.month, start.day, start.hour, start.minute, start.second].map(Self.two).joined()
        }

        /// The device time of record `index` as "YYYY-MM-DDThh:mm:ss" (start + index × interval; no zone).
        public func deviceTime(ofRecord index: Int) -> String {
            BLECurrentTime(year: start.year, month: start.month, day: start.day, hour: start.hour, minute: start.minute, second: start.second,
                           dayOfWeek: 0).advanced(bySeconds: index * intervalSeconds).description
        }

        /// A plausible night: `count` records around 95 %, with a dip to 86 % every 60 records, pulse 58–66.
        public static func night(start: (Int, Int, Int, Int, Int, Int), intervalSeconds: Int, count: Int, seed: Int) -> Session {
            let samples = (0..<count).map { index -> Sample in
                let phase = index % 60
                let spo2 = (20..<26).contains(phase) ? 86 + (phase - 20) : 94 + (index + seed) % 3
                return Sample(spo2: spo2, pulse: 58 + (index * 7 + seed) % 9)
            }
            return Session(start: start, intervalSeconds: intervalSeconds, samples: samples)
        }

        /// The `.vld` v3 file: the 40-byte header of the layout, then 5 bytes per record.
        public var file: [UInt8] {
            let valid = samples.filter { (1...100).contains($0.spo2) }
            let average = valid.isEmpty ? 0 : valid.map(\.spo2).reduce(0, +) / valid.count
            let below90 = valid.filter { $0.spo2 < 90 }.count * intervalSeconds
            let duration = samples.count * intervalSeconds
            let size = 40 + 5 * samples.count
            var header: [UInt8] = [3, 0, UInt8(start.year & 0xFF), UInt8(start.year >> 8), UInt8(start.month), UInt8(start.day),
                                   UInt8(start.hour), UInt8(start.minute), UInt8(start.second)]
            header += [UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 24 & 0xFF)]
            header += [UInt8(duration & 0xFF), UInt8(duration >> 8 & 0xFF), 0, 0]
            header += [UInt8(average), UInt8(valid.map(\.spo2).min() ?? 0), 0, 0, UInt8(below90 & 0xFF), UInt8(below90 >> 8 & 0xFF), 0, 0, 0]
            header += [0, 0, 0, 0] + [UInt8](repeating: 0, count: 10)
            return header + samples.flatMap { [UInt8(clamping: $0.spo2), UInt8($0.pulse & 0xFF), UInt8($0.pulse >> 8 & 0xFF), 0, 0] }
        }
    }

    /// What a request did, for the simulator's log and the tests.
    public enum Event: Sendable, Hashable {
        case info
        case opened(String)
        case read(block: Int)
        case closed
        case realTime
        case refused(String)
    }

    public var sessions: [Session] = []
    /// The live values (SpO2 255 / pulse 65535 when no finger).
    public var liveSpO2 = 97, livePulse = 64, worn = true
    public var model = "O2Ring", serialNumber = "2107000001"
    /// Bytes per file-read answer.
    public var blockSize = 512
    public private(set) var events: [Event] = []
    private var pending: [UInt8] = []
    private var openFile: [UInt8]?

    public init() {}

    static func crc8(_ bytes: [UInt8]) -> UInt8 {
        var crc: UInt8 = 0
        for byte in bytes {
            crc ^= byte
            for _ in 0..<8 { crc = crc & 0x80 != 0 ? (crc << 1) ^ 0x07 : crc << 1 }
        }
        return crc
    }

    static func response(_ data: [UInt8], status: UInt8 = 0, block: Int = 0) -> [UInt8] {
        let body = [0x55, status, ~status, UInt8(block & 0xFF), UInt8(block >> 8 & 0xFF), UInt8(data.count & 0xFF), UInt8(data.count >> 8 & 0xFF)] + data
        return body + [crc8(body)]
    }

    /// One write (a piece of a request); the answers of every request it completed, as 20-byte notifications.
    /// `clock` is the device clock as CurTIME shows it, "YYYY-MM-DD,hh:mm:ss".
    public mutating func receive(_ write: [UInt8], clock: String) -> [[UInt8]] {
        pending += write
        var answers: [UInt8] = []
        while pending.count >= 8 {
            guard pending[0] == 0xAA, pending[1] == ~pending[2] else { pending.removeFirst(); continue }
            let total = 8 + (Int(pending[5]) | Int(pending[6]) << 8)
            guard pending.count >= total else { break }
            let packet = Array(pending[0..<total])
            pending.removeFirst(total)
            guard Self.crc8(Array(packet.dropLast())) == packet[total - 1] else { events.append(.refused("bad CRC")); continue }
            answers += answer(command: packet[1], block: Int(packet[3]) | Int(packet[4]) << 8, data: Array(packet[7..<(total - 1)]), clock: clock)
        }
        return stride(from: 0, to: answers.count, by: 20).map { Array(answers[$0..<min(answers.count, $0 + 20)]) }
    }

    private mutating func answer(command: UInt8, block: Int, data: [UInt8], clock: String) -> [UInt8] {
        switch command {
        case 0x14:
            events.append(.info)
            let list = sessions.map(\.name).joined(separator: ",")
            let json = "{\"Region\":\"CE\",\"Model\":\"\(model)\",\"SN\":\"\(serialNumber)\",\"CurTIME\":\"\(clock)\",\"CurMode\":\"0\",\"FileList\":\"\(list)\"}"
            return Self.response(Array(json.utf8) + [0])
        case 0x03:
            let name = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
            guard let session = sessions.first(where: { $0.name == name }) else { events.append(.refused("open \(name)")); return Self.response([], status: 1) }
            events.append(.opened(name))
            let file = session.file
            openFile = file
            return Self.response([UInt8(file.count & 0xFF), UInt8(file.count >> 8 & 0xFF), UInt8(file.count >> 16 & 0xFF), UInt8(file.count >> 24 & 0xFF)])
        case 0x04:
            guard let file = openFile else { events.append(.refused("read without open")); return Self.response([], status: 1) }
            events.append(.read(block: block))
            let from = min(file.count, block * blockSize)
            return Self.response(Array(file[from..<min(file.count, from + blockSize)]), block: block)
        case 0x05:
            openFile = nil
            events.append(.closed)
            return Self.response([])
        case 0x1B:
            events.append(.realTime)
            let spo2 = worn ? liveSpO2 : 255, pulse = worn ? livePulse : 65_535
            let wave: [UInt8] = [0x50, 0x52, 0x55, 0x53, 0x4F]
            return Self.response([UInt8(spo2), UInt8(pulse & 0xFF), UInt8(pulse >> 8 & 0xFF), 76, 0, 31, worn ? 1 : 0, 0, 0, 0, UInt8(wave.count), 0] + wave)
        default:
            events.append(.refused("command 0x\(String(command, radix: 16))"))
            return Self.response([], status: 1)
        }
    }
}
