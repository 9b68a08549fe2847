import IoMTDBus

/// BlueZ's D-Bus names (doc/org.bluez.*.rst, formerly doc/*-api.txt in the BlueZ source tree).
public enum BlueZ {
    public static let service = "org.bluez"
    public static let root: DBusObjectPath = "/org/bluez"
    public static let adapter = "org.bluez.Adapter1"
    public static let device = "org.bluez.Device1"
    public static let gattService = "org.bluez.GattService1"
    public static let gattCharacteristic = "org.bluez.GattCharacteristic1"
    public static let agentManager = "org.bluez.AgentManager1"
    public static let agent = "org.bluez.Agent1"
    public static let profileManager = "org.bluez.ProfileManager1"
    public static let profile = "org.bluez.Profile1"
    /// The Serial Port Profile's service class (Bluetooth Assigned Numbers, 0x1101).
    public static let serialPortUUID = "00001101-0000-1000-8000-00805f9b34fb"

    /// The error names BlueZ returns (doc/org.bluez.Device.rst, Adapter.rst) that the gateway acts on or answers with;
    /// any other is a failure retried with backoff (BlueZRecovery).
    public enum ErrorName {
        public static let inProgress = "org.bluez.Error.InProgress"
        public static let alreadyConnected = "org.bluez.Error.AlreadyConnected"
        public static let alreadyExists = "org.bluez.Error.AlreadyExists"
        public static let doesNotExist = "org.bluez.Error.DoesNotExist"
        public static let rejected = "org.bluez.Error.Rejected"
    }
}

/// Bluetooth device addresses (EUI-48, "AA:BB:CC:DD:EE:FF") and the object paths BlueZ gives them.
public enum BluetoothAddress {
    /// Six colon-separated pairs of hex digits; returned upper-case, nil if malformed.
    public static func normalised(_ text: String) -> String? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }) else { return nil }
        return text.uppercased()
    }

    /// BlueZ names a device object `<adapter>/dev_AA_BB_CC_DD_EE_FF` (doc/org.bluez.Device.rst, Object path).
    public static func devicePath(adapter: DBusObjectPath, address: String) -> DBusObjectPath {
        // A normalised address only has hex digits and underscores: always a valid path element.
        adapter.appending("dev_" + address.uppercased().replacingColons()) ?? adapter
    }

    /// The address a device object path names (`…/dev_AA_BB_CC_DD_EE_FF` → "AA:BB:CC:DD:EE:FF"); nil for any other path.
    public static func address(ofDevicePath path: DBusObjectPath) -> String? {
        guard let last = path.text.split(separator: "/").last, last.hasPrefix("dev_") else { return nil }
        return normalised(String(last.dropFirst(4).map { $0 == "_" ? ":" : $0 }))
    }
}

extension String {
    fileprivate func replacingColons() -> String { String(map { $0 == ":" ? "_" : $0 }) }
}
