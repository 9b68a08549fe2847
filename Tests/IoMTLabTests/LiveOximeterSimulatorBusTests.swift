import Foundation
import IoMTCore
import IoMTDBus
import IoMTLab
import Synchronization
import Testing

/// `iomt-lab ble-sim --device lepu-pc60fw` and `--device jumper-jpd500f` on the reference bus, driven as bluetoothd
/// drives them: their vendor service and characteristics (UUIDs and flags as DEVICES.md §2.4 / §2.5 and the drivers'
/// READMEs give them), the advertisement, a write on the command characteristic taken, and the captures of their
/// fixture folders notified in order once subscribed. Against BlueZ itself: the vendor-oximeters phase of scripts/ble-lab.
@Suite(.enabled(if: LabPrerequisite.dbusDaemon.shouldRun, "\(LabPrerequisite.dbusDaemon.skipNote)"))
struct LiveOximeterSimulatorBusTests {
    static let characteristic = "org.bluez.GattCharacteristic1"
    static let noOptions = DBusValue.stringVariantDictionary([:])

    /// What one device must serve, spelled as the published facts spell it (not taken from the simulator).
    struct Expected: Sendable, CustomTestStringConvertible {
        let device: String, service: String, notified: String, command: String
        /// The fixture cases notified in name order: every case of Firmware-Fixtures/<device> but the refused ones.
        let cases: [String]
        var testDescription: String { device }
    }

    static let devices = [
        Expected(device: "lepu-pc60fw", service: "6e400001-b5a3-f393-e0a9-e50e24dcca9e",
                 notified: "6e400003-b5a3-f393-e0a9-e50e24dcca9e", command: "6e400002-b5a3-f393-e0a9-e50e24dcca9e",
                 cases: ["live-low-saturation", "live-normal", "no-finger-zero", "two-frames-one-notification", "wave-frame-only"]),
        Expected(device: "jumper-jpd500f", service: "cdeacb80-5235-4c07-8846-93a37ee6b86d",
                 notified: "cdeacb81-5235-4c07-8846-93a37ee6b86d", command: "cdeacb82-5235-4c07-8846-93a37ee6b86d",
                 cases: ["live-low-saturation", "no-value-spo2-127", "real-capture-pr56-spo2-99", "two-frames-one-notification"]),
    ]

    /// A case's capture.hex, read here (hex bytes, `#` comments) rather than through the simulator's loader.
    static func capture(_ device: String, _ name: String) throws -> [UInt8] {
        let text = try String(contentsOfFile: BLEFixtureReplayTests.repositoryRoot
            .appendingPathComponent("Firmware-Fixtures/\(device)/\(name)/capture.hex").path, encoding: .utf8)
        return try text.split(separator: "\n").flatMap { line in
            try (line.split(separator: "#", omittingEmptySubsequences: false).first ?? "").split(separator: " ").map { token in
                try #require(UInt8(token, radix: 16), "\(device)/\(name)/capture.hex: \(token)")
            }
        }
    }

    @Test(arguments: devices)
    func servesItsVendorServiceTakesCommandsAndNotifiesItsCaptures(_ expected: Expected) async throws {
        let device = try #require(BLESimulatedDevice(rawValue: expected.device), "ble-sim has no device \(expected.device)")
        let directory = BLEFixtureReplayTests.fixtures(device)
        let lines = Mutex<[String]>([])
        let simulator = try BLEPeripheralSimulator(
            configuration: .init(device: device, adapter: "hci0", intervalMilliseconds: 20, disconnectAfter: expected.cases.count),
            cases: try BLEFixtureLoader.load(directory: directory), fixtureDirectory: directory, log: { line in lines.withLock { $0.append(line) } })
        try await simulator.servedOnPrivateBus { server, client in
            let layout = simulator.layout, peer = server.uniqueName

            // One primary service, the vendor's, and its two characteristics with the flags a central looks for.
            let managed = try await client.managedObjects(destination: peer, path: layout.application)
            let services = managed.filter { $0.value["org.bluez.GattService1"] != nil }
            #expect(services.map { $0.value["org.bluez.GattService1"]?["UUID"]?.stringValue } == [expected.service], "no Current Time Service")
            let servicePath = try #require(services.first?.key)
            let characteristics = Dictionary(uniqueKeysWithValues: managed.compactMap { path, interfaces in
                interfaces[Self.characteristic].map { ($0["UUID"]?.stringValue ?? "?", (path: path, properties: $0)) }
            })
            #expect(characteristics.mapValues { $0.properties["Flags"] } == [
                expected.notified: .stringArray(["notify"]),
                expected.command: .stringArray(["write", "write-without-response"]),
            ])
            #expect(characteristics.values.allSatisfy { $0.properties["Service"] == .objectPath(servicePath) })
            let notified = try #require(characteristics[expected.notified]?.path), command = try #require(characteristics[expected.command]?.path)

            // Advertised with its service; the name short enough to fit beside a 128-bit UUID in 31 bytes
            // (flags 3 + UUID list 18 + TX power 3 + name header 2 leaves 5).
            let advertisement = try await client.getAllProperties(destination: peer, path: layout.advertisement, interface: "org.bluez.LEAdvertisement1")
            #expect(advertisement["Type"] == .string("peripheral") && advertisement["ServiceUUIDs"] == .stringArray([expected.service]))
            let name = try #require(advertisement["LocalName"]?.stringValue)
            #expect(!name.isEmpty && name.utf8.count <= 5, "\(name)")

            // A command (here as a write without response, BlueZ's "type": "command") is taken and logged, not refused.
            _ = try await client.call(destination: peer, path: command, interface: Self.characteristic, member: "WriteValue",
                                      body: [.byteArray([0x55, 0xAA]), .stringVariantDictionary(["type": .string("command"),
                                                                                                  "device": .objectPath("/org/bluez/hci0/dev_X")])])
            #expect(lines.withLock { $0 }.contains { $0.hasPrefix("command written to") && $0.contains("55 aa") }, "\(lines.withLock { $0 })")
            await #expect(throws: DBusError.self, "the stream is not readable") {
                _ = try await client.call(destination: peer, path: notified, interface: Self.characteristic, member: "ReadValue", body: [Self.noOptions])
            }

            // Subscribed: every capture but the refused ones, in name order, then the forced disconnect after them.
            let changes = try await client.subscribe(.signal(sender: peer, interface: DBusStandardInterface.properties, path: notified))
            _ = try await client.call(destination: peer, path: notified, interface: Self.characteristic, member: "StartNotify")
            var values: [[UInt8]] = []
            while values.count < expected.cases.count {
                let change = try #require(DBusPropertiesChanged(try await requireSignal(changes)))
                if let value = change.changed["Value"]?.bytesValue { values.append(value) }
            }
            #expect(values == (try expected.cases.map { try Self.capture(expected.device, $0) }))
            _ = await Eventually.holds(within: 10, pollMilliseconds: 10) { await simulator.forcedDisconnects > 0 }
            #expect(lines.withLock { $0 }.contains("forcing disconnect after \(expected.cases.count) values"))
        }
    }
}
