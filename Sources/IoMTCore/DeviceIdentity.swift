/// Who produced a reading: the profile that matched, the model, and the device's own identifier.
public struct DeviceIdentity: Sendable, Hashable, Codable {
    /// Profile id from DeviceProfiles/, e.g. `contec-cms50d-plus`.
    public var profileId: String
    public var manufacturer: String
    public var model: String
    /// Serial number where the device reports one (USB devices).
    public var serialNumber: String?
    /// Bluetooth address (EUI-48, `AA:BB:CC:DD:EE:FF`) for BLE devices.
    public var bluetoothAddress: String?
    /// IEEE EUI-64 system id where the device reports one.
    public var systemId: String?
    public var firmwareVersion: String?
    /// The gateway-side handle (serial port path, BlueZ object path) used when no device id exists.
    public var portPath: String?
    /// The part of the device that measured, when its parts measure for different people (a two-user cuff's user
    /// areas, `user1`, `user2`): each part is bound to its patient and keeps its record mark on its own key.
    public var subDevice: String?

    public init(profileId: String, manufacturer: String, model: String, serialNumber: String? = nil,
                bluetoothAddress: String? = nil, systemId: String? = nil, firmwareVersion: String? = nil,
                portPath: String? = nil, subDevice: String? = nil) {
        self.profileId = profileId; self.manufacturer = manufacturer; self.model = model
        self.serialNumber = serialNumber; self.bluetoothAddress = bluetoothAddress; self.systemId = systemId
        self.firmwareVersion = firmwareVersion; self.portPath = portPath; self.subDevice = subDevice
    }

    /// A stable key for this physical device: the strongest identifier it has; a part's key adds `/<part>`
    /// (`bt:AA:BB:CC:DD:EE:FF/user2`), so bindings, held readings and marks follow the part.
    public var key: String { subDevice.map { wholeKey + "/" + $0 } ?? wholeKey }

    /// The physical device's key, whichever part measured.
    public var wholeKey: String {
        if let systemId { return "eui64:" + systemId }
        if let bluetoothAddress { return "bt:" + bluetoothAddress.uppercased() }
        if let serialNumber { return "sn:\(profileId):\(serialNumber)" }
        return "port:\(profileId):\(portPath ?? "unknown")"
    }

    /// This device's part `name` (nil: the whole device).
    public func part(_ name: String?) -> DeviceIdentity {
        var part = self
        part.subDevice = name
        return part
    }
}
