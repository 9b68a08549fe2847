import IoMTCore

/// What the BLE device simulator serves: one Bluetooth SIG health service (values replayed from
/// Firmware-Fixtures) plus the Current Time Service, laid out as BlueZ GATT application objects.

/// Where a characteristic's values come from.
public enum BLECharacteristicSource: Sendable, Hashable {
    /// Replayed from the fixture captures of this characteristic, in a loop, while a central is subscribed.
    case fixtures
    /// A constant value (feature characteristics).
    case constant([UInt8])
    /// The simulated device clock (Current Time 0x2A2B): readable, writable by the central.
    case currentTime
    /// The same clock as a Date Time (0x2A08, 7 bytes) inside the health service, readable and writable (A&D's cuffs).
    case dateTime
    /// A command characteristic: every write is accepted and logged, nothing is answered (a live oximeter streams
    /// without a command; iomtd never writes one).
    case acceptedCommands
}

public struct BLESimulatedCharacteristic: Sendable, Hashable {
    public let uuid: BluetoothUUID
    /// BlueZ GattCharacteristic1 Flags ("read", "write", "notify", "indicate", …).
    public let flags: [String]
    public let source: BLECharacteristicSource

    public init(uuid: BluetoothUUID, flags: [String], source: BLECharacteristicSource) {
        self.uuid = uuid; self.flags = flags; self.source = source
    }

    /// Sends fixture values as notifications or indications once subscribed.
    public var streamsFixtures: Bool { source == .fixtures && (flags.contains("notify") || flags.contains("indicate")) }
    public var kindOfUpdate: String { flags.contains("indicate") ? "indication" : "notification" }
}

public struct BLESimulatedService: Sendable, Hashable {
    public let uuid: BluetoothUUID
    public let characteristics: [BLESimulatedCharacteristic]
}

public enum BLESimulatedDevice: String, Sendable, CaseIterable {
    case bloodPressure = "blood-pressure"
    case pulseOximeter = "pulse-oximeter"
    /// A vendor protocol: the Nonin 3230's proprietary continuous oximetry (128-bit service, no Current Time Service).
    case nonin3230 = "nonin-3230"
    /// A&D's UA-651BLE (DEVICES.md §3.2): the standard BP service with a writable Date Time in it; it indicates its stored
    /// records (every case of Firmware-Fixtures/and-ua651ble once), then disconnects by itself and advertises again.
    case andUA651BLE = "and-ua651ble"
    /// Vendor live oximeters (LiveOximeterDevices.swift): Firmware-Fixtures/<device> replayed on their own 128-bit
    /// service once subscribed, a command characteristic that takes writes; no Current Time Service.
    case lepuPC60FW = "lepu-pc60fw"
    case jumperJPD500F = "jumper-jpd500f"

    /// Firmware-Fixtures/<folder> holds this device's captures; also the iomtd profile id.
    public var fixtureFolder: String { self == .bloodPressure || self == .pulseOximeter ? "ble-" + rawValue : rawValue }

    /// Sends its stored records once per connection, then drops the link itself (`disconnects-after-sending`).
    public var disconnectsAfterItsRecords: Bool { self == .andUA651BLE }

    public var primaryService: BluetoothUUID {
        switch self {
        case .bloodPressure, .andUA651BLE: 0x1810
        case .pulseOximeter: 0x1822
        case .nonin3230: Self.nonin3230Service
        case .lepuPC60FW: Self.nordicUARTService
        case .jumperJPD500F: Self.jumperService
        }
    }

    public var defaultLocalName: String {
        switch self {
        case .bloodPressure: "IoMT-Sim BPM"
        case .pulseOximeter: "IoMT-Sim PLX"
        case .andUA651BLE: "A&D_UA-651BLE"
        // The 3230 advertises "Nonin3230_<serial>"; with a 128-bit service UUID only a short name fits in 31 bytes.
        case .nonin3230: "Nonin"
        // The PC-60FW advertises "PC-60F_<serial>", too long beside its 128-bit UUID; the JPD-500F's name is not published.
        case .lepuPC60FW: "PC-60"
        case .jumperJPD500F: "JPD50"
        }
    }

    /// Blood Pressure Feature (BLS 1.1, GSS §3.30): body movement, cuff fit, irregular pulse, pulse rate
    /// range and measurement position detection — the status bits the fixtures exercise.
    public static let bloodPressureFeature: [UInt8] = [0x1F, 0x00]

