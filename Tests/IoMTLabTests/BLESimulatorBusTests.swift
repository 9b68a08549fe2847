import IoMTCore
import IoMTDBus
import IoMTLab
import Synchronization
import Testing

/// The simulator's exported objects on the reference bus (a private dbus-daemon), driven the way
/// bluetoothd drives them: GetManagedObjects, ReadValue, WriteValue, StartNotify → PropertiesChanged.
/// Against BlueZ itself it runs in the VM lab (scripts/ble-lab/run.sh).
@Suite(.enabled(if: LabPrerequisite.dbusDaemon.shouldRun, "\(LabPrerequisite.dbusDaemon.skipNote)"))
struct BLESimulatorBusTests {
    static let characteristic = "org.bluez.GattCharacteristic1"
    static let noOptions = DBusValue.stringVariantDictionary([:])

    func makeSimulator(disconnectAfter: Int? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) throws -> BLEPeripheralSimulator {
        let directory = BLEFixtureReplayTests.fixtures(.bloodPressure)
        return try BLEPeripheralSimulator(configuration: .init(device: .bloodPressure, adapter: "hci0", intervalMilliseconds: 20,
                                                               disconnectAfter: disconnectAfter),
                                          cases: try BLEFixtureLoader.load(directory: directory), fixtureDirectory: directory, log: log)
    }

    @Test func applicationAdvertisementAndAgentAnswerLikeBlueZExpects() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let server = try await bus.connect(), client = try await bus.connect()
        defer { server.close(); client.close() }
        let simulator = try makeSimulator()
        try await simulator.export(on: server)
        defer { Task { await simulator.stop() } }
        let layout = simulator.layout, peer = server.uniqueName

