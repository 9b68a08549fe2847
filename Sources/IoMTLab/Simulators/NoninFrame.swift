/// Device-side encoders for Nonin serial data formats #2 and #8 (see Simulators/README.md, "Nonin"),
/// written from the published layouts, independently of the decoder in `IoMTDrivers/Nonin`.
public enum NoninFrame {
    public static let missingSpO2 = 127
    public static let missingPulseRate = 511

    /// What one packet (format #2) or frame (format #8) reports.
    public struct Reading: Sendable, Hashable {
        public var spo2: Int
        public var pulseRate: Int
        public var sensorDisconnected = false
        public var outOfTrack = false
        public var sensorAlarm = false
        public var artifact = false
        public var perfusion: Perfusion = .green

        public init(spo2: Int, pulseRate: Int) { self.spo2 = spo2; self.pulseRate = pulseRate }
    }

    /// Status bits 2-1 in format #2.
    public enum Perfusion: UInt8, Sendable { case none = 0, green = 0x02, red = 0x04, yellow = 0x06 }

    /// One format #2 frame: `01 STATUS PLETH FLOAT CHK`, CHK = sum of the first four bytes mod 256.
    public static func format2Frame(status: UInt8, pleth: UInt8, float: UInt8) -> [UInt8] {
        let head: [UInt8] = [0x01, 0x80 | status, pleth, float]
        return head + [head.reduce(0, &+)]
    }

    /// A 25-frame format #2 packet. FLOAT bytes: frame 1 HR MSB (bits 1-0 = HR bits 8-7), 2 HR LSB,
    /// 3 SpO2, 4 firmware revision; 9-11 SpO2-D / fast / beat-to-beat, 14-17 extended HR and SpO2,
    /// 20-23 display HR; the rest reserved (0). Perfusion is flagged during the pulse (frames 7-18).
    public static func format2Packet(_ reading: Reading, pleth: [UInt8]) -> [[UInt8]] {
        precondition(pleth.count == 25)
        let msb = UInt8((reading.pulseRate >> 7) & 0x03), lsb = UInt8(reading.pulseRate & 0x7F), spo2 = UInt8(reading.spo2 & 0x7F)
        var floats = [UInt8](repeating: 0, count: 25)
        floats[0] = msb; floats[1] = lsb; floats[2] = spo2; floats[3] = 0x2A
        for index in [8, 9, 10, 15, 16] { floats[index] = spo2 }
        for index in [13, 19, 21] { floats[index] = msb }
        for index in [14, 20, 22] { floats[index] = lsb }
        var status: UInt8 = 0
        if reading.sensorDisconnected { status |= 0x40 }
        if reading.artifact { status |= 0x20 }
        if reading.outOfTrack { status |= 0x10 }
        if reading.sensorAlarm { status |= 0x08 }
        return (0..<25).map { index in
            var frameStatus = status
            if index == 0 { frameStatus |= 0x01 } // SYNC
            if (6..<18).contains(index) { frameStatus |= reading.perfusion.rawValue }
            return format2Frame(status: frameStatus, pleth: pleth[index], float: floats[index])
        }
    }

    /// One format #8 frame: `STATUS HR-LSB SpO2 STATUS2`; only STATUS has bit 7 set.
    public static func format8Frame(_ reading: Reading, lowBattery: Bool = false) -> [UInt8] {
        var status: UInt8 = 0x80 | UInt8((reading.pulseRate >> 7) & 0x03)
        if reading.sensorDisconnected { status |= 0x40 }
        if reading.outOfTrack { status |= 0x20 }
        if reading.perfusion == .red { status |= 0x10 }        // LPRF
        if reading.perfusion == .yellow { status |= 0x08 }     // MPRF
        if reading.artifact { status |= 0x04 }
        var status2: UInt8 = 0
        if reading.sensorAlarm { status2 |= 0x08 }
        if lowBattery { status2 |= 0x01 }
        return [status, UInt8(reading.pulseRate & 0x7F), UInt8(reading.spo2 & 0x7F), status2]
    }

    /// Host command selecting a data format: `STX 70 02 02 <format> ETX`.
    public static func selectFormatCommand(_ format: UInt8) -> [UInt8] { [0x02, 0x70, 0x02, 0x02, format, 0x03] }
    public static let ack: UInt8 = 0x06
    public static let nack: UInt8 = 0x15
}
