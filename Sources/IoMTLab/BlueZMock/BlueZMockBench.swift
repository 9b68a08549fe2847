import IoMTCore
import IoMTDBus

/// python-dbusmock's BlueZ 5 template on a private dbus-daemon, with an adapter, one LE device
/// whose Connect/Disconnect/Pair behave like bluetoothd's (Connected, ServicesResolved, the agent
/// asked for a passkey), and GATT services/characteristics added as mock objects. Failures are
/// injected as mock methods that raise a BlueZ error for their first N calls.
public final class BlueZMockBench: Sendable {
    public static let python = "/usr/bin/python3"

    public let bus: PrivateDBusDaemon
    public let mock: LabChildProcess
    /// The test's own connection (drives the mock).
    public let control: DBusConnection
    public let adapter: DBusObjectPath = "/org/bluez/hci0"

    /// Starts the mock on `bus` (a new private bus when nil), so a test can start iomtd on the bus first.
    public init(on existingBus: PrivateDBusDaemon? = nil) async throws {
        try LabPrerequisite.dbusmock.require()
        if let existingBus { bus = existingBus } else { bus = try await PrivateDBusDaemon() }
        control = try await bus.connect(negotiateUnixFDs: true) // hands RFCOMM stand-ins to the mock (BlueZMockBench+SerialPort)
        mock = try LabChildProcess([Self.python, "-m", "dbusmock", "--template", "bluez5", "--system"],
                                extraEnvironment: ["DBUS_SYSTEM_BUS_ADDRESS": bus.address])
        var owned = false
        // 60 s: a bound for a broken mock only (success returns at once); python's start-up alone took over 10 s on a
        // loaded 2-core machine.
        for _ in 0..<1500 {
            if (try? await control.nameOwner(of: "org.bluez")) != nil { owned = true; break }
            try await Task.sleep(for: .milliseconds(40))
        }
        guard owned else { stop(); throw LabFailure("python3 -m dbusmock did not take org.bluez within 60 s") }
        _ = try await mockCall("/org/bluez", "AddAdapter", [.string("hci0"), .string("iomtd-test")], interface: "org.bluez.Mock")
    }

    public func stop() {
        control.close()
        mock.stop()
        bus.stop()
    }

    @discardableResult
    public func mockCall(_ path: DBusObjectPath, _ member: String, _ body: [DBusValue] = [],
                  interface: String = "org.freedesktop.DBus.Mock") async throws -> [DBusValue] {
        try await control.call(destination: "org.bluez", path: path, interface: interface, member: member, body: body)
    }

    public static func devicePath(_ address: String) -> DBusObjectPath {
        try! DBusObjectPath("/org/bluez/hci0/dev_" + String(address.map { $0 == ":" ? "_" : $0 }))
    }

    /// Adds the device and makes Connect set Connected + ServicesResolved (raising `connectError`
    /// for the first `failingConnects` calls), Disconnect clear them.
    public func addDevice(_ address: String, name: String, uuids: [String], failingConnects: Int = 0,
                   connectError: (name: String, message: String) = ("org.bluez.Error.InProgress", "Operation already in progress")) async throws -> DBusObjectPath {
        _ = try await mockCall("/org/bluez", "AddDevice", [.string("hci0"), .string(address), .string(name)], interface: "org.bluez.Mock")
        let path = Self.devicePath(address)
        try await mockCall(path, "UpdateProperties", [.string("org.bluez.Device1"), .stringVariantDictionary(["UUIDs": .stringArray(uuids)])])
        let connect = """
            self.n_connect = getattr(self, 'n_connect', 0) + 1
            if self.n_connect <= \(failingConnects):
                raise dbus.exceptions.DBusException('\(connectError.message)', name='\(connectError.name)')
            self.UpdateProperties('org.bluez.Device1', {'Connected': dbus.Boolean(True)})
            self.UpdateProperties('org.bluez.Device1', {'ServicesResolved': dbus.Boolean(True)})
            """
        try await mockCall(path, "AddMethod", [.string("org.bluez.Device1"), .string("Connect"), .string(""), .string(""), .string(connect)])
        let disconnect = "self.UpdateProperties('org.bluez.Device1', {'ServicesResolved': dbus.Boolean(False), 'Connected': dbus.Boolean(False)})"
        try await mockCall(path, "AddMethod", [.string("org.bluez.Device1"), .string("Disconnect"), .string(""), .string(""), .string(disconnect)])
        return path
    }

    /// Pair asks our agent (at `agentOwner`) for a passkey, like bluetoothd with a KeyboardDisplay agent.
    public func requirePasskey(_ device: DBusObjectPath, passkey: UInt32, agentOwner: String) async throws {
        let pair = """
            agent = dbus.Interface(self.connection.get_object('\(agentOwner)', '/org/iomtd/agent'), 'org.bluez.Agent1')
            if agent.RequestPasskey(dbus.ObjectPath('\(device.text)')) != \(passkey):
                raise dbus.exceptions.DBusException('wrong passkey', name='org.bluez.Error.AuthenticationFailed')
            self.UpdateProperties('org.bluez.Device1', {'Paired': dbus.Boolean(True)})
            """
        try await mockCall(device, "AddMethod", [.string("org.bluez.Device1"), .string("Pair"), .string(""), .string(""), .string(pair)])
    }

