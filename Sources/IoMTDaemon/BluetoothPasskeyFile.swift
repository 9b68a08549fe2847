import Glibc
import IoMTBlueZ
import IoMTCore

/// The passkeys of Bluetooth Classic devices given once with `iomtctl pair ADDRESS --passkey N` (the 6 digits printed
/// on a Nonin 9560), kept in `<stateDirectory>/bluetooth-passkeys.json` (mode 0600: a passkey lets anyone in radio
/// range pair as that device's master) so the agent answers them whenever the device pairs again, also after a
/// restart. `{"passkeys": {"00:1C:05:00:00:01": 123456}}`. Passkeys never reach a log line.
struct BluetoothPasskeyFile {
    let path: String

    init(stateDirectory: String) { path = stateDirectory + "/bluetooth-passkeys.json" }

    /// The stored passkeys by upper-case address; a missing file is none, an unreadable one is logged and read as none.
    func load() -> [String: UInt32] {
        guard FileIO.exists(path) else { return [:] }
        guard let text = try? FileIO.readText(path), let root = try? JSONValue.parse(text), let entries = root["passkeys"]?.objectValue else {
            Log.warning("\(path) is not the expected JSON ({\"passkeys\": {address: number}}); pair the Classic devices again with iomtctl pair ADDRESS --passkey N", "bluetooth")
            return [:]
        }
        var passkeys: [String: UInt32] = [:]
        for (address, value) in entries {
            guard let number = value.intValue, (0...999_999).contains(number), let normalised = BluetoothAddress.normalised(address) else {
                Log.warning("\(path): the entry for \(address) is not an address with a passkey 0 to 999999; ignored", "bluetooth")
                continue
            }
            passkeys[normalised] = UInt32(number)
        }
        return passkeys
    }

    /// Adds or replaces one device's passkey (written atomically, mode 0600 whatever the umask).
    func store(_ passkey: UInt32, for address: String) throws {
        var passkeys = load()
        passkeys[address] = passkey
        let entries = passkeys.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.number(String($0.value))) }
        try FileIO.writeAtomically(JSONValue.object([("passkeys", .object(entries))]).serializedBytes() + [0x0A], to: path, mode: 0o600)
        // open(2)'s mode is filtered by the umask; a passkey file must not end up wider (nor narrower than the owner's rw).
        guard chmod(path, 0o600) == 0 else { throw ModeFailure(path: path, errorNumber: errno) }
    }

    struct ModeFailure: Error, CustomStringConvertible {
        let path: String
        let errorNumber: Int32
        var description: String { "cannot make \(path) mode 0600 (errno \(errorNumber)); check the state directory's owner" }
    }
}