    /// PLX Features (PLXS 1.0.1, GSS): measurement status, device and sensor status, spot-check timestamp,
    /// SpO2PR-Fast, SpO2PR-Slow, pulse amplitude index (0x007B; no spot-check storage, so no RACP);
    /// then Measurement Status Support (bits 5-15: 0xFFE0) and Device and Sensor Status Support (0x00FFFF).
    public static let pulseOximeterFeatures: [UInt8] = [0x7B, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0x00]

    /// Current Time Service 0x1805 with Current Time 0x2A2B (read, write, notify; CTS 1.1).
    public static let currentTimeService = BLESimulatedService(uuid: 0x1805, characteristics: [
        BLESimulatedCharacteristic(uuid: 0x2A2B, flags: ["read", "write", "notify"], source: .currentTime),
    ])

    /// Nonin Oximetry Service and its characteristics (Sources/IoMTDrivers/Nonin3230/README.md).
    public static let nonin3230Service: BluetoothUUID = "46a970e0-0d5f-11e2-8b5e-0002a5d5c51b"
    public static let nonin3230ContinuousOximetry: BluetoothUUID = "0aad7ea0-0d60-11e2-8e3c-0002a5d5c51b"
    public static let nonin3230ControlPoint: BluetoothUUID = "1447af80-0d60-11e2-88b6-0002a5d5c51b"

    /// A Bluetooth SIG health service as the fixtures serve it: the measurement indicated and its live companion
    /// (intermediate cuff pressure, continuous PLX) notified, both replayed from the fixtures; the feature read as a constant.
    static func healthService(_ uuid: BluetoothUUID, indicated: BluetoothUUID, notified: BluetoothUUID,
                              feature: (uuid: BluetoothUUID, value: [UInt8])) -> BLESimulatedService {
        BLESimulatedService(uuid: uuid, characteristics: [
            BLESimulatedCharacteristic(uuid: indicated, flags: ["indicate"], source: .fixtures),
            BLESimulatedCharacteristic(uuid: notified, flags: ["notify"], source: .fixtures),
            BLESimulatedCharacteristic(uuid: feature.uuid, flags: ["read"], source: .constant(feature.value)),
        ])
    }

    public var services: [BLESimulatedService] {
        switch self {
        case .bloodPressure:
            // Blood Pressure Measurement, Intermediate Cuff Pressure, Blood Pressure Feature.
            [Self.healthService(0x1810, indicated: 0x2A35, notified: 0x2A36, feature: (0x2A49, Self.bloodPressureFeature)), Self.currentTimeService]
        case .andUA651BLE:
            // No Current Time Service: the clock is the Date Time in the BP service (bluez issue #636's GATT dump).
            [BLESimulatedService(uuid: 0x1810, characteristics: [
                BLESimulatedCharacteristic(uuid: 0x2A35, flags: ["indicate"], source: .fixtures),
                BLESimulatedCharacteristic(uuid: 0x2A49, flags: ["read"], source: .constant(Self.bloodPressureFeature)),
                BLESimulatedCharacteristic(uuid: 0x2A08, flags: ["read", "write"], source: .dateTime),
            ])]
        case .pulseOximeter:
            // PLX Spot-check Measurement, PLX Continuous Measurement, PLX Features.
            [Self.healthService(0x1822, indicated: 0x2A5E, notified: 0x2A5F, feature: (0x2A60, Self.pulseOximeterFeatures)), Self.currentTimeService]
        case .nonin3230:
            // The control point answers nothing here: iomtd's driver never writes it.
            [BLESimulatedService(uuid: Self.nonin3230Service, characteristics: [
                BLESimulatedCharacteristic(uuid: Self.nonin3230ContinuousOximetry, flags: ["notify"], source: .fixtures),
                BLESimulatedCharacteristic(uuid: Self.nonin3230ControlPoint, flags: ["write"], source: .constant([])),
            ])]
        case .lepuPC60FW: [Self.lepuPC60FWService]
        case .jumperJPD500F: [Self.jumperJPD500FService]
        }
    }

    public var characteristics: [BLESimulatedCharacteristic] { services.flatMap(\.characteristics) }
    public var streamingCharacteristics: [BluetoothUUID] { characteristics.filter(\.streamsFixtures).map(\.uuid) }
}
