import IoMTCore

/// One device model's profile (DeviceProfiles/<id>.json): how to recognise it, how to talk to it,
/// which driver decodes it and which quirks apply. Loaded and validated by `ProfileLoader`.
public struct DeviceProfile: Sendable, Hashable {
    public var id: String
    public var manufacturer: String
    public var model: String
    /// e.g. "pulse-oximeter", "blood-pressure-monitor", "spirometer".
    public var deviceClass: String
    /// Driver id registered in IoMTDrivers, e.g. "contec-cms50-legacy".
    public var driver: String
    public var transport: TransportKind
    public var match: MatchRules
    /// Present when transport == .serial.
    public var serial: SerialSettings?
    /// Driver-specific options (e.g. "reportIntervalMs"); validated by the driver.
    public var driverOptions: [String: JSONValue]
    /// Known deviations of this model from its protocol, by name (descriptive labels).
    public var quirks: Set<String>
    /// What the Bluetooth LE connection does differently for this model (`bluetoothQuirks`; ble profiles only).
    public var bluetoothQuirks: Set<BluetoothQuirk> = []
    /// File the profile was loaded from (for error messages).
    public var sourcePath: String?
    /// How well the device is supported (the support matrix); nil when the profile does not say.
    public var support: DeviceSupport?
    /// Over Bluetooth Classic SPP, which side opens the RFCOMM link (`sppRole`; serial profiles only).
    public var sppRole: SPPRole = .deviceConnects

    public init(id: String, manufacturer: String, model: String, deviceClass: String, driver: String,
                transport: TransportKind, match: MatchRules, serial: SerialSettings?,
                driverOptions: [String: JSONValue] = [:], quirks: Set<String> = [], sourcePath: String? = nil) {
        self.id = id; self.manufacturer = manufacturer; self.model = model; self.deviceClass = deviceClass
        self.driver = driver; self.transport = transport; self.match = match; self.serial = serial
        self.driverOptions = driverOptions; self.quirks = quirks; self.sourcePath = sourcePath
    }

    public static func == (lhs: DeviceProfile, rhs: DeviceProfile) -> Bool { lhs.id == rhs.id && lhs.sourcePath == rhs.sourcePath && lhs.driver == rhs.driver }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }
}

/// Which side of a Bluetooth Classic SPP link connects (profile field `sppRole`): the device paging its paired gateway
/// (the Nonin 9560 in format #13, DEVICES.md §4.1: iomtd listens, the SPP server role), or the gateway connecting to the
/// device (the Contec CMS50D-BT, the Nonin 9560 in formats #2/#7/#8: iomtd is the SPP client and reconnects).
public enum SPPRole: String, Sendable, Hashable, CaseIterable {
    case deviceConnects = "device-connects"
    case gatewayConnects = "gateway-connects"
}

public enum TransportKind: String, Sendable, Hashable, Codable {
    case serial
    case ble
}

public struct MatchRules: Sendable, Hashable {
    public var usb: [USBMatch]
    /// BLE: advertised 16-bit service UUIDs (e.g. "1810").
    /// Advertised services (an assigned number or a 128-bit vendor UUID; compared as UUIDs, whatever the spelling).
    public var bleServices: [BluetoothUUID]
    public init(usb: [USBMatch] = [], bleServices: [BluetoothUUID] = []) { self.usb = usb; self.bleServices = bleServices }
}

public struct USBMatch: Sendable, Hashable {
    public var vendorId, productId: UInt16
    /// Substring of the USB product string that must be present, if set.
    public var product: String?
    public init(vendorId: UInt16, productId: UInt16, product: String? = nil) {
        self.vendorId = vendorId; self.productId = productId; self.product = product
    }
}

public struct SerialSettings: Sendable, Hashable {
    public enum Parity: String, Sendable, Hashable { case none, odd, even }
    public enum FlowControl: String, Sendable, Hashable { case none, rtscts, xonxoff }
    public var baudRate: Int
    public var dataBits: Int
    public var parity: Parity
    public var stopBits: Int
    public var flowControl: FlowControl

    public init(baudRate: Int, dataBits: Int = 8, parity: Parity = .none, stopBits: Int = 1, flowControl: FlowControl = .none) {
        self.baudRate = baudRate; self.dataBits = dataBits; self.parity = parity
        self.stopBits = stopBits; self.flowControl = flowControl
    }
}
