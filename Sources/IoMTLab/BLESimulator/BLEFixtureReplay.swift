import IoMTCore
import Foundation

/// One Firmware-Fixtures case: a single characteristic value (capture.hex) and, from case.json,
/// which characteristic it belongs to and whether the decoder must reject it.
public struct BLEFixtureCase: Sendable, Hashable {
    public let name: String
    public let characteristic: BluetoothUUID
    public let value: [UInt8]
    public let isRejected: Bool

    public init(name: String, characteristic: BluetoothUUID, value: [UInt8], isRejected: Bool) {
        self.name = name; self.characteristic = characteristic; self.value = value; self.isRejected = isRejected
    }
}

public struct BLEFixtureError: Error, Sendable, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}

public enum BLEFixtureLoader {
    /// Hex bytes separated by whitespace; `#` starts a comment.
    public static func parseCaptureHex(_ text: String, file: String) throws(BLEFixtureError) -> [UInt8] {
        var bytes: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for token in content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }) {
                guard token.count == 2, let byte = UInt8(token, radix: 16) else {
                    throw BLEFixtureError("\(file): expected hex bytes like \"0a\", found \"\(token)\"")
                }
                bytes.append(byte)
            }
        }
        return bytes
    }

    /// case.json: `characteristic` ("2A35") and the optional `rejectedContaining` list.
    public static func parseCase(_ json: Data, file: String) throws(BLEFixtureError) -> (characteristic: BluetoothUUID, isRejected: Bool) {
        guard let object = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            throw BLEFixtureError("\(file): expected a JSON object")
        }
        guard let text = object["characteristic"] as? String else {
            throw BLEFixtureError("\(file): field \"characteristic\" missing (expected a UUID such as \"2A35\")")
        }
        guard let uuid = BluetoothUUID(parsing: text) else {
            throw BLEFixtureError("\(file): field \"characteristic\" must be 4 hex digits such as \"2A35\" or a 128-bit UUID (8-4-4-4-12), found \"\(text)\"")
        }
        return (uuid, object["rejectedContaining"] != nil)
    }

    /// Every case below `directory` (one folder per case), sorted by name.
    public static func load(directory: String) throws(BLEFixtureError) -> [BLEFixtureCase] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw BLEFixtureError("\(directory): cannot list fixture cases (\(error.localizedDescription)); pass --fixtures Firmware-Fixtures/ble-<profile>")
        }
        var cases: [BLEFixtureCase] = []
        for name in names.sorted() {
            let folder = directory + "/" + name
            let casePath = folder + "/case.json", capturePath = folder + "/capture.hex"
            guard FileManager.default.fileExists(atPath: casePath) else { continue }
            guard let json = FileManager.default.contents(atPath: casePath) else { throw BLEFixtureError("\(casePath): cannot read") }
            guard let captureData = FileManager.default.contents(atPath: capturePath) else {
                throw BLEFixtureError("\(capturePath): cannot read (every case folder needs capture.hex)")
            }
            let (characteristic, rejected) = try parseCase(json, file: casePath)
            let value = try parseCaptureHex(String(decoding: captureData, as: UTF8.self), file: capturePath)
            cases.append(BLEFixtureCase(name: name, characteristic: characteristic, value: value, isRejected: rejected))
        }
        return cases
    }
}

/// The values of one characteristic in replay order; cycles forever and never restarts on reconnect,
/// so time-stamped values are not sent again until every other case has been.
public struct BLEValueSequence: Sendable, Hashable {
    public let cases: [BLEFixtureCase]
    public private(set) var position = 0
    public private(set) var sentCount = 0

    public init(cases: [BLEFixtureCase]) { self.cases = cases }

    public mutating func next() -> BLEFixtureCase {
        let value = cases[position]
        position = (position + 1) % cases.count
        sentCount += 1
        return value
    }
}

public enum BLEReplayPlan {
    /// One sequence per streaming characteristic of `device`. Cases the decoder must reject are left
    /// out unless `includeRejected` (a gateway test of rejection wants them).
    public static func sequences(device: BLESimulatedDevice, cases: [BLEFixtureCase], includeRejected: Bool = false,
                                 fixtureDirectory: String) throws(BLEFixtureError) -> [BluetoothUUID: BLEValueSequence] {
        var result: [BluetoothUUID: BLEValueSequence] = [:]
        for uuid in device.streamingCharacteristics {
            let chosen = cases.filter { $0.characteristic == uuid && (includeRejected || !$0.isRejected) }
            guard !chosen.isEmpty else {
                throw BLEFixtureError("\(fixtureDirectory): no case.json with \"characteristic\": \"\(uuid.shortText)\" (the \(device.rawValue) simulator replays them)")
            }
            result[uuid] = BLEValueSequence(cases: chosen)
        }
        return result
    }
}
