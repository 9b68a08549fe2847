import IoMTCore

/// The Jumper JPD-500F live stream (README.md, DEVICES.md §2.5): 4-byte frames `81 PR SpO2 xx` notified on CDEACB81.
/// Frames are taken 4 bytes at a time from each notification; a notification that does not divide into live frames
/// is rejected from the first byte that does not start one.
public struct JumperJPD500FStream: LiveOximetryNotifications {
    public static let service: BluetoothUUID = "cdeacb80-5235-4c07-8846-93a37ee6b86d"
    /// The command characteristic is never written: the live stream needs no command as far as the public facts go.
    public static let profile = GATTProfile.liveOximeter(driverId: "jumper-jpd500f", name: "Jumper JPD-500F oximeter", service: service,
                                                         notified: ("cdeacb81-5235-4c07-8846-93a37ee6b86d", "Live frames (81 PR SpO2 xx)"),
                                                         command: ("cdeacb82-5235-4c07-8846-93a37ee6b86d", "Commands"))

    static let liveCode: UInt8 = 0x81
    static let frameLength = 4

    public init() {}

    public mutating func receive(_ bytes: [UInt8]) -> (samples: [PlainOximetrySample], events: [DriverEvent]) {
        var samples: [PlainOximetrySample] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes[offset] == Self.liveCode else {
                return (samples, [.rejectedFrame(reason: "JPD-500F frame \(Hex.string(Array(bytes[offset...]), separator: " ")): not a live frame (81 PR SpO2 xx)")])
            }
            guard offset + Self.frameLength <= bytes.count else {
                return (samples, [.rejectedFrame(reason: "truncated JPD-500F live frame: \(bytes.count - offset) of \(Self.frameLength) bytes")])
            }
            samples.append(Self.decode(Array(bytes[offset..<(offset + Self.frameLength)])))
            offset += Self.frameLength
        }
        return (samples, [])
    }

    /// `81 PR SpO2 xx`: pulse rate and SpO2 as unsigned bytes. SpO2 0 or above 100 and pulse rate 0 or 255 cannot be
    /// readings: they are "no value" (the frame is still a sign of life), never a number.
    static func decode(_ frame: [UInt8]) -> PlainOximetrySample {
        let pulse = Int(frame[1]), spo2 = Int(frame[2])
        return PlainOximetrySample(spo2: (1...100).contains(spo2) ? spo2 : nil, pulseRate: (1...254).contains(pulse) ? pulse : nil, frame: frame)
    }
}
