import IoMTCore

/// A simulated Omron cuff on the record-transfer protocol (DEVICES.md §3.1; Sources/IoMTDrivers/OmronBLE/README.md),
/// written from the published facts, independently of the gateway's driver: its EEPROM (two users' ring buffers of
/// records, the settings with the write cursors, unread counters and the clock) and the packet transactions (start,
/// read, write, end). A `Model` says which: the HEM-7322T on the classic stack (16-byte pieces on four channels, the
/// unlock key and pairing mode) or the HEM-7155T's FE4A firmware (whole packets on one channel, the token exchange).
/// Pure: the simulator actor does the I/O and keeps the clock.
public struct OmronCuffDevice: Sendable {
    public struct Record: Sendable, Hashable {
        public var user: Int
        public var systolic: Int, diastolic: Int, pulse: Int
        public var time: BLECurrentTime
        public var irregularHeartbeat = false
        public init(user: Int, systolic: Int, diastolic: Int, pulse: Int, time: BLECurrentTime) {
            self.user = user; self.systolic = systolic; self.diastolic = diastolic; self.pulse = pulse; self.time = time
        }
    }

    public enum Event: Sendable, Hashable {
        case unlocked, unlockRefused, keyProgrammingEntered, keyProgrammed
        case transaction(String)
        case clockSet(BLECurrentTime)
        case memoryWrite(address: Int, count: Int)
        case ignored(String)
    }

    /// One model's memory and stack (omblepy deviceSpecific/*.py; hass-omron device_catalog.py).
    public struct Model: Sendable, Hashable {
        public let name: String
        /// FE4A: whole packets on TX0/RX0 under service 0000fe4a-…, the token instead of the key.
        public let fe4a: Bool
        public let userStarts: [Int]
        public let slotsPerUser: Int
        /// 14: big-endian bit-packed records, classic-mixed clock; 16: little-endian classic_vital records, clock at offset 8.
        public let recordSize: Int
        public let settingsRead: Int, settingsWrite: Int
        /// A user's write cursor at stride·(user−1) in the settings, its unread counter 4 bytes on (the low byte of each).
        public let indexStride: Int
        public let timeOffset: Int, timeLength: Int
        var littleEndian: Bool { recordSize == 16 }

        /// HEM-7322T, classic stack: users 0x02AC / 0x0824 × 100, settings 0x0260 / 0x0286, time bytes 0x14–0x1E.
        public static let hem7322T = Model(name: "omron-hem-7322t", fe4a: false, userStarts: [0x02AC, 0x0824], slotsPerUser: 100, recordSize: 14,
                                           settingsRead: 0x0260, settingsWrite: 0x0286, indexStride: 2, timeOffset: 0x14, timeLength: 10)
        /// HEM-7155T-MW3 (the HEM-7155T_ESL1 "X4 Smart" on FE4A firmware, hass-omron): users 0x02E8 / 0x06A8 × 60,
        /// settings 0x0260 / 0x02A4, 32-bit cursor and counter per user (user 2's cursor at 0x08), time bytes 0x2C–0x3C.
        public static let hem7155TFE4A = Model(name: "omron-hem-7155t-fe4a", fe4a: true, userStarts: [0x02E8, 0x06A8], slotsPerUser: 60, recordSize: 16,
                                               settingsRead: 0x0260, settingsWrite: 0x02A4, indexStride: 8, timeOffset: 0x2C, timeLength: 16)
    }

    // The classic stack's characteristics (omblepy omblepy.py): the unlock characteristic, TX0–TX3 written, RX0–RX3 notified.
    public static let service: BluetoothUUID = "ecbe3980-c9a2-11e1-b1bd-0002a5d5c51b"
    /// The FE4A stack's service (Omron's SIG member UUID): TX0, RX0 and the unlock characteristic under it.
    public static let fe4aService: BluetoothUUID = "0000fe4a-0000-1000-8000-00805f9b34fb"
    public static let unlock: BluetoothUUID = "b305b680-aee7-11e1-a730-0002a5d5c51b"
    public static let transmit: [BluetoothUUID] = ["db5b55e0-aee7-11e1-965e-0002a5d5c51b", "e0b8a060-aee7-11e1-92f4-0002a5d5c51b",
                                                   "0ae12b00-aee8-11e1-a192-0002a5d5c51b", "10e1ba60-aee8-11e1-89e5-0002a5d5c51b"]
    public static let receive: [BluetoothUUID] = ["49123040-aee8-11e1-a74d-0002a5d5c51b", "4d0bf320-aee8-11e1-a0d9-0002a5d5c51b",
                                                  "5128ce60-aee8-11e1-b84b-0002a5d5c51b", "560f1420-aee8-11e1-8184-0002a5d5c51b"]

