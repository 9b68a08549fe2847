import IoMTBlueZ
import IoMTCore

/// `iomtctl scan`, `pair`, `forget`: Bluetooth through the daemon's BlueZ connection. Pair and
/// forget change what the gateway reads, so they are audited with the caller's uid.
extension DaemonControl {
    static let maxScanSeconds = 120

    func bluetoothCommand(_ request: ControlRequest, actor: String) async -> ControlResponse {
        guard let bluetooth else {
            return .failure("Bluetooth is not enabled in \(configuration.sourcePath) (add \"bluetooth\": {} or a device with an \"address\")", exitCode: 1)
        }
        do {
            switch request.command {
            case "scan":
                let seconds = request.argument("seconds")?.intValue ?? 10
                guard (1...Self.maxScanSeconds).contains(seconds) else {
                    return .failure("seconds: expected 1 to \(Self.maxScanSeconds), found \(seconds)", exitCode: 2)
                }
                let devices = try await bluetooth.scan(milliseconds: Int64(seconds) * 1000)
                var rows: [JSONValue] = []
                for device in devices.sorted(by: { ($0.rssi ?? -999) > ($1.rssi ?? -999) }) {
                    let profile = await bluetooth.profile(matching: device.uuids)
                    rows.append(.object([
                        ("address", .string(device.address)), ("name", device.name.map { .string($0) } ?? .null),
                        ("rssi", device.rssi.map { .number($0) } ?? .null), ("profile", profile.map { .string($0.id) } ?? .null),
                        ("paired", .bool(device.paired)), ("trusted", .bool(device.trusted)), ("connected", .bool(device.connected)),
                        ("uuids", .array(device.uuids.map { .string($0) })),
                    ]))
                }
                return .ok(.object([("seconds", .number(seconds)), ("devices", .array(rows))]))
            case "pair":
                guard let address = request.argument("address")?.stringValue.flatMap(BluetoothAddress.normalised) else {
                    return .failure("address: expected a Bluetooth address such as AA:BB:CC:DD:EE:FF, found \(request.argument("address")?.stringValue.map { "\"\($0)\"" } ?? "nothing")", exitCode: 2)
                }
                var secret: PairingSecret?
                if let passkey = request.argument("passkey")?.intValue {
                    guard (0...999_999).contains(passkey) else { return .failure("passkey: expected 0 to 999999, found \(passkey)", exitCode: 2) }
                    secret = .passkey(UInt32(passkey))
                } else if let pin = request.argument("pin")?.stringValue {
                    guard (1...16).contains(pin.count) else { return .failure("pin: expected 1 to 16 characters, found \(pin.count)", exitCode: 2) }
                    secret = .pin(pin)
                }
                let device = try await bluetooth.pair(address: address, secret: secret)
                let profile = await bluetooth.profile(matching: device.uuids)
                try? await store.audit(actor: actor, action: "bluetooth-pair", detail: "\(address)\(profile.map { " (\($0.id))" } ?? "")", at: clock.now())
                Log.notice("control: \(actor) paired \(address)", "control")
                return .ok(.object([("address", .string(address)), ("paired", .bool(device.paired)), ("trusted", .bool(device.trusted)),
                                    ("profile", profile.map { .string($0.id) } ?? .null)]))
            default: // forget
                guard let address = request.argument("address")?.stringValue.flatMap(BluetoothAddress.normalised) else {
                    return .failure("address: expected a Bluetooth address such as AA:BB:CC:DD:EE:FF", exitCode: 2)
                }
                try await bluetooth.forget(address: address)
                try? await store.audit(actor: actor, action: "bluetooth-forget", detail: address, at: clock.now())
                Log.notice("control: \(actor) removed \(address) from BlueZ", "control")
                return .ok(.object([("address", .string(address)), ("forgotten", .bool(true))]))
            }
        } catch {
            return .failure("\(request.command): \(error)", exitCode: 1)
        }
    }
}