    public func addService(_ device: DBusObjectPath, index: Int, uuid: BluetoothUUID) async throws -> DBusObjectPath {
        let path = try DBusObjectPath(device.text + "/service\(Hex.word(UInt16(index)))")
        try await mockCall("/", "AddObject", [.objectPath(path), .string("org.bluez.GattService1"),
            .stringVariantDictionary(["UUID": .string(full(uuid)), "Primary": .boolean(true), "Device": .objectPath(device)]),
            .array(element: .structure([.string, .string, .string, .string]), [])])
        return path
    }

    /// A characteristic; StartNotify raises `startNotifyError` for its first `failingStartNotify` calls.
    /// `tickingClockOffsetSeconds`: ReadValue answers a Current Time (0x2A2B) value that ticks like a real device
    /// clock, UTC now plus the offset at the moment of the read (else it answers `readValue`, a clock that stands
    /// still, whose error then grows with however long the gateway takes to read it).
    public func addCharacteristic(_ service: DBusObjectPath, index: Int, uuid: BluetoothUUID, flags: [String], readValue: [UInt8] = [],
                                  tickingClockOffsetSeconds: Int? = nil, failingStartNotify: Int = 0) async throws -> DBusObjectPath {
        let path = try DBusObjectPath(service.text + "/char\(Hex.word(UInt16(index)))")
        let startNotify = """
            self.n_start = getattr(self, 'n_start', 0) + 1
            if self.n_start <= \(failingStartNotify):
                raise dbus.exceptions.DBusException('Operation already in progress', name='org.bluez.Error.InProgress')
            """
        var read = "ret = dbus.Array([\(readValue.map { "dbus.Byte(\($0))" }.joined(separator: ", "))], signature='y')"
        if let offset = tickingClockOffsetSeconds {
            // Date Time (year LE, month, day, hours, minutes, seconds), day of week unknown, fractions 0, adjust reason 0.
            read = """
                import time
                t = time.gmtime(time.time() + \(offset))
                ret = dbus.Array([dbus.Byte(b) for b in [t.tm_year & 0xFF, t.tm_year >> 8, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, 0, 0, 0]], signature='y')
                """
        }
        func method(_ name: String, _ inSig: String, _ outSig: String, _ code: String) -> DBusValue {
            .structure([.string(name), .string(inSig), .string(outSig), .string(code)])
        }
        try await mockCall("/", "AddObject", [.objectPath(path), .string("org.bluez.GattCharacteristic1"),
            .stringVariantDictionary(["UUID": .string(full(uuid)), "Service": .objectPath(service), "Flags": .stringArray(flags),
                                      "Value": .byteArray([]), "Notifying": .boolean(false)]),
            .array(element: .structure([.string, .string, .string, .string]), [
                method("StartNotify", "", "", startNotify), method("StopNotify", "", "", ""),
                method("ReadValue", "a{sv}", "ay", read), method("WriteValue", "aya{sv}", "", ""),
            ])])
        return path
    }

    /// A notification or indication: PropertiesChanged of Value on the characteristic.
    public func notify(_ characteristic: DBusObjectPath, _ value: [UInt8]) async throws {
        try await mockCall(characteristic, "EmitSignal", [.string("org.freedesktop.DBus.Properties"), .string("PropertiesChanged"),
            .string("sa{sv}as"), .array(element: .variant, [.variant(.string("org.bluez.GattCharacteristic1")),
                                                             .variant(.stringVariantDictionary(["Value": .byteArray(value)])),
                                                             .variant(.stringArray([]))])])
    }

    public func calls(_ path: DBusObjectPath, _ method: String) async throws -> Int {
        let body = try await mockCall(path, "GetMethodCalls", [.string(method)])
        return body.first?.arrayValue?.count ?? 0
    }

    /// The link drops (the sensor walked away): Connected and ServicesResolved become false.
    public func dropLink(_ device: DBusObjectPath) async throws {
        try await mockCall(device, "UpdateProperties", [.string("org.bluez.Device1"),
                                                        .stringVariantDictionary(["ServicesResolved": .boolean(false), "Connected": .boolean(false)])])
    }

    /// BlueZ forgets the device (as for a temporary device after discovery stops).
    public func removeDevice(_ device: DBusObjectPath) async throws {
        _ = try await control.call(destination: "org.bluez", path: adapter, interface: "org.bluez.Adapter1", member: "RemoveDevice",
                                   body: [.objectPath(device)])
    }

    /// The 128-bit form BlueZ reports.
    public func full(_ uuid: BluetoothUUID) -> String { uuid.description }
}


