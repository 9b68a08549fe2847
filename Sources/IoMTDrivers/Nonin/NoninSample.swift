import IoMTCore

/// One Nonin reading: a 25-frame packet of data format #2 (3 per second) or one data format #8
/// frame (1 per second). See README.md for the layouts and sources.
public struct NoninSample: Sendable, Hashable, OximetryWindowSample {
    /// SpO2 in percent; nil when the device sent its "missing" code 127.
    public var spo2: Int?
    /// Pulse rate per minute; nil when the device sent its "missing" code 511.
    public var pulseRate: Int?
    /// Conditions that void the values: sensor-off, out-of-track, probe-error (sensor alarm).
    public var conditions: MeasurementStatus
    /// Reported with a value: artifact (+ questionable), low-signal (red / low perfusion).
    public var annotations: MeasurementStatus
    /// Nonin reports signal quality by perfusion flags, not on a scale.
    public var signalLevel: Int? { nil }
    public var frame: [UInt8]

    /// 127 is the "missing SpO2" code; 0 and 101-126 cannot be a saturation either.
    static func validSpO2(_ raw: Int) -> Int? { (1...100).contains(raw) ? raw : nil }
    /// 511 (all nine bits set) is the "missing pulse rate" code; 0 means nothing measured.
    static func validPulseRate(_ raw: Int) -> Int? { (1...510).contains(raw) ? raw : nil }

    /// The 9-bit pulse rate: bits 8-7 in bits 1-0 of `high`, bits 6-0 in `low`.
    static func pulseRate(high: UInt8, low: UInt8) -> Int { Int(high & 0x03) << 7 | Int(low & 0x7F) }
}

/// The host command that selects a serial data format (README.md, "Selecting the format"):
/// `STX 70h 02h 02h <format> ETX`; the device answers ACK (06h) or NACK (15h).
public enum NoninCommand {
    public static func selectDataFormat(_ format: UInt8) -> [UInt8] { [0x02, 0x70, 0x02, 0x02, format, 0x03] }
    public static let ack: UInt8 = 0x06
    public static let nack: UInt8 = 0x15
}