    public let model: Model
    public private(set) var memory = [UInt8](repeating: 0xFF, count: 0x1000)
    /// The 16-byte key the cuff unlocks with; nil until a host programmed one (classic stack).
    public private(set) var key: [UInt8]?
    /// "-P-" blinking: key programming is answered.
    public var pairingMode = false
    /// FE4A: answer a token with another status than 00 (a cuff whose bond the host lost).
    public var refusesToken = false
    private var programmingKey = false
    private var unlocked = false
    /// Pieces received on TX0–TX3 for the packet being written.
    private var pieces: [[UInt8]?] = Array(repeating: nil, count: 4)
    /// Answers to drop (not send) before answering again: a lost notification, for the retry path.
    public var answersToDrop = 0
    public private(set) var records: [Record] = []

    public init(key: [UInt8]? = nil, model: Model = .hem7322T) {
        self.key = key
        self.model = model
        for offset in 0..<(model.timeOffset + model.timeLength) { memory[model.settingsRead + offset] = 0 }
    }

    // MARK: Memory

    private func indexByte(_ offset: Int) -> Int { model.settingsRead + offset + (model.littleEndian ? 0 : 1) }

    /// A user's write cursor (slot + 1 of the newest record; 0 when none): the low byte of the word at stride·(user−1).
    public func cursor(user: Int) -> Int { Int(memory[indexByte(model.indexStride * (user - 1))]) }
    public func unread(user: Int) -> Int { Int(memory[indexByte(4 + model.indexStride * (user - 1))]) }

    /// Stores a new record in the user's next slot, as the cuff does after a measurement.
    public mutating func add(_ record: Record) {
        let slot = cursor(user: record.user) % model.slotsPerUser
        let start = model.userStarts[record.user - 1] + slot * model.recordSize
        memory.replaceSubrange(start..<(start + model.recordSize), with: recordBytes(record))
        memory[indexByte(model.indexStride * (record.user - 1))] = UInt8(slot + 1)
        memory[indexByte(4 + model.indexStride * (record.user - 1))] = UInt8(min(model.slotsPerUser, unread(user: record.user) + 1))
        records.append(record)
    }

    /// Erases every record and cursor (the cuff's "delete all" menu).
    public mutating func clearMemory() {
        let size = model.slotsPerUser * model.recordSize
        for start in model.userStarts { memory.replaceSubrange(start..<(start + size), with: [UInt8](repeating: 0xFF, count: size)) }
        for offset in 0..<(4 + 2 * model.indexStride) { memory[model.settingsRead + offset] = 0 }
        records = []
    }

    func recordBytes(_ record: Record) -> [UInt8] {
        model.littleEndian ? Self.littleEndianRecordBytes(record) : Self.recordBytes(record)
    }

    /// The 14 bytes, most significant bit first: dia, sys − 25, year − 2000, pulse; then MOV, IHB, month 4, day 5,
    /// hour 5, 4 bits, minute 6, second 6; bytes 8–13 zero.
    static func recordBytes(_ record: Record) -> [UInt8] {
        let t = record.time
        var word: UInt32 = (record.irregularHeartbeat ? 1 : 0) << 30
        word |= UInt32(t.month & 0xF) << 26 | UInt32(t.day & 0x1F) << 21 | UInt32(t.hour & 0x1F) << 16
        word |= UInt32(t.minute & 0x3F) << 6 | UInt32(t.second & 0x3F)
        return [UInt8(record.diastolic), UInt8(record.systolic - 25), UInt8(t.year - 2000), UInt8(record.pulse),
                UInt8(word >> 24), UInt8(word >> 16 & 0xFF), UInt8(word >> 8 & 0xFF), UInt8(word & 0xFF)] + [UInt8](repeating: 0, count: 6)
    }

    /// "classic_vital" (DEVICES.md §3.1): sys − 25, dia, pulse, year − 2000; then little-endian 16-bit words hour 5 |
    /// day 5 | month 4 | IHB | MOV and second 6 | minute 6 | 4 bits; bytes 8–15 zero.
    static func littleEndianRecordBytes(_ record: Record) -> [UInt8] {
        let t = record.time
        let date = UInt16(t.hour & 0x1F) | UInt16(t.day & 0x1F) << 5 | UInt16(t.month & 0xF) << 10 | (record.irregularHeartbeat ? 1 << 14 : 0)
        let clock = UInt16(t.second & 0x3F) | UInt16(t.minute & 0x3F) << 6
        return [UInt8(record.systolic - 25), UInt8(record.diastolic), UInt8(record.pulse), UInt8(t.year - 2000),
                UInt8(date & 0xFF), UInt8(date >> 8), UInt8(clock & 0xFF), UInt8(clock >> 8)] + [UInt8](repeating: 0, count: 8)
    }

