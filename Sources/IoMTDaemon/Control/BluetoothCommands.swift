import IoMTBlueZ
import IoMTControl
import IoMTCore

/// `iomtctl scan`, `pair`, `forget`: Bluetooth through the daemon's BlueZ connection. Pair and
/// forget change what the gateway reads, so they are audited with the caller's uid.
extension DaemonControl {
    func bluetoothCommand(_ command: ControlCommand, actor: String) async -> ControlReply {
        guard let bluetooth else {
            return .failure("Bluetooth is not enabled in \(configuration.sourcePath) (add \"bluetooth\": {} or a device with an \"address\")", .failed)
        }
        do {
            switch command {
            case let .scan(seconds):
                let devices = try await bluetooth.scan(milliseconds: Int64(seconds) * 1000)
                var rows: [ScanReply.Device] = []
                for device in devices.sorted(by: { ($0.rssi ?? -999) > ($1.rssi ?? -999) }) {
                    let profile = await bluetooth.profile(matching: device.uuids)
                    // Health devices only (discovery with Classic filters no service): a ble profile matches, or a Classic
                    // device offers SPP or is of the health class; a paired device is listed whatever it is.
                    guard profile != nil || device.isClassicHealthCandidate || device.paired else { continue }
                    rows.append(ScanReply.Device(address: device.address, name: device.name, rssi: device.rssi.map(Int64.init), profile: profile?.id,
                                                 paired: device.paired, trusted: device.trusted, connected: device.connected, uuids: device.uuids,
                                                 transport: device.transport.rawValue, serialPort: device.offersSerialPort))
                }
                return .ok(ScanReply(seconds: Int64(seconds), devices: rows))
            case let .pair(addressText, secretArgument):
                guard let address = BluetoothAddress.normalised(addressText) else {
                    return .failure("address: expected a Bluetooth address such as AA:BB:CC:DD:EE:FF, found \"\(addressText)\"", .usage)
                }
                let secret: PairingSecret?
                switch secretArgument {
                case let .passkey(passkey)?: secret = .passkey(UInt32(clamping: passkey))
                case let .pin(pin)?: secret = .pin(pin)
                case nil: secret = nil
                }
                let device = try await bluetooth.pair(address: address, secret: secret)
                // The device's configured profile (a Classic SPP device's serial one too), else the BLE profile its services match.
                let configured = await bluetooth.configuredProfileId(of: address)
                let matched = await bluetooth.profile(matching: device.uuids)?.id
                let profile = configured ?? matched
                try? await store.audit(actor: actor, action: "bluetooth-pair", detail: "\(address)\(profile.map { " (\($0))" } ?? "")", at: clock.now())
                Log.notice("control: \(actor) paired \(address)", "control")
                return .ok(PairReply(address: address, paired: device.paired, trusted: device.trusted, profile: profile))
            case let .forget(addressText):
                guard let address = BluetoothAddress.normalised(addressText) else {
                    return .failure("address: expected a Bluetooth address such as AA:BB:CC:DD:EE:FF", .usage)
                }
                try await bluetooth.forget(address: address)
                try? await store.audit(actor: actor, action: "bluetooth-forget", detail: address, at: clock.now())
                Log.notice("control: \(actor) removed \(address) from BlueZ", "control")
                return .ok(ForgetReply(address: address))
            default:
                return .failure("\(command.name) is not a Bluetooth command", .usage)
            }
        } catch {
            return .failure("\(command.name): \(error)", .failed)
        }
    }
}
