import IoMTCore
import IoMTStore

/// The one-time import of `bluetooth-state.json` (earlier releases kept the Glucose record mark there, written
/// whatever the store returned): each mark goes into the store unless the store has one, and the file is
/// renamed `bluetooth-state.json.imported` so it is read once.
enum LegacyBluetoothState {
    static func importOnce(stateDirectory: String, into store: Store) async {
        let path = stateDirectory + "/bluetooth-state.json"
        guard FileIO.exists(path) else { return }
        guard let text = try? FileIO.readText(path), let root = try? JSONValue.parse(text), let devices = root["devices"]?.objectValue else {
            Log.warning("\(path) is not the expected JSON ({\"devices\": {address: {\"glucoseHighWaterSequenceNumber\": n}}}); not imported, every stored record will be asked for once", "bluetooth")
            return
        }
        for (address, entry) in devices {
            guard let value = entry["glucoseHighWaterSequenceNumber"]?.intValue, let sequence = UInt16(exactly: value) else { continue }
            let key = DeviceIdentity(profileId: "", manufacturer: "", model: "", bluetoothAddress: address).key
            do { try await store.importRecordMark(DeviceMarkUpdate(deviceKey: key, mark: DeviceRecordMark(sequenceNumber: sequence, deviceTime: nil))) } catch {
                Log.error("cannot import the record mark of \(key) from \(path): \(error); the file is kept for the next start", "bluetooth")
                return
            }
        }
        do { try FileIO.move(path, to: path + ".imported") } catch {
            Log.warning("imported \(path) into the store but cannot rename it: \(error)", "bluetooth")
        }
        Log.notice("imported \(devices.count) device record mark(s) from \(path) into the store", "bluetooth")
    }
}