    /// The settings' time bytes for the clock `now`. Classic-mixed (14-byte records): 2 bytes kept, month, year − 2000,
    /// hour, day, second, minute, 00, sum. Offset 8 (16-byte records): 8 bytes kept, year − 2000, month, day, hour,
    /// minute, second, the sum of the 14 bytes before, 00.
    func timeBytes(_ now: BLECurrentTime) -> [UInt8] {
        let start = model.settingsRead + model.timeOffset
        if model.littleEndian {
            var bytes = Array(memory[start..<(start + 8)])
            bytes += [now.year - 2000, now.month, now.day, now.hour, now.minute, now.second].map { UInt8(clamping: $0) }
            return bytes + [UInt8(truncatingIfNeeded: bytes.reduce(0) { $0 + Int($1) }), 0]
        }
        var bytes = Array(memory[start..<(start + 2)])
        bytes += [now.month, now.year - 2000, now.hour, now.day, now.second, now.minute].map { UInt8(clamping: $0) } + [0]
        return bytes + [UInt8(truncatingIfNeeded: bytes.reduce(0) { $0 + Int($1) })]
    }

    /// The clock a write of the time bytes sets.
    func clock(fromTimeBytes data: [UInt8]) -> BLECurrentTime {
        if model.littleEndian {
            return BLECurrentTime(year: 2000 + Int(data[8]), month: Int(data[9]), day: Int(data[10]), hour: Int(data[11]),
                                  minute: Int(data[12]), second: Int(data[13]), dayOfWeek: 0)
        }
        return BLECurrentTime(year: 2000 + Int(data[3]), month: Int(data[2]), day: Int(data[5]), hour: Int(data[4]),
                              minute: Int(data[7]), second: Int(data[6]), dayOfWeek: 0)
    }

    /// A write to one of the cuff's characteristics: the notifications to send back, in order (characteristic and
    /// value), and what happened (nil: a piece of a packet not yet whole). `now`: the cuff's clock.
    public mutating func written(_ characteristic: BluetoothUUID, _ value: [UInt8], now: BLECurrentTime) -> (notifications: [(BluetoothUUID, [UInt8])], event: Event?) {
        if characteristic == Self.unlock {
            let (answer, event) = model.fe4a ? tokenWrite(value) : unlockWrite(value)
            return (answer.map { [(Self.unlock, $0)] } ?? [], event)
        }
        if model.fe4a {
            // One write is one whole packet on TX0; the answer is one notification on RX0.
            guard characteristic == Self.transmit[0] else { return ([], .ignored("a write to \(characteristic), not the FE4A TX channel")) }
            let (answer, event) = packetWritten(value, now: now)
            return (answer.map { [(Self.receive[0], $0)] } ?? [], event)
        }
        guard let channel = Self.transmit.firstIndex(of: characteristic) else { return ([], .ignored("a write to \(characteristic), not a TX channel")) }
        let (pieces, event) = transmitWrite(channel: channel, value, now: now)
        return (pieces.enumerated().map { (Self.receive[$0], $1) }, event)
    }

    // MARK: Unlock characteristic

    /// FE4A: `11` + 4 bytes (+ padding) → `91 00` + the same 4 bytes; memory is answered from then on.
    public mutating func tokenWrite(_ value: [UInt8]) -> (answer: [UInt8]?, event: Event) {
        guard value.count >= 5, value[0] == 0x11 else { return (nil, .ignored("unlock write \(value.first.map { String($0) } ?? "empty") on an FE4A cuff, expected the token 0x11")) }
        unlocked = !refusesToken
        return ([0x91, refusesToken ? 0x01 : 0x00] + Array(value[1..<5]), refusesToken ? .unlockRefused : .unlocked)
    }

    /// A write to the unlock characteristic: the notification to send back (nil: none).
    public mutating func unlockWrite(_ value: [UInt8]) -> (answer: [UInt8]?, event: Event) {
        guard value.count == 17 else { return (nil, .ignored("unlock write of \(value.count) bytes, expected 17")) }
        let body = Array(value.dropFirst())
        switch value[0] {
        case 0x01:
            unlocked = key != nil && body == key
            return unlocked ? ([0x81, 0x00], .unlocked) : ([0x81, 0x01], .unlockRefused)
        case 0x02 where pairingMode && body.allSatisfy({ $0 == 0 }):
            programmingKey = true
            return ([0x82, 0x00], .keyProgrammingEntered)
        case 0x02:
            return ([0x82, 0x01], .ignored("key programming asked outside pairing mode"))
        case 0x00 where programmingKey:
            key = body; programmingKey = false; pairingMode = false
            return ([0x80, 0x00], .keyProgrammed)
        default:
            return ([0x80, 0x01], .ignored("unlock request \(value[0]) not expected now"))
        }
    }

