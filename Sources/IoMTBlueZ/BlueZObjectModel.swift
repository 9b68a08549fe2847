import IoMTDBus

/// What BlueZ currently publishes, rebuilt from GetManagedObjects and kept current by
/// InterfacesAdded/InterfacesRemoved and PropertiesChanged (doc/org.bluez.*.rst: every adapter,
/// device, GATT service and characteristic is an object under /org/bluez). Pure value type.
public struct BlueZObjectModel: Sendable, Hashable {
    /// path → interface → property → value
    public private(set) var objects: [DBusObjectPath: DBusInterfaceProperties] = [:]

    public init(objects: [DBusObjectPath: DBusInterfaceProperties] = [:]) { self.objects = objects }

    // MARK: - Updates

    public mutating func replaceAll(_ managed: [DBusObjectPath: DBusInterfaceProperties]) { objects = managed }

    public mutating func apply(_ signal: DBusObjectManagerSignal) {
        switch signal {
        case let .interfacesAdded(path, interfaces):
            objects[path, default: [:]].merge(interfaces) { _, new in new }
        case let .interfacesRemoved(path, interfaces):
            guard var entry = objects[path] else { return }
            for name in interfaces { entry[name] = nil }
            objects[path] = entry.isEmpty ? nil : entry
        }
    }

    /// Applies a PropertiesChanged; changes for an object or interface not (yet) known are ignored.
    public mutating func apply(_ change: DBusPropertiesChanged) {
        guard var properties = objects[change.path]?[change.interface] else { return }
        for (name, value) in change.changed { properties[name] = value }
        for name in change.invalidated { properties[name] = nil }
        objects[change.path]?[change.interface] = properties
    }

    // MARK: - Views

    public var adapters: [BlueZAdapter] {
        objects.compactMap { path, interfaces in interfaces[BlueZ.adapter].map { BlueZAdapter(path: path, properties: $0) } }
            .sorted { $0.path < $1.path }
    }

    public var devices: [BlueZDevice] {
        objects.compactMap { path, interfaces in interfaces[BlueZ.device].map { BlueZDevice(path: path, properties: $0) } }
            .sorted { $0.path < $1.path }
    }

    public func device(address: String, adapter: DBusObjectPath) -> BlueZDevice? {
        devices.first { $0.adapter == adapter && $0.address.uppercased() == address.uppercased() }
    }

    public func device(at path: DBusObjectPath) -> BlueZDevice? {
        objects[path]?[BlueZ.device].map { BlueZDevice(path: path, properties: $0) }
    }

    /// The GATT services below a device, with their characteristics.
    public func gattServices(of device: DBusObjectPath) -> [BlueZGATTService] {
        let services = objects.compactMap { path, interfaces -> (DBusObjectPath, [String: DBusValue])? in
            guard path.isDescendant(of: device), let service = interfaces[BlueZ.gattService] else { return nil }
            return (path, service)
        }
        return services.sorted { $0.0 < $1.0 }.map { path, properties in
            let characteristics = objects.compactMap { childPath, interfaces -> BlueZGATTCharacteristic? in
                guard childPath.isDescendant(of: path), let c = interfaces[BlueZ.gattCharacteristic] else { return nil }
                return BlueZGATTCharacteristic(path: childPath, properties: c)
            }.sorted { $0.path < $1.path }
            return BlueZGATTService(path: path, uuid: properties["UUID"]?.stringValue ?? "", characteristics: characteristics)
        }
    }
}

/// org.bluez.Adapter1 properties the gateway uses.
public struct BlueZAdapter: Sendable, Hashable {
    public let path: DBusObjectPath
    public let address: String
    public let powered, discovering: Bool

    init(path: DBusObjectPath, properties: [String: DBusValue]) {
        self.path = path
        address = properties["Address"]?.stringValue ?? ""
        powered = properties["Powered"]?.boolValue ?? false
        discovering = properties["Discovering"]?.boolValue ?? false
    }

    /// "hci0" for /org/bluez/hci0.
    public var name: String { String(path.text.split(separator: "/").last ?? "") }
}

/// org.bluez.Device1 properties the gateway uses.
public struct BlueZDevice: Sendable, Hashable {
    public let path: DBusObjectPath
    public let adapter: DBusObjectPath?
    public let address: String
    public let name: String?
    public let rssi: Int?
    public let uuids: [String]
    /// Class of Device (BR/EDR only; BlueZ omits it, or python-dbusmock reports 0, when unknown).
    public let deviceClass: UInt32?
    public let paired, bonded, trusted, connected, servicesResolved: Bool

    init(path: DBusObjectPath, properties: [String: DBusValue]) {
        self.path = path
        adapter = properties["Adapter"]?.objectPathValue
        address = properties["Address"]?.stringValue ?? ""
        name = properties["Alias"]?.stringValue ?? properties["Name"]?.stringValue
        rssi = properties["RSSI"]?.integerValue.map { Int($0) }
        uuids = properties["UUIDs"]?.stringArrayValue ?? []
        deviceClass = properties["Class"]?.uint32Value.flatMap { $0 == 0 ? nil : $0 }
        paired = properties["Paired"]?.boolValue ?? false
        // Bonded appeared in BlueZ 5.71; before it, a paired LE device was bonded.
        bonded = properties["Bonded"]?.boolValue ?? paired
        trusted = properties["Trusted"]?.boolValue ?? false
        connected = properties["Connected"]?.boolValue ?? false
        servicesResolved = properties["ServicesResolved"]?.boolValue ?? false
    }
}

public struct BlueZGATTService: Sendable, Hashable {
    public let path: DBusObjectPath
    public let uuid: String
    public let characteristics: [BlueZGATTCharacteristic]
}

public struct BlueZGATTCharacteristic: Sendable, Hashable {
    public let path: DBusObjectPath
    public let uuid: String
    /// "read", "write", "notify", "indicate", … (doc/org.bluez.GattCharacteristic.rst, Flags).
    public let flags: [String]

    init(path: DBusObjectPath, properties: [String: DBusValue]) {
        self.path = path
        uuid = properties["UUID"]?.stringValue?.lowercased() ?? ""
        flags = properties["Flags"]?.stringArrayValue ?? []
    }
}
