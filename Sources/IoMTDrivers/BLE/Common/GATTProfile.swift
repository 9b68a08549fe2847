/// What the BlueZ layer needs to know to run one Bluetooth SIG health profile: the service to find,
/// which characteristics to read once, which to subscribe to (and how), whether records are fetched
/// through the Record Access Control Point, and where the device clock lives.
public struct GATTProfile: Sendable, Hashable {
    /// The driver id profiles name (`"ble-blood-pressure"`).
    public let driverId: String
    public let name: String
    /// The primary service, advertised by the device (16-bit SIG UUID).
    public let service: UInt16
    /// The characteristic `iomtctl decode` and fixtures decode by default.
    public let mainMeasurement: UInt16
    public let characteristics: [GATTCharacteristicUse]
    /// True when stored records are requested with RACP writes (`GATTDriverSession.connected`).
    public let usesRecordAccessControlPoint: Bool
    /// Clock characteristics worth reading (Current Time of the Current Time Service, Date Time) to
    /// learn the device clock offset, in order of preference.
    public let clockCharacteristics: [UInt16]

    public func use(of characteristic: UInt16) -> GATTCharacteristicUse? { characteristics.first { $0.uuid == characteristic } }

    /// Characteristics to read once after connecting (features, static types), before subscribing.
    public var readOnce: [GATTCharacteristicUse] { characteristics.filter { $0.access == .read } }
    /// Characteristics whose notifications or indications must be enabled (CCCD write).
    public var subscriptions: [GATTCharacteristicUse] { characteristics.filter { $0.access.isSubscribed } }
    /// Characteristics the reader's `.write` commands go to (control points and plain write targets).
    public var writeTargets: [GATTCharacteristicUse] { characteristics.filter { $0.access.isWritten } }
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

    public let uuid: UInt16
    public let name: String
    public let access: Access
    /// Mandatory in the service specification; an optional one may be absent and is skipped.
    public let isMandatory: Bool

    public init(_ uuid: UInt16, _ name: String, _ access: Access, mandatory: Bool) {
        self.uuid = uuid; self.name = name; self.access = access; self.isMandatory = mandatory
    }
}

/// A value the BlueZ layer must write (WriteValue with a response), in order.
public struct GATTWrite: Sendable, Hashable {
    public let service: UInt16
    public let characteristic: UInt16
    public let value: [UInt8]
    public init(service: UInt16, characteristic: UInt16, value: [UInt8]) {
        self.service = service; self.characteristic = characteristic; self.value = value
    }
}

extension GATTProfile {
    /// Every profile this build knows, by driver id.
    public static let all: [GATTProfile] = [
        BloodPressureProfile.profile, PulseOximeterProfile.profile, HealthThermometerProfile.profile,
        WeightScaleProfile.profile, HeartRateProfile.profile, GlucoseProfile.profile,
    ]

    public static func byDriverId(_ id: String) -> GATTProfile? { all.first { $0.driverId == id } }

    static let clock: [UInt16] = [GATTCharacteristic.currentTime, GATTCharacteristic.dateTime]
}
