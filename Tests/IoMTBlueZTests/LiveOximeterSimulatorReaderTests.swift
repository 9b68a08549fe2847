import Foundation
import IoMTBlueZ
import IoMTCore
import IoMTDBus
import IoMTDrivers
import IoMTLab
import IoMTProfiles
import Testing

/// The gateway against `iomt-lab ble-sim --device lepu-pc60fw` / `jumper-jpd500f` without BlueZ: the simulator's
/// objects on a private bus are what bluetoothd would mirror after service discovery, so the gateway's connection plan
/// is made from them for the shipped profile, the planned characteristic is subscribed, and each notification goes to
/// the profile's reader, one second apart (one reporting window each). Over BlueZ: the vendor-oximeters phase of
/// scripts/ble-lab.
@Suite(.enabled(if: LabPrerequisite.dbusDaemon.shouldRun, "\(LabPrerequisite.dbusDaemon.skipNote)"))
struct LiveOximeterSimulatorReaderTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Expected: Sendable, CustomTestStringConvertible {
        let device: String
        /// Notifications the simulator sends in one pass of its fixture cases.
        let notifications: Int
        /// One line per reporting window, in order: what the fixture cases' descriptions say the device measured.
        let windows: [String]
        let events: [String]
        var testDescription: String { device }
    }

    static let devices = [
        Expected(device: "lepu-pc60fw", notifications: 5,
                 windows: ["SpO2 86, PR 112, PI 2.4", "SpO2 98, PR 75, PI 2.4", "SpO2 -, PR -", "SpO2 97, PR 70, PI 2.4"],
                 events: ["batteryLevel 3 of 3"]),
        Expected(device: "jumper-jpd500f", notifications: 4,
                 windows: ["SpO2 87, PR 104", "SpO2 -, PR -", "SpO2 99, PR 56", "SpO2 97, PR 60"], events: []),
    ]

    static func window(_ measurements: [DecodedMeasurement]) -> String {
        measurements.map { measurement in
            let label = switch measurement.type {
            case .spo2: "SpO2"
            case .pulseRateOximetry: "PR"
            case .perfusionIndex: "PI"
            default: "\(measurement.type)"
            }
            return "\(label) \(measurement.value?.description ?? "-")"
        }.joined(separator: ", ")
    }

    @Test(arguments: devices)
    func theGatewaysPlanAndReaderTurnTheSimulatorsNotificationsIntoItsReadings(_ expected: Expected) async throws {
        let device = try #require(BLESimulatedDevice(rawValue: expected.device), "ble-sim has no device \(expected.device)")
        let profile = try ProfileLoader(knownDriverIds: DriverRegistry.driverIds)
            .load(file: Self.repository.appendingPathComponent("DeviceProfiles/\(expected.device).json").path)
        var reader = try DriverRegistry.makeReader(for: profile)
        guard case let .gatt(gattProfile) = reader.needs else { Issue.record("\(expected.device) is not a GATT driver"); return }

        let directory = Self.repository.appendingPathComponent("Firmware-Fixtures/" + device.fixtureFolder).path
        let simulator = try BLEPeripheralSimulator(configuration: .init(device: device, adapter: "hci0", intervalMilliseconds: 20),
                                                   cases: try BLEFixtureLoader.load(directory: directory), fixtureDirectory: directory, log: { _ in })
        try await simulator.servedOnPrivateBus { server, client in
            let peer = server.uniqueName

            // The plan the gateway makes after service discovery: the live characteristic subscribed, the command
            // characteristic found (declared optional) and never written.
            let managed = try await client.managedObjects(destination: peer, path: simulator.layout.application)
            let services = BlueZObjectModel(objects: managed).gattServices(of: simulator.layout.application)
            let plan = try GATTConnectionPlan.make(profile: gattProfile, services: services)
            #expect(plan.subscriptions.count == 1 && plan.skipped.isEmpty && plan.writable.count == 1, "\(plan)")
            let subscription = try #require(plan.subscriptions.first)

            let start = Instant(millisecondsSinceEpoch: 1_796_000_000_000)
            var output = reader.handle(.linkUp, at: start)
            #expect(output.writes.isEmpty, "the live stream needs no command")
            let changes = try await client.subscribe(.signal(sender: peer, interface: DBusStandardInterface.properties, path: subscription.path))
            _ = try await client.call(destination: peer, path: subscription.path, interface: "org.bluez.GattCharacteristic1", member: "StartNotify")
            var received = 0
            while received < expected.notifications {
                let change = try #require(DBusPropertiesChanged(try await requireSignal(changes)))
                guard let value = change.changed["Value"]?.bytesValue else { continue }
                output.append(reader.handle(.value(characteristic: subscription.uuid, bytes: value), at: start.adding(milliseconds: Int64(received) * 1000)))
                received += 1
            }
            output.append(reader.handle(.linkDown, at: start.adding(milliseconds: Int64(received) * 1000)))

            let windows = Dictionary(grouping: output.measurements) { $0.takenAt ?? start }.sorted { $0.key < $1.key }.map { Self.window($0.value) }
            #expect(windows == expected.windows)
            #expect(output.events.compactMap { if case let .deviceInfo(key, value) = $0 { "\(key) \(value)" } else { nil } } == expected.events)
            #expect(!output.events.contains { if case .rejectedFrame = $0 { true } else { false } }, "\(output.events)")
        }
    }
}
