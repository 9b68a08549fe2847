import IoMTCore
import IoMTProfiles

/// What the BlueZ layer needs to know to run a device over GATT: the services to find, which characteristics of each
/// to read once, which to subscribe to (and how), which to write, and where the device clock lives. SIG profiles
/// declare one service; a device read through several profiles on one connection (`GATTProfile.combining`) has several.
public struct GATTProfile: Sendable, Hashable {
    /// The driver id profiles name (`"ble-blood-pressure"`).
    public let driverId: String
    /// "Blood Pressure Service (0x1810)".
    public let name: String
    /// The services, the first one advertised by the device (discovery is filtered to it).
    public let services: [GATTServiceUse]
    /// The characteristic `iomtctl decode` and fixtures decode by default.
    public let mainMeasurement: BluetoothUUID
    /// Clock characteristics worth reading (Current Time of the Current Time Service, Date Time) to
    /// learn the device clock offset, in order of preference.
    public let clockCharacteristics: [BluetoothUUID]
    /// What the connection does differently for the device model (its profile's `bluetoothQuirks`): the BlueZ layer
    /// honours them for any reader, so they travel with the reader's need rather than with the decoder.
    public private(set) var quirks: Set<BluetoothQuirk> = []

    /// One service. `main`: the characteristic decoded by default (default: the first subscribed one); `clock`: the
    /// clock characteristics to read (default: Current Time, then Date Time).
    public init(driverId: String, name: String, service: BluetoothUUID, _ characteristics: [GATTCharacteristicUse],
                main: BluetoothUUID? = nil, clock: [BluetoothUUID] = GATTProfile.standardClock) {
        self.init(driverId: driverId, name: "\(name) (\(service.displayText))", services: [GATTServiceUse(uuid: service, characteristics: characteristics)],
                  main: main, clock: clock)
    }

    public init(driverId: String, name: String, services: [GATTServiceUse], main: BluetoothUUID? = nil, clock: [BluetoothUUID]) {
        self.driverId = driverId; self.name = name; self.services = services; self.clockCharacteristics = clock
        let all = services.flatMap(\.characteristics)
        mainMeasurement = main ?? (all.first { $0.access.isSubscribed } ?? all.first)?.uuid ?? services.first?.uuid ?? BluetoothUUID(0)
    }

    /// The same need with a device model's quirks.
    public func with(quirks: Set<BluetoothQuirk>) -> GATTProfile {
        var profile = self
        profile.quirks = quirks
        return profile
    }

    /// The first (advertised) service.
    public var service: BluetoothUUID { services.first?.uuid ?? BluetoothUUID(0) }
    /// Every characteristic of every service, in declaration order.
    public var characteristics: [GATTCharacteristicUse] { services.flatMap(\.characteristics) }
    /// True when stored records are requested with RACP writes (`GATTDriverSession.connected`).
    public var usesRecordAccessControlPoint: Bool { use(of: GATTCharacteristic.recordAccessControlPoint) != nil }

    public func use(of characteristic: BluetoothUUID) -> GATTCharacteristicUse? { characteristics.first { $0.uuid == characteristic } }

    /// Characteristics to read once after connecting (features, static types), before subscribing.
    public var readOnce: [GATTCharacteristicUse] { characteristics.filter { $0.access == .read } }
    /// Characteristics whose notifications or indications must be enabled (CCCD write).
    public var subscriptions: [GATTCharacteristicUse] { characteristics.filter { $0.access.isSubscribed } }
    /// Characteristics the reader's `.write` commands go to (control points and plain write targets).
    public var writeTargets: [GATTCharacteristicUse] { characteristics.filter { $0.access.isWritten } }

    /// Current Time (Current Time Service), then Date Time: what the SIG health profiles read to learn the device clock.
    public static let standardClock: [BluetoothUUID] = [GATTCharacteristic.currentTime, GATTCharacteristic.dateTime]
}

/// One service of a profile and the characteristics used in it.
public struct GATTServiceUse: Sendable, Hashable {
    public let uuid: BluetoothUUID
    public let characteristics: [GATTCharacteristicUse]
    public init(uuid: BluetoothUUID, characteristics: [GATTCharacteristicUse]) { self.uuid = uuid; self.characteristics = characteristics }
}

public struct GATTCharacteristicUse: Sendable, Hashable {
    public enum Access: String, Sendable, Hashable {
        /// Enable notifications (CCCD 0x0001).
        case notify
        /// Enable indications (CCCD 0x0002); the sensor waits for each confirmation.
        case indicate
        /// Read the value once after connecting.
        case read
        /// A control point: enable indications, then write requests to it.
        case controlPoint = "control-point"
        /// Only written to (a vendor command characteristic whose answers come on another, notified one).
        case write

        /// Notifications or indications are enabled on it.
        public var isSubscribed: Bool { self == .notify || self == .indicate || self == .controlPoint }
        /// The reader's `.write` commands may target it.
        public var isWritten: Bool { self == .controlPoint || self == .write }
    }

    public let uuid: BluetoothUUID
    public let name: String
    public let access: Access
    /// Mandatory in the service specification; an optional one may be absent and is skipped.
    public let isMandatory: Bool

    /// `name`: defaults to the SIG name of an assigned number (`GATTCharacteristic.names`).
    public init(_ uuid: BluetoothUUID, _ access: Access, optional: Bool = false, name: String? = nil) {
        self.uuid = uuid; self.access = access; self.isMandatory = !optional
        self.name = name ?? GATTCharacteristic.names[uuid] ?? uuid.shortText
    }
}

/// A value the BlueZ layer must write (WriteValue with a response), in order.
public struct GATTWrite: Sendable, Hashable {
    public let service: BluetoothUUID
    public let characteristic: BluetoothUUID
    public let value: [UInt8]
    public init(service: BluetoothUUID, characteristic: BluetoothUUID, value: [UInt8]) {
        self.service = service; self.characteristic = characteristic; self.value = value
    }
}

extension GATTProfile {
    /// Every SIG profile this build knows, by driver id.
    public static let all: [GATTProfile] = GATTRegistration.decoders.map { $0.profile }

    public static func byDriverId(_ id: String) -> GATTProfile? { all.first { $0.driverId == id } }

    /// The profiles of one device read on one connection: their services (a service two profiles share is declared
    /// once, with the characteristics of both), the first profile's main measurement, the clock characteristics of all.
    public static func combining(_ profiles: [GATTProfile]) -> GATTProfile {
        guard profiles.count > 1 else { return profiles[0] }
        var services: [GATTServiceUse] = []
        for service in profiles.flatMap(\.services) {
            if let index = services.firstIndex(where: { $0.uuid == service.uuid }) {
                let known = Set(services[index].characteristics.map(\.uuid))
                services[index] = GATTServiceUse(uuid: service.uuid,
                                                 characteristics: services[index].characteristics + service.characteristics.filter { !known.contains($0.uuid) })
            } else {
                services.append(service)
            }
        }
        var clock: [BluetoothUUID] = []
        for uuid in profiles.flatMap(\.clockCharacteristics) where !clock.contains(uuid) { clock.append(uuid) }
        return GATTProfile(driverId: profiles.map(\.driverId).joined(separator: "+"), name: profiles.map(\.name).joined(separator: " + "),
                           services: services, main: profiles[0].mainMeasurement, clock: clock)
            .with(quirks: profiles.reduce(into: Set<BluetoothQuirk>()) { $0.formUnion($1.quirks) })
    }
}
