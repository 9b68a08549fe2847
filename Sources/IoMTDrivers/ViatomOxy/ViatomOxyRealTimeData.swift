import IoMTCore

/// The 0x1B real-time data answer (README.md; DEVICES.md §2.3, S1/S4): [0] SpO2 %, [1–2] pulse rate LE, [3] battery %,
/// [4] charge state, [5] perfusion index (raw, scale unconfirmed), [6] lead state (1 = worn), [10–11] wave length LE,
/// then that many PPG bytes. SpO2 255 / pulse rate 65535 are the device's "no finger".
public enum ViatomOxyRealTimeData {
    /// The fixed part before the wave bytes.
    public static let fixedLength = 12
    public static let noFingerSpO2 = 255
    public static let noFingerPulseRate = 65_535

    /// What one answer says.
    public enum Reading: Sendable, Hashable {
        /// A saturation and a pulse rate from a worn ring.
        case sample(PlainOximetrySample, perfusionIndexRaw: Int, battery: Int)
        /// No finger: the sentinels, or the lead state off. No reading; the condition is a device event.
        case noFinger(battery: Int)
        /// Worn, but SpO2 and pulse rate are still 0 (the device is settling): no reading yet.
        case settling(battery: Int)
    }

    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case tooShort(found: Int)
        case waveLengthMismatch(declared: Int, found: Int)
        case spo2OutOfRange(Int)

        public var description: String {
            switch self {
            case let .tooShort(found): "Viatom real-time data: \(found) data bytes, expected at least \(ViatomOxyRealTimeData.fixedLength)"
            case let .waveLengthMismatch(declared, found): "Viatom real-time data: wave length \(declared) at bytes 10-11, but \(found) wave bytes follow"
            case let .spo2OutOfRange(value): "Viatom real-time data: SpO2 \(value) is not a saturation (1-100, 255 for no finger)"
            }
        }
    }

    /// Whether `data` has the answer's shape (the declared wave length accounts for every byte): how an answer nobody
    /// asked for (`iomtctl decode`) is recognised as real-time data rather than a file block.
    public static func isShaped(_ data: [UInt8]) -> Bool {
        data.count >= fixedLength && data.count == fixedLength + waveLength(data)
    }

    static func waveLength(_ data: [UInt8]) -> Int { Int(data[10]) | Int(data[11]) << 8 }

    public static func decode(_ data: [UInt8], packet: [UInt8]) throws(Problem) -> Reading {
        guard data.count >= fixedLength else { throw .tooShort(found: data.count) }
        let declared = waveLength(data)
        guard data.count == fixedLength + declared else { throw .waveLengthMismatch(declared: declared, found: data.count - fixedLength) }
        let spo2 = Int(data[0]), pulse = Int(data[1]) | Int(data[2]) << 8, battery = Int(data[3]), worn = data[6] == 1
        if spo2 == noFingerSpO2 || pulse == noFingerPulseRate || !worn { return .noFinger(battery: battery) }
        guard spo2 <= 100 else { throw .spo2OutOfRange(spo2) }
        if spo2 == 0 && pulse == 0 { return .settling(battery: battery) }
        return .sample(PlainOximetrySample(spo2: spo2 == 0 ? nil : spo2, pulseRate: pulse == 0 ? nil : pulse, frame: packet),
                       perfusionIndexRaw: Int(data[5]), battery: battery)
    }
}
