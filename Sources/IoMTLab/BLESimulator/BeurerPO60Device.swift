/// The simulated Beurer PO60's memory and its answers (Sources/IoMTDrivers/ContecOximeterBLE/README.md, "Beurer PO60";
/// DEVICES.md §2.1): `90 05 15` then `99 00 19` written to FF01; every stored measurement is answered as two FF02
/// notifications, an `E9` packet and its pulse-rate packet. The packets are built here from the published layout,
/// independently of the gateway's decoder (as scripts/make-contec-oximeter-ble-fixtures.py). Pure: the peripheral actor
/// does the I/O.
public struct BeurerPO60Device: Sendable {
    /// One stored spot check: its end time (device-local, the device knows no zone) and its statistics.
    public struct Record: Sendable, Hashable {
        public var number: Int
        public var endTime: BLECurrentTime
        public var spo2Max, spo2Min, spo2Avg: Int
        /// Sent as plain bytes: a rate above 127 sets bit 7 (the encoding the real device uses there is unknown).
        public var pulseMax, pulseMin, pulseAvg: Int
        /// The E9 packet is sent without its pulse-rate packet (a lost notification).
        public var omitsPulsePacket = false

        /// Plausible values that differ per record number, so a test can tell records apart by value.
        public init(number: Int, endTime: BLECurrentTime) {
            self.number = number; self.endTime = endTime
            let step = number % 5
            spo2Max = 99 - step; spo2Min = 93 - step; spo2Avg = 96 - step
            pulseMax = 84 + step; pulseMin = 62 + step; pulseAvg = 71 + step
        }
    }

    /// What a command did, for the log.
    public enum Event: Sendable, Hashable {
        case answered(String)
        case ignored(String)
    }

    public private(set) var records: [Record] = []
    /// How many times the records were sent (`99 00 19` after `90 05 15`).
    public private(set) var transfers = 0
    private var requested = false

    public init() {}

    /// Stores a new record numbered after the last one (as the device does after a spot check).
    @discardableResult
    public mutating func addRecord(at time: BLECurrentTime, configure: (inout Record) -> Void = { _ in }) -> Record {
        var record = Record(number: (records.last?.number ?? 0) + 1, endTime: time)
        configure(&record)
        records.append(record)
        return record
    }

    // MARK: Frames (device → host)

    /// The E9 packet: 23 bytes; only the bytes of the published layout are set, the rest are zero.
    public func measurementPacket(_ record: Record) -> [UInt8] {
        var packet = [UInt8](repeating: 0, count: 23)
        packet[0] = 0xE9
        packet[1] = UInt8(record.number & 0x0F)
        let t = record.endTime
        for (offset, value) in [t.year - 2000, t.month, t.day, t.hour, t.minute, t.second].enumerated() {
            packet[8 + offset] = UInt8(clamping: max(0, value))
        }
        packet[17] = UInt8(clamping: record.spo2Max); packet[18] = UInt8(clamping: record.spo2Min); packet[19] = UInt8(clamping: record.spo2Avg)
        return packet
    }

    /// The notification after the E9: pulse rate maximum, minimum, average.
    public func pulsePacket(_ record: Record) -> [UInt8] {
        [UInt8(clamping: record.pulseMax), UInt8(clamping: record.pulseMin), UInt8(clamping: record.pulseAvg)]
    }

    // MARK: Commands (host → device)

    /// The notifications answering one command written to FF01 (empty: nothing is answered), and what happened.
    public mutating func handle(_ command: [UInt8]) -> (notifications: [[UInt8]], event: Event) {
        switch command {
        case [0x90, 0x05, 0x15]:
            requested = true
            return ([], .answered("stored measurements requested"))
        case [0x99, 0x00, 0x19]:
            guard requested else { return ([], .ignored("99 00 19 before 90 05 15")) }
            requested = false
            transfers += 1
            let notifications = records.flatMap { record in
                record.omitsPulsePacket ? [measurementPacket(record)] : [measurementPacket(record), pulsePacket(record)]
            }
            return (notifications, .answered("\(records.count) stored measurements sent (transfer #\(transfers))"))
        default:
            return ([], .ignored("unknown command (the PO60 answers 90 05 15, then 99 00 19)"))
        }
    }
}
