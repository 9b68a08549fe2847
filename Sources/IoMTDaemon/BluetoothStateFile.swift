import IoMTCore
import Synchronization

/// Per-device BLE state that must survive restarts: the Glucose record high-water mark (the last
/// sequence number stored), so only newer records are requested over RACP. A small JSON file in
/// the state directory (`bluetooth-state.json`) rather than a store migration.
final class BluetoothStateFile: Sendable {
    let path: String
    private let marks: Mutex<[String: UInt16]>

    init(stateDirectory: String) {
        path = stateDirectory + "/bluetooth-state.json"
        var loaded: [String: UInt16] = [:]
        if let text = try? FileIO.readText(path), let root = try? JSONValue.parse(text), let devices = root["devices"]?.objectValue {
            for (address, entry) in devices {
                if let mark = entry["glucoseHighWaterSequenceNumber"]?.intValue, let value = UInt16(exactly: mark) { loaded[address] = value }
            }
        }
        marks = Mutex(loaded)
    }

    func highWaterSequenceNumber(_ address: String) -> UInt16? { marks.withLock { $0[address] } }

    func setHighWaterSequenceNumber(_ mark: UInt16, for address: String) {
        let snapshot: [String: UInt16]? = marks.withLock { marks in
            guard marks[address] != mark else { return nil }
            marks[address] = mark
            return marks
        }
        guard let snapshot else { return }
        let json = JSONValue.object([("devices", .object(snapshot.sorted { $0.key < $1.key }.map { address, mark in
            (address, JSONValue.object([("glucoseHighWaterSequenceNumber", .number(Int(mark)))]))
        }))])
        do { try FileIO.writeAtomically(Array(json.serialized().utf8), to: path, mode: 0o640) } catch {
            Log.error("cannot write \(path): \(error)", "bluetooth")
        }
    }
}
