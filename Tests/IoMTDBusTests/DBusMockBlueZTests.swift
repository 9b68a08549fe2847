import IoMTLab
import IoMTDBus
import Testing

/// Interoperability with libdbus's marshaller (through dbus-python): python-dbusmock's BlueZ 5
/// template on a private bus, read and driven by our client.
enum DBusMock {
    /// The host's Python, which has the apt-installed dbus bindings and dbusmock.
    static let python = "/usr/bin/python3"
}

@Suite(.enabled(if: LabPrerequisite.dbusmock.shouldRun, "\(LabPrerequisite.dbusmock.skipNote)"))
struct DBusMockBlueZTests {
    /// Starts the mock on `bus` and waits until it owns org.bluez.
    private func startMock(on bus: PrivateBus, watcher: DBusConnection) async throws -> ChildProcess {
        try LabPrerequisite.dbusmock.require()
        let mock = try ChildProcess([DBusMock.python, "-m", "dbusmock", "--template", "bluez5", "--system"],
                                    extraEnvironment: ["DBUS_SYSTEM_BUS_ADDRESS": bus.address])
        if await Eventually.holds(within: 10, scaledByLoad: false, pollMilliseconds: 40, { (try? await watcher.nameOwner(of: "org.bluez")) != nil }) {
            return mock
        }
        mock.stop()
        throw TestFailure("python3 -m dbusmock did not take org.bluez within 10 s")
    }

    @Test func readsAdaptersAndDevicesFromTheBlueZMock() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let connection = try await bus.connect()
        defer { connection.close() }
        let mock = try await startMock(on: bus, watcher: connection)
        defer { mock.stop() }

        let objectManager = try await connection.subscribeObjectManager(sender: "org.bluez")
        let adapterPath = try await connection.call(destination: "org.bluez", path: "/org/bluez", interface: "org.bluez.Mock",
                                                    member: "AddAdapter", body: [.string("hci0"), .string("iomtd-gateway")])
        #expect(adapterPath == [.string("/org/bluez/hci0")])
        let added = try await requireSignal(objectManager)
        guard case .interfacesAdded(let path, let interfaces) = try #require(DBusObjectManagerSignal(added)) else {
            Issue.record("expected InterfacesAdded, got \(added)")
            return
        }
        #expect(path == "/org/bluez/hci0")
        #expect(interfaces["org.bluez.Adapter1"]?["Powered"] == .boolean(true))

        _ = try await connection.call(destination: "org.bluez", path: "/org/bluez", interface: "org.bluez.Mock", member: "AddDevice",
                                      body: [.string("hci0"), .string("AA:BB:CC:DD:EE:FF"), .string("Oximeter")])
        let objects = try await connection.managedObjects(destination: "org.bluez")
        let adapter = try #require(objects["/org/bluez/hci0"]?["org.bluez.Adapter1"])
        #expect(adapter["Address"] == .string("00:01:02:03:04:05"))
        #expect(adapter["UUIDs"]?.stringArrayValue?.contains("00001801-0000-1000-8000-00805f9b34fb") == true)
        let device = try #require(objects["/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"]?["org.bluez.Device1"])
        #expect(device["Address"] == .string("AA:BB:CC:DD:EE:FF"))
        #expect(device["Adapter"] == .objectPath("/org/bluez/hci0"))
        #expect(device["Alias"] == .string("Oximeter"))
        #expect(objects["/org/bluez"]?["org.bluez.AgentManager1"] != nil)
    }

    @Test func drivesAdapterMethodsPropertiesAndAgentRegistration() async throws {
        let bus = try await PrivateBus()
        defer { bus.stop() }
        let connection = try await bus.connect()
        defer { connection.close() }
        let mock = try await startMock(on: bus, watcher: connection)
        defer { mock.stop() }
        _ = try await connection.call(destination: "org.bluez", path: "/org/bluez", interface: "org.bluez.Mock", member: "AddAdapter",
                                      body: [.string("hci0"), .string("iomtd-gateway")])
        let adapter: DBusObjectPath = "/org/bluez/hci0"
        let remoteAdapter = DBusRemoteObject(connection, destination: "org.bluez", path: adapter)
        let changes = try await remoteAdapter.propertyChanges(of: "org.bluez.Adapter1")
        _ = try await remoteAdapter.call("org.bluez.Adapter1", "SetDiscoveryFilter", [.stringVariantDictionary(["Transport": .string("le")])])
        _ = try await remoteAdapter.call("org.bluez.Adapter1", "StartDiscovery")
        let change = try #require(DBusPropertiesChanged(try await requireSignal(changes)))
        #expect(change.interface == "org.bluez.Adapter1")
        #expect(change.changed["Discovering"] == .boolean(true))
        #expect(try await remoteAdapter.property("org.bluez.Adapter1", "Discovering") == .boolean(true))
        #expect(try await remoteAdapter.properties("org.bluez.Adapter1")["Powered"] == .boolean(true))
        // Set through Properties.Set, read back through libdbus.
        try await remoteAdapter.setProperty("org.bluez.Adapter1", "Alias", .string("iomtd"))
        #expect(try await remoteAdapter.property("org.bluez.Adapter1", "Alias") == .string("iomtd"))

        // A method the mock does not have: the error name comes from libdbus.
        await #expect(throws: DBusError.self) {
            do {
                _ = try await connection.call(destination: "org.bluez", path: adapter, interface: "org.bluez.Adapter1", member: "NoSuchMethod")
            } catch let error as DBusError {
                #expect(error.standardName == .unknownMethod)
                throw error
            }
        }

        // Register an exported Agent1 with the mock's AgentManager1 (it records the path).
        try connection.export(DBusObject(path: "/org/iomtd/agent", interfaces: [
            DBusInterface("org.bluez.Agent1", methods: [DBusMethod("Release") { _ in [] }]),
        ]))
        _ = try await connection.call(destination: "org.bluez", path: "/org/bluez", interface: "org.bluez.AgentManager1",
                                      member: "RegisterAgent", body: [.objectPath("/org/iomtd/agent"), .string("NoInputNoOutput")])
        _ = try await connection.call(destination: "org.bluez", path: "/org/bluez", interface: "org.bluez.AgentManager1",
                                      member: "RequestDefaultAgent", body: [.objectPath("/org/iomtd/agent")])
    }
}
