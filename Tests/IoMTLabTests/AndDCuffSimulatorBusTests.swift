import IoMTCore
import IoMTDBus
import IoMTLab
import Synchronization
import Testing

/// `iomt-lab ble-sim --device and-ua651ble` on the reference bus: an A&D cuff (DEVICES.md §3.2) — the BP service with a
/// Date Time it accepts writes on, its stored records indicated once, then the link dropped by the device itself.
@Suite(.enabled(if: LabPrerequisite.dbusDaemon.shouldRun, "\(LabPrerequisite.dbusDaemon.skipNote)"))
struct AndDCuffSimulatorBusTests {
    static let characteristic = "org.bluez.GattCharacteristic1"
    static let noOptions = DBusValue.stringVariantDictionary([:])

    /// The simulated cuff (Firmware-Fixtures/and-ua651ble as its stored records) exported on a private bus, with a client
    /// connection playing bluetoothd, its stored cases and its log lines so far.
    func withCuffOnABus(_ body: (BLEPeripheralSimulator, [BLEFixtureCase], DBusConnection, DBusConnection, () -> [String]) async throws -> Void) async throws {
        let directory = BLEFixtureReplayTests.fixtures(.andUA651BLE)
        let cases = try BLEFixtureLoader.load(directory: directory)
        let lines = Mutex<[String]>([])
        let simulator = try BLEPeripheralSimulator(configuration: .init(device: .andUA651BLE, adapter: "hci0", intervalMilliseconds: 20),
                                                   cases: cases, fixtureDirectory: directory, log: { line in lines.withLock { $0.append(line) } })
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let server = try await bus.connect(), client = try await bus.connect()
        defer { server.close(); client.close() }
        try await simulator.export(on: server)
        defer { Task { await simulator.stop() } }
        try await body(simulator, cases, server, client, { lines.withLock { $0 } })
    }

    @Test func theCuffTakesTheDateTimeWriteIndicatesItsStoredRecordsOnceThenDisconnects() async throws {
        try await withCuffOnABus { simulator, cases, server, client, lines in
            let layout = simulator.layout, peer = server.uniqueName
            let managed = try await client.managedObjects(destination: peer, path: layout.application)
            #expect(managed.compactMap { $0.value["org.bluez.GattService1"]?["UUID"]?.stringValue } == [BluetoothUUID(0x1810).description],
                    "the BP service alone: no Current Time Service")

            // The Date Time inside the BP service: 7 bytes, starting unset (2000-01-01), taking the central's time.
            let paths = layout.characteristicPaths(of: .andUA651BLE)
            let dateTime = try #require(paths[0x2A08])
            let before = try await client.call(destination: peer, path: dateTime, interface: Self.characteristic, member: "ReadValue", body: [Self.noOptions])
            #expect(before.first?.bytesValue.map { Array($0.prefix(4)) } == [0xD0, 0x07, 1, 1] && before.first?.bytesValue?.count == 7)
            let written: [UInt8] = [0xEA, 0x07, 12, 5, 8, 30, 15]
            _ = try await client.call(destination: peer, path: dateTime, interface: Self.characteristic, member: "WriteValue",
                                      body: [.byteArray(written), Self.noOptions])
            #expect(await simulator.clockWrites.map { [$0.year, $0.month, $0.day, $0.hour, $0.minute] } == [[2026, 12, 5, 8, 30]])
            await #expect(throws: DBusError.self, "a Current Time's 10 bytes are not a Date Time") {
                _ = try await client.call(destination: peer, path: dateTime, interface: Self.characteristic, member: "WriteValue",
                                          body: [.byteArray(written + [6, 0, 1]), Self.noOptions])
            }

            // Subscribed: every stored record once, in order, then the device ends the link.
            let measurement = try #require(paths[0x2A35])
            let changes = try await client.subscribe(.signal(sender: peer, interface: DBusStandardInterface.properties, path: measurement))
            _ = try await client.call(destination: peer, path: measurement, interface: Self.characteristic, member: "StartNotify")
            let stored = try #require(try BLEReplayPlan.sequences(device: .andUA651BLE, cases: cases, fixtureDirectory: "")[0x2A35]).cases
            #expect(stored.count == 4)
            var values: [[UInt8]] = []
            while values.count < stored.count {
                let change = try #require(DBusPropertiesChanged(try await requireSignal(changes)))
                if let value = change.changed["Value"]?.bytesValue { values.append(value) }
            }
            #expect(values == stored.map(\.value))
            // No bluetoothd here drops the subscription, so the cuff goes on with a second pass after its 1 s pause:
            // what is asserted is that its first disconnect came right after its 4 stored records, not how many
            // passes a loaded machine let it make before this line runs.
            _ = await Eventually.holds(within: 30, pollMilliseconds: 10) { await simulator.forcedDisconnects > 0 }
            let log = lines()
            let firstDisconnect = try #require(log.firstIndex { $0.hasPrefix("forcing disconnect") })
            #expect(log[firstDisconnect] == "forcing disconnect after \(stored.count) values")
            #expect(log[..<firstDisconnect].last == "all 4 stored records sent; the device disconnects")
        }
    }
}
