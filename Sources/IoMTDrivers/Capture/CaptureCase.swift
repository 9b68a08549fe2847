import IoMTCore
import IoMTProfiles

/// A Firmware-Fixtures case folder made from a field capture (`iomtctl capture`): `capture.hex` (what the fixture format
/// holds: the byte stream, or one characteristic value), `transcript.txt` (everything, with times and directions),
/// `case.json` and an `expected.json` skeleton decoded by the gateway's own driver along the recorded timeline — to be
/// reviewed before it is committed as a fixture. Pure: files as text, written by the caller.
public struct CaptureCase: Sendable {
    public let profiles: [DeviceProfile]
    public let transcript: CaptureTranscript
    public let limitReached: Bool

    public static let transcriptFile = "transcript.txt"
    public static let expectedNote = "expected from the gateway's own decoder — review before committing as a fixture"

    public init(profiles: [DeviceProfile], transcript: CaptureTranscript, limitReached: Bool) {
        self.profiles = profiles; self.transcript = transcript; self.limitReached = limitReached
    }

    /// The folder under Firmware-Fixtures (or `--out`): the first profile's driver.
    public var driverId: String { profiles.first?.driver ?? "unknown" }

    /// What the driver decodes from the transcript replayed on its own timeline (the fixture contract for a capture
    /// case), and the first device clock seen with the gateway time it was seen at.
    public struct Decoded: Sendable {
        public var measurements: [DecodedMeasurement]
        public var rejectedFrames: Int
        public var deviceTime: (device: CivilTime, gateway: Instant)?
    }

    public static func decode(_ transcript: CaptureTranscript, profiles: [DeviceProfile]) throws(DriverConfigurationError) -> Decoded {
        var reader = try DriverRegistry.makeReader(for: profiles)
        var decoded = Decoded(measurements: [], rejectedFrames: 0, deviceTime: nil)
        for (output, time) in reader.replay(transcript, from: transcript.start) {
            decoded.measurements += output.measurements
            decoded.rejectedFrames += output.rejections.count
            if decoded.deviceTime == nil {
                if let clock = output.deviceClock {
                    decoded.deviceTime = (clock.dateTime.civilTime, time)
                } else if let stamped = output.measurements.first(where: { $0.deviceTime != nil }), let deviceTime = stamped.deviceTime {
                    decoded.deviceTime = (deviceTime, time)
                }
            }
        }
        return decoded
    }

    /// The case's files, by name.
    public func files(description: String? = nil) throws(DriverConfigurationError) -> [(name: String, text: String)] {
        let decoded = try Self.decode(transcript, profiles: profiles)
        let expected = JSONValue.object([("observations", .array(decoded.measurements.map(\.contractJSON)))])
        return [("capture.hex", captureHex), (Self.transcriptFile, transcript.text), ("case.json", caseJSON(decoded, description: description).prettyPrinted() + "\n"),
                ("expected.json", expected.prettyPrinted() + "\n")]
    }

    /// The characteristic a GATT capture is mostly about (the one the device sent most values on), nil for a byte stream.
    var mainCharacteristic: BluetoothUUID? {
        var counts: [BluetoothUUID: Int] = [:]
        var order: [BluetoothUUID] = []
        for entry in transcript.entries {
            guard case let .value(characteristic, _) = entry.event else { continue }
            if counts[characteristic] == nil { order.append(characteristic) }
            counts[characteristic, default: 0] += 1
        }
        return order.max { counts[$0, default: 0] < counts[$1, default: 0] }
    }

    /// A byte stream: every chunk the device sent, one line each (32 bytes a line at most). GATT: the main
    /// characteristic's first value (the existing one-value format; the transcript has the rest).
    var captureHex: String {
        if let characteristic = mainCharacteristic {
            for entry in transcript.entries {
                if case let .value(uuid, bytes) = entry.event, uuid == characteristic { return Hex.string(bytes, separator: " ") + "\n" }
            }
        }
        var lines: [String] = []
        for entry in transcript.entries {
            guard case let .bytes(bytes) = entry.event else { continue }
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + 32)
                lines.append(Hex.string(bytes[start..<end], separator: " "))
                start = end
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func caseJSON(_ decoded: Decoded, description: String?) -> JSONValue {
        let first = profiles.first
        let date = String(transcript.start.iso8601.prefix(10))
        let model = [first?.manufacturer, first?.model].compactMap { $0 }.joined(separator: " ")
        var members: [(String, JSONValue)] = [
            ("profile", .string(first?.id ?? "")),
            ("description", .string(description ?? "field capture of \(model) (\(first?.id ?? "")) on \(date)")),
            ("expected", .string(Self.expectedNote)),
            ("timeline", .string(Self.transcriptFile)),
            ("gatewayTime", .string(transcript.start.iso8601)),
            ("deviceTime", decoded.deviceTime.map { .string($0.device.iso8601(withOffset: false, fractionDigits: 0)) } ?? .null),
            ("deviceTimeSeenAt", decoded.deviceTime.map { .string($0.gateway.iso8601) } ?? .null),
            ("events", .number(transcript.entries.count)),
            ("limitReached", .bool(limitReached)),
        ]
        if profiles.count > 1 { members.append(("profiles", .array(profiles.map { .string($0.id) }))) }
        if let characteristic = mainCharacteristic {
            members.append(("characteristic", .string(characteristic.shortText)))
            var before: [JSONValue] = []
            for entry in transcript.entries {
                guard case let .value(uuid, bytes) = entry.event else { continue }
                if uuid == characteristic { break }
                before.append(.object([("characteristic", .string(uuid.shortText)), ("hex", .string(Hex.string(bytes, separator: " ")))]))
            }
            if !before.isEmpty { members.append(("before", .array(before))) }
        }
        return .object(members)
    }
}