        let managed = try await client.managedObjects(destination: peer, path: layout.application)
        let services = managed.compactMap { $0.value["org.bluez.GattService1"] }
        #expect(Set(services.compactMap { $0["UUID"]?.stringValue }) == [BluetoothUUID(0x1810).description, BluetoothUUID(0x1805).description])
        let characteristics = managed.compactMapValues { $0[Self.characteristic] }
        #expect(characteristics.count == 4)
        for (path, properties) in characteristics {
            let service = try #require(properties["Service"]?.objectPathValue)
            #expect(path.isDescendant(of: service) && managed[service]?["org.bluez.GattService1"] != nil)
        }
        let advertisement = try await client.getAllProperties(destination: peer, path: layout.advertisement, interface: "org.bluez.LEAdvertisement1")
        #expect(advertisement["Type"] == .string("peripheral") && advertisement["ServiceUUIDs"] == .stringArray(["1810"]))
        #expect(try await client.call(destination: peer, path: layout.agent, interface: "org.bluez.Agent1", member: "RequestAuthorization",
                                      body: [.objectPath("/org/bluez/hci0/dev_00_AA_01_01_00_01")]) == [])

        let paths = layout.characteristicPaths(of: .bloodPressure)
        let feature = try await client.call(destination: peer, path: try #require(paths[0x2A49]), interface: Self.characteristic,
                                            member: "ReadValue", body: [Self.noOptions])
        #expect(feature == [.byteArray(BLESimulatedDevice.bloodPressureFeature)])
        await #expect(throws: DBusError.self) {
            _ = try await client.call(destination: peer, path: try #require(paths[0x2A49]), interface: Self.characteristic,
                                      member: "WriteValue", body: [.byteArray([0]), Self.noOptions])
        }
    }

    /// A vendor device: the Nonin 3230's 128-bit service in BlueZ's spelling, advertised in full, and its continuous
    /// oximetry values replayed from Firmware-Fixtures/nonin-3230 (the refused cases left out) once subscribed.
    @Test func nonin3230ServesItsVendorServiceAndReplaysItsFixtures() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let server = try await bus.connect(), client = try await bus.connect()
        defer { server.close(); client.close() }
        let directory = BLEFixtureReplayTests.fixtures(.nonin3230)
        let cases = try BLEFixtureLoader.load(directory: directory)
        let simulator = try BLEPeripheralSimulator(configuration: .init(device: .nonin3230, adapter: "hci0", intervalMilliseconds: 20),
                                                   cases: cases, fixtureDirectory: directory, log: { _ in })
        try await simulator.export(on: server)
        defer { Task { await simulator.stop() } }
        let layout = simulator.layout, peer = server.uniqueName
        let managed = try await client.managedObjects(destination: peer, path: layout.application)
        #expect(managed.compactMap { $0.value["org.bluez.GattService1"]?["UUID"]?.stringValue } == ["46a970e0-0d5f-11e2-8b5e-0002a5d5c51b"])
        let advertisement = try await client.getAllProperties(destination: peer, path: layout.advertisement, interface: "org.bluez.LEAdvertisement1")
        #expect(advertisement["ServiceUUIDs"] == .stringArray(["46a970e0-0d5f-11e2-8b5e-0002a5d5c51b"]))

        let path = try #require(layout.characteristicPaths(of: .nonin3230)[BLESimulatedDevice.nonin3230ContinuousOximetry])
        let changes = try await client.subscribe(.signal(sender: peer, interface: DBusStandardInterface.properties, path: path))
        _ = try await client.call(destination: peer, path: path, interface: Self.characteristic, member: "StartNotify")
        let expected = try #require(try BLEReplayPlan.sequences(device: .nonin3230, cases: cases, fixtureDirectory: "")[BLESimulatedDevice.nonin3230ContinuousOximetry]).cases
        #expect(expected.count >= 5 && expected.allSatisfy { !$0.isRejected && $0.value.count == 10 })
        var values: [[UInt8]] = []
        while values.count < expected.count {
            let change = try #require(DBusPropertiesChanged(try await requireSignal(changes)))
            if let value = change.changed["Value"]?.bytesValue { values.append(value) }
        }
        #expect(values == expected.map(\.value))
    }

    @Test func currentTimeStartsUnsetAndRecordsTheCentralsWrite() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let server = try await bus.connect(), client = try await bus.connect()
        defer { server.close(); client.close() }
        let simulator = try makeSimulator()
        try await simulator.export(on: server)
        defer { Task { await simulator.stop() } }
        let path = try #require(simulator.layout.characteristicPaths(of: .bloodPressure)[0x2A2B])
        let peer = server.uniqueName
        let before = try await client.call(destination: peer, path: path, interface: Self.characteristic, member: "ReadValue", body: [Self.noOptions])
        #expect(before.first?.bytesValue.map { Array($0.prefix(4)) } == [0xD0, 0x07, 1, 1])
        let set = BLECurrentTime(year: 2026, month: 11, day: 24, hour: 9, minute: 30, second: 0, dayOfWeek: 2, adjustReason: 1)
        _ = try await client.call(destination: peer, path: path, interface: Self.characteristic, member: "WriteValue",
                                  body: [.byteArray(set.bytes), .stringVariantDictionary(["device": .objectPath("/org/bluez/hci0/dev_X")])])
        #expect(await simulator.clockWrites == [set])
        let after = try await client.call(destination: peer, path: path, interface: Self.characteristic, member: "ReadValue", body: [Self.noOptions])
        let read = try #require(after.first?.bytesValue.flatMap(BLECurrentTime.init(bytes:)))
        #expect(read.year == 2026 && read.month == 11 && read.day == 24 && read.hour == 9)
        // A value that is not 10 bytes is refused and not recorded.
        await #expect(throws: DBusError.self) {
            _ = try await client.call(destination: peer, path: path, interface: Self.characteristic, member: "WriteValue",
                                      body: [.byteArray([0xEA, 0x07]), Self.noOptions])
        }
        #expect(await simulator.clockWrites.count == 1)
    }

    @Test func startNotifyReplaysFixtureValuesInOrderThenForcesOneDisconnect() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let server = try await bus.connect(), client = try await bus.connect()
        defer { server.close(); client.close() }
        let lines = Mutex<[String]>([])
        let simulator = try makeSimulator(disconnectAfter: 3) { line in lines.withLock { $0.append(line) } }
        try await simulator.export(on: server)
        defer { Task { await simulator.stop() } }
        let path = try #require(simulator.layout.characteristicPaths(of: .bloodPressure)[0x2A35])
        let changes = try await client.subscribe(.signal(sender: server.uniqueName, interface: DBusStandardInterface.properties, path: path))
        _ = try await client.call(destination: server.uniqueName, path: path, interface: Self.characteristic, member: "StartNotify")
        var values: [[UInt8]] = []
        while values.count < 3 {
            let change = try #require(DBusPropertiesChanged(try await requireSignal(changes)))
            if let value = change.changed["Value"]?.bytesValue { values.append(value) }
        }
        let cases = try BLEReplayPlan.sequences(device: .bloodPressure, cases: try BLEFixtureLoader.load(directory: BLEFixtureReplayTests.fixtures(.bloodPressure)),
                                                fixtureDirectory: "")[0x2A35]!.cases
        #expect(values == cases.prefix(3).map(\.value))
        // After 3 values the simulator drops the central (no BlueZ here: no device to disconnect) …
        _ = await Eventually.holds(within: 5, pollMilliseconds: 10) { await simulator.forcedDisconnects > 0 }
        #expect(await simulator.forcedDisconnects == 1)
        // … subscriptions end by StopNotify (what BlueZ calls for a non-bonded central), not by the link …
        _ = try await client.call(destination: server.uniqueName, path: path, interface: Self.characteristic, member: "StopNotify")
        #expect(await simulator.subscriptions.isEmpty)
        // … and a re-subscription is counted and logged as such.
        _ = try await client.call(destination: server.uniqueName, path: path, interface: Self.characteristic, member: "StartNotify")
        #expect(await simulator.startNotifyCount == 2)
        #expect(lines.withLock { $0 }.contains { $0.hasPrefix("StartNotify 2A35 (subscription #2") })
        #expect(lines.withLock { $0 }.contains("forcing disconnect after 3 values"))
        #expect(await simulator.subscriptions == [0x2A35])
    }
}
