import IoMTCore
import IoMTDBus
import IoMTDrivers

/// Which BlueZ characteristic objects to read, subscribe to and write, for one profile on one
/// resolved device. Pure: built from the object model after ServicesResolved.
public struct GATTConnectionPlan: Sendable, Hashable {
    public struct Step: Sendable, Hashable {
        public let uuid: UInt16
        public let path: DBusObjectPath
    }

    public var reads: [Step] = []
    public var clockReads: [Step] = []
    public var subscriptions: [Step] = []
    /// Characteristic UUID → object path, for the writes `connected(at:)` returns.
    public var writable: [UInt16: DBusObjectPath] = [:]
    /// Current Time (0x2A2B) when the device offers it writable.
    public var currentTimeWritable: DBusObjectPath?
    /// Optional characteristics the device does not have (logged, skipped).
    public var skipped: [UInt16] = []

    /// Why a plan cannot be made.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// ServicesResolved is true but the profile's service is missing: BlueZ's GATT cache is stale
        /// (the device changed its database) or the device is not what the profile says.
        case serviceMissing(service: UInt16)
        case mandatoryCharacteristicMissing(service: UInt16, characteristic: UInt16)

        public var description: String {
            switch self {
            case let .serviceMissing(service): "service 0x\(GATTUUID.hex(service)) not found after service discovery"
            case let .mandatoryCharacteristicMissing(service, characteristic):
                "mandatory characteristic 0x\(GATTUUID.hex(characteristic)) of service 0x\(GATTUUID.hex(service)) not found"
            }
        }
    }

    public static func make(profile: GATTProfile, services: [BlueZGATTService]) throws(Problem) -> GATTConnectionPlan {
        guard let service = services.first(where: { GATTUUID.parse($0.uuid) == profile.service }) else {
            throw .serviceMissing(service: profile.service)
        }
        var byUUID: [UInt16: BlueZGATTCharacteristic] = [:]
        for characteristic in service.characteristics {
            if let uuid = GATTUUID.parse(characteristic.uuid), byUUID[uuid] == nil { byUUID[uuid] = characteristic }
        }
        // Clock characteristics live in the Current Time Service (0x1805) or the profile's own service.
        var clockByUUID: [UInt16: BlueZGATTCharacteristic] = [:]
        for other in services where GATTUUID.parse(other.uuid) == GATTService.currentTime || other.path == service.path {
            for characteristic in other.characteristics {
                if let uuid = GATTUUID.parse(characteristic.uuid), clockByUUID[uuid] == nil { clockByUUID[uuid] = characteristic }
            }
        }
        var plan = GATTConnectionPlan()
        for use in profile.characteristics {
            guard let found = byUUID[use.uuid] else {
                if use.isMandatory { throw .mandatoryCharacteristicMissing(service: profile.service, characteristic: use.uuid) }
                plan.skipped.append(use.uuid)
                continue
            }
            let step = Step(uuid: use.uuid, path: found.path)
            if use.access == .read { plan.reads.append(step) }
            if use.access.isSubscribed { plan.subscriptions.append(step) }
            if use.access.isWritten { plan.writable[use.uuid] = found.path }
        }
        for uuid in profile.clockCharacteristics {
            guard let found = clockByUUID[uuid] else { continue }
            if found.flags.contains("read") || found.flags.isEmpty { plan.clockReads.append(Step(uuid: uuid, path: found.path)) }
            if uuid == GATTCharacteristic.currentTime, found.flags.contains("write") || found.flags.contains("write-without-response") {
                plan.currentTimeWritable = found.path
            }
        }
        return plan
    }
}

/// Whether to set the device clock (write Current Time 0x2A2B): when it is unset, or off by more
/// than a minute (the tolerance the normaliser's clock correction covers without surprise).
public enum DeviceClockPolicy {
    public static let toleranceMilliseconds: Int64 = 60_000

    public static func shouldSet(_ clock: GATTCurrentTime, readAt: Instant, utcOffsetMinutes: Int) -> Bool {
        guard let offset = clock.clockOffsetMilliseconds(readAt: readAt, assumingUTCOffsetMinutes: utcOffsetMinutes) else { return true }
        return abs(offset) > toleranceMilliseconds
    }
}