    // MARK: Transactions

    /// A piece written to TX `channel`: once the packet is whole, the answer's pieces for RX0–RX3 (each 16 bytes, the
    /// last padded with zeros), and what happened. `now`: the cuff's clock, for a read of the time bytes.
    public mutating func transmitWrite(channel: Int, _ piece: [UInt8], now: BLECurrentTime) -> (answer: [[UInt8]], event: Event?) {
        guard pieces.indices.contains(channel) else { return ([], .ignored("no TX channel \(channel)")) }
        pieces[channel] = piece
        guard let first = pieces[0], let length = first.first else { return ([], nil) }
        let needed = max(1, min(4, (Int(length) + 15) / 16))
        var packet: [UInt8] = []
        for index in 0..<needed {
            guard let part = pieces[index] else { return ([], nil) }
            packet += part
        }
        pieces = Array(repeating: nil, count: 4)
        let (whole, event) = packetWritten(packet, now: now)
        guard var answer = whole else { return ([], event) }
        // 16-byte pieces, the last padded with zeros, for RX0–RX3.
        answer += [UInt8](repeating: 0, count: (16 - answer.count % 16) % 16)
        return (stride(from: 0, to: answer.count, by: 16).map { Array(answer[$0..<($0 + 16)]) }, event)
    }

    /// A whole packet: its answer (nil: none) and what happened.
    mutating func packetWritten(_ bytes: [UInt8], now: BLECurrentTime) -> (answer: [UInt8]?, event: Event?) {
        var packet = bytes
        guard let length = packet.first, packet.count >= Int(length), length >= 8 else { return (nil, .ignored("packet shorter than its length byte")) }
        packet = Array(packet.prefix(Int(length)))
        guard packet.reduce(0, ^) == 0 else { return (nil, .ignored("packet with a bad XOR")) }
        guard unlocked else { return (nil, .ignored(model.fe4a ? "a transaction before the token" : "a transaction before unlock")) }
        let type = Int(packet[1]) << 8 | Int(packet[2]), address = Int(packet[3]) << 8 | Int(packet[4]), size = Int(packet[5])
        let answer: [UInt8]
        let event: Event
        switch type {
        case 0x0000:
            answer = Self.packet(0x8000, 0, [0x00, 0x00, 0x94, 0x04, 0x13, 0x11, 0x02, 0x07, 0x78, 0x5A, 0x00, 0xFF, 0xFF, 0x95, 0x4D, 0x00])
            event = .transaction("start")
        case 0x0100:
            var data: [UInt8] = []
            for offset in 0..<size { data.append(address + offset < memory.count ? memory[address + offset] : 0xFF) }
            let timeStart = model.settingsRead + model.timeOffset
            if address <= timeStart, address + size >= timeStart + model.timeLength {
                data.replaceSubrange((timeStart - address)..<(timeStart - address + model.timeLength), with: timeBytes(now))
            }
            answer = Self.packet(0x8100, address, data)
            event = .transaction("read \(hex(address)) size \(size)")
        case 0x01C0:
            let data = Array(packet[6..<(6 + min(size, packet.count - 8))])
            answer = Self.packet(0x81C0, address, data)
            event = write(data, at: address)
        case 0x0F00:
            unlocked = false
            answer = Self.packet(0x8F00, 0, [])
            event = .transaction("end")
        default:
            return (nil, .ignored("unknown packet type \(hex(type))"))
        }
        if answersToDrop > 0 {
            answersToDrop -= 1
            return (nil, .ignored("answer dropped (simulated loss)"))
        }
        return (answer, event)
    }

    /// A write through the settings' write window lands in the settings; the time bytes set the clock.
    private mutating func write(_ data: [UInt8], at address: Int) -> Event {
        let offset = address - model.settingsWrite
        guard offset >= 0, offset + data.count <= model.settingsWrite - model.settingsRead else { return .ignored("write outside the settings window at \(hex(address))") }
        memory.replaceSubrange((model.settingsRead + offset)..<(model.settingsRead + offset + data.count), with: data)
        if offset == model.timeOffset, data.count == model.timeLength { return .clockSet(clock(fromTimeBytes: data)) }
        return .memoryWrite(address: address, count: data.count)
    }

    /// length, type, address (BE), size, data, 00, XOR.
    static func packet(_ type: Int, _ address: Int, _ data: [UInt8]) -> [UInt8] {
        var bytes = [UInt8(8 + data.count), UInt8(type >> 8), UInt8(type & 0xFF), UInt8(address >> 8 & 0xFF), UInt8(address & 0xFF),
                     UInt8(data.count)] + data + [0]
        bytes.append(bytes.reduce(0, ^))
        return bytes
    }

    private func hex(_ value: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
