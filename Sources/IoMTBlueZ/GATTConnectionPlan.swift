import IoMTCore
import IoMTDBus
import IoMTDrivers
import IoMTProfiles

/// Which BlueZ characteristic objects to read, subscribe to and write, for one profile on one
/// resolved device. Pure: built from the object model after ServicesResolved.
public struct GATTConnectionPlan: Sendable, Hashable {
    public struct Step: Sendable, Hashable {
        public let uuid: BluetoothUUID
        public let path: DBusObjectPath
    }

    /// A characteristic of a service (the same characteristic UUID may appear in two services, RACP for one).
    public struct Target: Sendable, Hashable {
        public let service: BluetoothUUID
        public let characteristic: BluetoothUUID
        public init(service: BluetoothUUID, characteristic: BluetoothUUID) { self.service = service; self.characteristic = characteristic }
    }

    public var reads: [Step] = []
    public var clockReads: [Step] = []
    public var subscriptions: [Step] = []
    /// Service and characteristic → object path, for the writes the reader returns.
    public var writable: [Target: DBusObjectPath] = [:]
    /// Current Time (0x2A2B) when the device offers it writable.
    public var currentTimeWritable: DBusObjectPath?
    /// Date Time (0x2A08) inside one of the profile's own services, when the profile's quirks say the device stamps its
    /// records with it (`date-time-in-service`) and the device offers it writable.
    public var dateTimeInServiceWritable: DBusObjectPath?
    /// Optional characteristics the device does not have (logged, skipped).
    public var skipped: [BluetoothUUID] = []

    /// The object a reader's write goes to; nil when the device lacks it (an optional characteristic).
    public func target(of write: GATTWrite) -> DBusObjectPath? {
        writable[Target(service: write.service, characteristic: write.characteristic)]
    }

    /// Why a plan cannot be made.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// ServicesResolved is true but the profile's service is missing: BlueZ's GATT cache is stale
        /// (the device changed its database) or the device is not what the profile says.
        case serviceMissing(service: BluetoothUUID)
        case mandatoryCharacteristicMissing(service: BluetoothUUID, characteristic: BluetoothUUID)

        public var description: String {
            switch self {
            case let .serviceMissing(service): "service \(service.displayText) not found after service discovery"
            case let .mandatoryCharacteristicMissing(service, characteristic):
                "mandatory characteristic \(characteristic.displayText) of service \(service.displayText) not found"
            }
        }
    }

    /// Every service of the profile must be there (BlueZ reports UUIDs in the 128-bit form; compared as UUIDs).
    public static func make(profile: GATTProfile, services: [BlueZGATTService]) throws(Problem) -> GATTConnectionPlan {
        var plan = GATTConnectionPlan()
        var resolved: [BlueZGATTService] = []
        for declared in profile.services {
            guard let service = services.first(where: { BluetoothUUID(parsing: $0.uuid) == declared.uuid }) else {
                throw .serviceMissing(service: declared.uuid)
            }
            resolved.append(service)
            let byUUID = firstByUUID(service.characteristics)
            for use in declared.characteristics {
                guard let found = byUUID[use.uuid] else {
                    if use.isMandatory { throw .mandatoryCharacteristicMissing(service: declared.uuid, characteristic: use.uuid) }
                    plan.skipped.append(use.uuid)
                    continue
                }
                let step = Step(uuid: use.uuid, path: found.path)
                if use.access == .read { plan.reads.append(step) }
                if use.access.isSubscribed { plan.subscriptions.append(step) }
                if use.access.isWritten { plan.writable[Target(service: declared.uuid, characteristic: use.uuid)] = found.path }
            }
        }
        // A device stamping with a Date Time inside its health service: that clock is the one read (first) and written.
        if profile.quirks.contains(.dateTimeInService), let found = firstByUUID(resolved.flatMap(\.characteristics))[GATTCharacteristic.dateTime] {
            if found.flags.contains("read") || found.flags.isEmpty { plan.clockReads.append(Step(uuid: GATTCharacteristic.dateTime, path: found.path)) }
            if found.flags.contains("write") || found.flags.contains("write-without-response") { plan.dateTimeInServiceWritable = found.path }
        }
        // Clock characteristics live in the Current Time Service (0x1805) or one of the profile's own services.
        let clockServices = services.filter { BluetoothUUID(parsing: $0.uuid) == GATTService.currentTime } + resolved
        let clockByUUID = firstByUUID(clockServices.flatMap(\.characteristics))
        for uuid in profile.clockCharacteristics where !plan.clockReads.contains(where: { $0.uuid == uuid }) {
            guard let found = clockByUUID[uuid] else { continue }
            if found.flags.contains("read") || found.flags.isEmpty { plan.clockReads.append(Step(uuid: uuid, path: found.path)) }
            if uuid == GATTCharacteristic.currentTime, found.flags.contains("write") || found.flags.contains("write-without-response") {
                plan.currentTimeWritable = found.path
            }
        }
        return plan
    }

    private static func firstByUUID(_ characteristics: [BlueZGATTCharacteristic]) -> [BluetoothUUID: BlueZGATTCharacteristic] {
        var byUUID: [BluetoothUUID: BlueZGATTCharacteristic] = [:]
        for characteristic in characteristics {
            if let uuid = BluetoothUUID(parsing: characteristic.uuid), byUUID[uuid] == nil { byUUID[uuid] = characteristic }
        }
        return byUUID
    }
}
