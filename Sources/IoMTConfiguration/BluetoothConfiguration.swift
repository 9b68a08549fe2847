import IoMTBlueZ
import IoMTCore
import IoMTDrivers
import IoMTProfiles

extension DaemonConfiguration {
    /// BLE health devices through BlueZ (`bluetooth` in the configuration file, and `devices[]`
    /// entries with `address` instead of `path`). Format in docs/configuration.md.
    public struct Bluetooth: Sendable, Hashable {
        /// Present in the file, or BLE devices configured: the daemon talks to BlueZ.
        public var enabled = false
        /// The adapter to use ("hci0"); nil: the first one BlueZ lists.
        public var adapter: String?
        /// Also read devices BlueZ already has Paired and Trusted whose service UUIDs match a ble profile.
        public var autoConnectPaired = false
        /// Write Current Time (0x2A2B) when a device's clock is unset or off by more than a minute.
        public var setDeviceClock = true
        /// The zone device clocks are assumed to run in, minutes east of UTC (BLE Date Time carries none).
        public var deviceUTCOffsetMinutes = 0
        /// A D-Bus address ("unix:path=/run/dbus/system_bus_socket"); nil: DBUS_SYSTEM_BUS_ADDRESS or the system bus.
        public var busAddress: String?
        public var devices: [Device] = []
        public init() {}

        public struct Device: Sendable, Hashable {
            public var profileId: String
            /// "AA:BB:CC:DD:EE:FF", upper-case.
            public var address: String
            /// What the agent answers if the device asks while (re)pairing.
            public var passkey: UInt32?
            public var pin: String?
            /// Position in `devices[]`, for error messages.
            public var index: Int
        }
    }

    /// True for a `devices[]` entry that names a Bluetooth device (parsed here, not as a serial device).
    static func isBluetoothDevice(_ item: JSONValue) -> Bool { item["address"] != nil }

    static func parseBluetooth(_ root: JSONValue, _ r: inout JSONFieldReader) -> Bluetooth {
        var bluetooth = Bluetooth()
        if let object = r.object(root, "bluetooth", path: "", required: false) {
            bluetooth.enabled = true
            r.checkKnownKeys(object, path: "bluetooth", allowed: ["adapter", "autoConnectPaired", "setDeviceClock", "deviceUTCOffsetMinutes", "busAddress"])
            if let adapter = r.string(object, "adapter", path: "bluetooth", required: false, expected: "an adapter name such as hci0") {
                if adapter.hasPrefix("hci"), adapter.dropFirst(3).allSatisfy(\.isNumber), adapter.count > 3 { bluetooth.adapter = adapter } else {
                    r.fail("bluetooth.adapter", expected: "an adapter name such as hci0", foundText: "\"\(adapter)\"")
                }
            }
            for (key, defaultValue) in [("autoConnectPaired", false), ("setDeviceClock", true)] {
                var value = defaultValue
                if let item = object[key], !item.isNull {
                    if let flag = item.boolValue { value = flag } else { r.fail("bluetooth." + key, expected: "true or false", found: item) }
                }
                if key == "autoConnectPaired" { bluetooth.autoConnectPaired = value } else { bluetooth.setDeviceClock = value }
            }
            bluetooth.deviceUTCOffsetMinutes = r.integer(object, "deviceUTCOffsetMinutes", path: "bluetooth", range: -720...840, default: 0)
            if let address = r.string(object, "busAddress", path: "bluetooth", required: false, expected: "a D-Bus address such as unix:path=/run/dbus/system_bus_socket") {
                if address.hasPrefix("unix:") { bluetooth.busAddress = address } else {
                    r.fail("bluetooth.busAddress", expected: "a D-Bus address such as unix:path=/run/dbus/system_bus_socket", foundText: "\"\(address)\"")
                }
            }
        }
        var seen: Set<String> = []
        for (index, item) in (root["devices"]?.arrayValue ?? []).enumerated() where isBluetoothDevice(item) {
            let path = "devices[\(index)]"
            r.checkKnownKeys(item, path: path, allowed: ["profile", "address", "passkey", "pin"])
            let profile = r.string(item, "profile", path: path, required: true, expected: "a ble-… profile id from the profiles directory")
            let text = r.string(item, "address", path: path, required: true, expected: "a Bluetooth address such as AA:BB:CC:DD:EE:FF")
            let address = text.flatMap(BluetoothAddress.normalised)
            if let text, address == nil {
                r.fail(path + ".address", expected: "a Bluetooth address: six pairs of hex digits separated by colons (AA:BB:CC:DD:EE:FF)", foundText: "\"\(text)\"")
            }
            if let address, !seen.insert(address).inserted {
                r.fail(path + ".address", expected: "an address listed once", foundText: "\"\(address)\" again")
            }
            var passkey: UInt32?
            if let value = item["passkey"], !value.isNull {
                if let number = value.intValue, (0...999_999).contains(number) { passkey = UInt32(number) } else {
                    r.fail(path + ".passkey", expected: "a passkey from 0 to 999999", found: value)
                }
            }
            let pin = r.string(item, "pin", path: path, required: false, expected: "a PIN of 1 to 16 characters")
            if let pin, pin.count > 16 { r.fail(path + ".pin", expected: "a PIN of 1 to 16 characters", foundText: "\(pin.count) characters") }
            if passkey != nil, pin != nil { r.fail(path, expected: "passkey or pin, not both", foundText: "both") }
            if let profile, let address {
                bluetooth.devices.append(Bluetooth.Device(profileId: profile, address: address, passkey: passkey, pin: pin, index: index))
            }
        }
        if !bluetooth.devices.isEmpty { bluetooth.enabled = true }
        return bluetooth
    }

    /// Cross-checks Bluetooth devices against the loaded profiles: transport "ble" with a GATT driver, or "serial" with a
    /// byte-stream driver (read over Bluetooth Classic SPP).
    static func bluetoothProblems(_ configuration: DaemonConfiguration, profiles: [DeviceProfile], configPath: String) -> [String] {
        var problems: [String] = []
        let devices = configuration.bluetooth.devices
        for device in devices {
            let index = device.index
            guard let profile = profiles.first(where: { $0.id == device.profileId }) else {
                let ble = profiles.filter { $0.transport == .ble }.map(\.id)
                problems.append("\(configPath): devices[\(index)].profile: expected one of \(ble.joined(separator: ", ")), found \"\(device.profileId)\"")
                continue
            }
            if profile.transport == .serial {
                // A byte-stream profile with an address: a Bluetooth Classic SPP device (the serial bytes over RFCOMM).
                do { _ = try DriverRegistry.makeReader(for: profile) } catch { problems.append("\(profile.sourcePath ?? profile.id): \(error)") }
                continue
            }
            if profile.transport != .ble {
                problems.append("\(configPath): devices[\(index)].profile: expected a ble or serial profile for a device with an address, \"\(profile.id)\" is \(profile.transport.rawValue)")
                continue
            }
            // Every GATT reader the daemon can run: the SIG profiles and the vendor protocols (Contec FF12) alike.
            do {
                if try DriverRegistry.makeReader(for: profile).needs.gattProfile == nil {
                    problems.append("\(profile.sourcePath ?? profile.id): driver: expected a GATT driver for transport \"ble\" (one of \(DriverRegistry.gattDriverIds.sorted().joined(separator: ", "))), found \"\(profile.driver)\"")
                }
            } catch { problems.append("\(profile.sourcePath ?? profile.id): \(error)") }
        }
        return problems
    }
}
