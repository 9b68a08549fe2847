import IoMTCore

/// The Nonin 3230 continuous oximetry characteristic of the proprietary Nonin Oximetry Service (README.md, DEVICES.md
/// §2.6): one 10-byte value a second. Missing SpO2 (127) and pulse rate (511) are "no value"; the status byte becomes
/// conditions of the sample (sensor off, searching, weak signal) and, when it changes, device events (low battery,
/// SmartPoint); a gap in the counter is reported.
public struct Nonin3230Stream: LiveOximetryNotifications {
    public static let service: BluetoothUUID = "46a970e0-0d5f-11e2-8b5e-0002a5d5c51b"
    public static let continuousOximetry: BluetoothUUID = "0aad7ea0-0d60-11e2-8e3c-0002a5d5c51b"
    public static let controlPoint: BluetoothUUID = "1447af80-0d60-11e2-88b6-0002a5d5c51b"
    public static let profile = GATTProfile.liveOximeter(driverId: "nonin-3230", name: "Nonin Oximetry Service", service: service,
                                                         notified: (continuousOximetry, "Continuous Oximetry"),
                                                         command: (controlPoint, "Control Point"))

    static let valueLength = 10
    static let missingSpO2 = 127
    static let missingPulseRate = 511

    /// Status bits (Nonin 113142-000-02 via DEVICES.md §2.6).
    enum Status {
        static let encrypted: UInt8 = 1 << 6, lowBattery: UInt8 = 1 << 5, sensorAttached: UInt8 = 1 << 4
        static let searching: UInt8 = 1 << 3, smartPoint: UInt8 = 1 << 2, weakSignal: UInt8 = 1 << 1
    }

    private var lastStatus: UInt8?
    private var lastCounter: UInt16?

    public init() {}

    public mutating func receive(_ bytes: [UInt8]) -> (samples: [Nonin3230Sample], events: [DriverEvent]) {
        guard bytes.count == Self.valueLength, bytes[0] == UInt8(Self.valueLength) else {
            return ([], [.rejectedFrame(reason: "Nonin continuous oximetry value \(Hex.string(bytes, separator: " ")): expected 10 bytes starting 0A")])
        }
        let status = bytes[1]
        guard status & Status.encrypted == 0 else {
            // Encrypted values are not readings we can read: never decoded as numbers.
            return ([], [.rejectedFrame(reason: "Nonin continuous oximetry value is encrypted (status bit 6): the 3230's security mode must allow plain values")])
        }
        var events: [DriverEvent] = []
        let changed = lastStatus.map { $0 ^ status } ?? 0xFF
        if changed & Status.lowBattery != 0 {
            events.append(.deviceInfo(key: "battery", value: status & Status.lowBattery != 0 ? "low (\(Self.volts(bytes[2])) V)" : "ok (\(Self.volts(bytes[2])) V)"))
        }
        if changed & Status.smartPoint != 0 {
            events.append(.deviceInfo(key: "smartPoint", value: status & Status.smartPoint != 0 ? "on" : "off"))
        }
        lastStatus = status
        let counter = UInt16(bytes[5]) << 8 | UInt16(bytes[6])
        if let last = lastCounter, counter != last &+ 1 {
            events.append(.deviceInfo(key: "counterGap", value: "counter \(last) then \(counter): values missed or repeated"))
        }
        lastCounter = counter
        return ([Self.sample(bytes)], events)
    }

    static func volts(_ tenths: UInt8) -> String { "\(tenths / 10).\(tenths % 10)" }

    /// [1] status, [2] battery ×0.1 V, [3–4] PAI BE ÷100 %, [5–6] counter BE, [7] SpO2 % (127 missing), [8–9] pulse rate BE (511 missing).
    static func sample(_ value: [UInt8]) -> Nonin3230Sample {
        let status = value[1]
        let spo2 = Int(value[7]), pulse = Int(value[8]) << 8 | Int(value[9]), amplitude = Int(value[3]) << 8 | Int(value[4])
        var conditions: MeasurementStatus = []
        if status & Status.sensorAttached == 0 { conditions.insert(.sensorOff) }
        if status & Status.searching != 0 { conditions.insert(.searching) }
        return Nonin3230Sample(spo2: spo2 == missingSpO2 || !(1...100).contains(spo2) ? nil : spo2,
                               pulseRate: pulse == missingPulseRate || pulse == 0 ? nil : pulse, conditions: conditions,
                               annotations: status & Status.weakSignal != 0 ? [.lowSignal] : [],
                               perfusionIndex: amplitude == 0 ? nil : DecimalValue(significand: Int64(amplitude), exponent: -2), frame: value)
    }
}

/// One continuous-oximetry value.
public struct Nonin3230Sample: Sendable, Hashable, OximetryWindowSample {
    /// SpO2 in percent; nil for the missing marker 127 (or anything outside 1–100).
    public var spo2: Int?
    /// Pulse rate per minute; nil for the missing marker 511.
    public var pulseRate: Int?
    /// Sensor off or searching: the values are not used.
    public var conditions: MeasurementStatus
    /// Weak signal: the value stands, marked.
    public var annotations: MeasurementStatus
    /// Pulse amplitude index in percent (÷100 on the wire); nil for 0, which no perfused finger reads.
    public var perfusionIndex: DecimalValue?
    public var frame: [UInt8]
    public var signalLevel: Int? { nil }
}
