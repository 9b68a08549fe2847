import IoMTCore

/// The Lepu/Viatom PC-60FW live stream (README.md, DEVICES.md §2.4): frames `AA 55 token len payload… crc` notified on
/// the Nordic UART TX characteristic in any chunking; CRC-8/MAXIM over the whole frame is 0. Payload type 0x01 carries
/// SpO2, pulse rate and perfusion index; type 0x03 the battery level; other types (the pleth wave) are skipped.
public struct LepuPC60FWStream: LiveOximetryNotifications {
    public static let service: BluetoothUUID = "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
    /// Host → device (Nordic UART RX); declared optional: the live stream needs no command.
    public static let uartRX: BluetoothUUID = "6e400002-b5a3-f393-e0a9-e50e24dcca9e"
    /// Device → host, notified (Nordic UART TX).
    public static let uartTX: BluetoothUUID = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"
    public static let profile = GATTProfile.liveOximeter(driverId: "lepu-pc60fw", name: "Lepu PC-60FW oximeter (Nordic UART)", service: service,
                                                         notified: (uartTX, "UART TX (frames AA 55 …)"), command: (uartRX, "UART RX"))

    static let sync: [UInt8] = [0xAA, 0x55]
    /// A frame is the 4 header bytes and `len` more (payload and CRC); no PC-60FW frame is longer than this.
    static let longestFrame = 64
    /// Bytes waiting for the rest of their frame; past it the oldest are dropped (`resynchronised`).
    static let bufferLimit = 256

    private var buffer: [UInt8] = []
    private var lastBattery: UInt8?

    public init() {}

    public mutating func receive(_ bytes: [UInt8]) -> (samples: [PlainOximetrySample], events: [DriverEvent]) {
        buffer += bytes
        var samples: [PlainOximetrySample] = [], events: [DriverEvent] = []
        var skipped = 0
        while buffer.count >= 4 {
            guard buffer[0] == Self.sync[0], buffer[1] == Self.sync[1] else { buffer.removeFirst(); skipped += 1; continue }
            let length = Int(buffer[3])
            guard length >= 2, 4 + length <= Self.longestFrame else { buffer.removeFirst(); skipped += 1; continue }
            guard buffer.count >= 4 + length else { break } // the rest comes in a later notification
            let frame = Array(buffer[0..<(4 + length)])
            guard Self.crc8Maxim(frame) == 0 else {
                // Not a frame after all (AA 55 inside another frame's bytes), or a damaged one: hunt from the next byte.
                events.append(.rejectedFrame(reason: "PC-60FW frame \(Hex.string(frame, separator: " ")): CRC-8/MAXIM check failed"))
                buffer.removeFirst(); skipped += 1
                continue
            }
            buffer.removeFirst(frame.count)
            switch Self.decode(frame) {
            case let .sample(sample): samples.append(sample)
            case let .battery(level):
                if level != lastBattery { events.append(.deviceInfo(key: "batteryLevel", value: "\(level) of 3")) }
                lastBattery = level
            case let .rejected(reason): events.append(.rejectedFrame(reason: reason))
            case .skipped: break
            }
        }
        if buffer.count > Self.bufferLimit { skipped += buffer.count - Self.bufferLimit; buffer.removeFirst(buffer.count - Self.bufferLimit) }
        if skipped > 0 { events.append(.resynchronised(discardedBytes: skipped)) }
        return (samples, events)
    }

    enum Frame: Equatable { case sample(PlainOximetrySample), battery(UInt8), rejected(String), skipped }

    /// One checked frame. Payload (after `AA 55 token len`): [0] type; type 0x01: [1] SpO2 %, [2] pulse rate /min,
    /// [4] perfusion index ×10; type 0x03: [1] battery level 0–3. SpO2 0 and pulse rate 0 are "no value".
    static func decode(_ frame: [UInt8]) -> Frame {
        let payload = Array(frame[4..<(frame.count - 1)])
        switch payload.first {
        case 0x01:
            guard payload.count >= 5 else { return .rejected("PC-60FW parameter frame with \(payload.count) payload bytes, expected at least 5") }
            let spo2 = Int(payload[1]), pulse = Int(payload[2])
            guard spo2 <= 100 else { return .rejected("PC-60FW SpO2 \(spo2) is not a saturation (0 for none, else 1-100)") }
            // A perfusion index means something only beside a saturation: none without one (no finger), none for PI 0.
            let perfusion = spo2 == 0 || payload[4] == 0 ? nil : DecimalValue(significand: Int64(payload[4]), exponent: -1)
            return .sample(PlainOximetrySample(spo2: spo2 == 0 ? nil : spo2, pulseRate: pulse == 0 ? nil : pulse, perfusionIndex: perfusion, frame: frame))
        case 0x03:
            guard payload.count >= 2, payload[1] <= 3 else { return .rejected("PC-60FW battery frame \(Hex.string(frame, separator: " ")): expected a level 0-3") }
            return .battery(payload[1])
        default:
            return .skipped
        }
    }

    /// CRC-8/MAXIM (Dallas 1-Wire): polynomial 0x31 reflected (0x8C), initial value 0, no final XOR.
    static func crc8Maxim(_ bytes: [UInt8]) -> UInt8 {
        var crc: UInt8 = 0
        for byte in bytes {
            crc ^= byte
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x8C : crc >> 1 }
        }
        return crc
    }
}
