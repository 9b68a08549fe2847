import IoMTDBus

/// bluetoothd's side of the Serial Port Profile (doc/org.bluez.Profile.rst), played by the mock: the template records
/// `ProfileManager1.RegisterProfile`; the calls below make the mock — the owner of org.bluez, as bluetoothd is — call the
/// registered `Profile1` object, handing over one end of a socketpair as the connected RFCOMM socket.
extension BlueZMockBench {
    /// A RegisterProfile call the mock received.
    public struct RegisteredProfile: Sendable {
        public let path: DBusObjectPath
        public let uuid: String
        public let options: [String: DBusValue]
    }

    /// Every RegisterProfile call so far, oldest first.
    public func registeredProfiles() async throws -> [RegisteredProfile] {
        let calls = try await mockCall(BlueZMockBench.bluezRoot, "GetMethodCalls", [.string("RegisterProfile")]).first?.arrayValue ?? []
        return calls.compactMap { call -> RegisteredProfile? in
            // (t timestamp, av arguments): the arguments arrive wrapped in variants.
            guard case let .structure(fields) = call, fields.count == 2, let arguments = fields[1].arrayValue?.map({ $0.variantContent ?? $0 }),
                  arguments.count == 3, let path = arguments[0].objectPathValue, let uuid = arguments[1].stringValue else { return nil }
            var options: [String: DBusValue] = [:]
            for entry in arguments[2].arrayValue ?? [] {
                if case let .dictEntry(key, value) = entry, let name = key.stringValue { options[name] = value.variantContent ?? value }
            }
            return RegisteredProfile(path: path, uuid: uuid, options: options)
        }
    }

    /// bluetoothd hands `descriptor` (the test keeps its own copy) to the profile at `owner`/`profile` as the device's
    /// new connection: `Profile1.NewConnection(device, fd, {})`. A refusal comes back as the profile's D-Bus error.
    public func handOverConnection(_ descriptor: Int32, device: DBusObjectPath, owner: String, profile: DBusObjectPath) async throws {
        try await addProfileCaller()
        _ = try await control.call(.methodCall(destination: BlueZ.service, path: BlueZMockBench.bluezRoot, interface: Self.labInterface,
                                               member: "HandOverConnection",
                                               body: [.string(owner), .objectPath(profile), .objectPath(device), .unixFD(0)]),
                                   passing: [descriptor])
    }

    /// bluetoothd asks the profile to drop the device's connection: `Profile1.RequestDisconnection(device)`.
    public func requestDisconnection(device: DBusObjectPath, owner: String, profile: DBusObjectPath) async throws {
        try await addProfileCaller()
        try await mockCall(BlueZMockBench.bluezRoot, "RequestDisconnection", [.string(owner), .objectPath(profile), .objectPath(device)],
                           interface: Self.labInterface)
    }

    /// The SPP client role (`Device1.ConnectProfile`, doc/org.bluez.Device.rst): the device at `device` answers like one
    /// that is off or out of range — org.bluez.Error.Failed "br-connection-page-timeout" — unless a connection was armed
    /// (`armConnection`); an armed one is handed to its profile's `NewConnection` before ConnectProfile returns, as
    /// bluetoothd does once its RFCOMM link is up.
    public func serveConnectProfile(_ device: DBusObjectPath) async throws {
        let connect = """
            armed = getattr(self, 'lab_armed', [])
            if not armed:
                raise dbus.exceptions.DBusException('br-connection-page-timeout', name='org.bluez.Error.Failed')
            owner, profile, fd = armed.pop(0)
            dbus.Interface(self.connection.get_object(owner, profile), 'org.bluez.Profile1').NewConnection(
                dbus.ObjectPath('\(device.text)'), fd, dbus.Dictionary({}, signature='sv'))
            """
        try await mockCall(device, "AddMethod", [.string("org.bluez.Device1"), .string("ConnectProfile"), .string("s"), .string(""), .string(connect)])
        try await mockCall(device, "AddMethod", [.string("org.bluez.Device1"), .string("DisconnectProfile"), .string("s"), .string(""), .string("")])
        try await mockCall(device, "AddMethod", [.string(Self.labInterface), .string("ArmConnection"), .string("soh"), .string(""),
                                                 .string("self.lab_armed = getattr(self, 'lab_armed', []) + [(args[0], args[1], args[2])]")])
    }

    /// The next ConnectProfile on `device` succeeds: `descriptor` (the test keeps its own copy) becomes the connected
    /// RFCOMM socket handed to the profile at `owner`/`profile`.
    public func armConnection(_ descriptor: Int32, device: DBusObjectPath, owner: String, profile: DBusObjectPath) async throws {
        _ = try await control.call(.methodCall(destination: BlueZ.service, path: device, interface: Self.labInterface, member: "ArmConnection",
                                               body: [.string(owner), .objectPath(profile), .unixFD(0)]),
                                   passing: [descriptor])
    }

    static let bluezRoot: DBusObjectPath = "/org/bluez"
    static let labInterface = "org.iomtd.LabBluetoothd"

    private enum BlueZ { static let service = "org.bluez" }

    /// The mock methods that call the profile (added again harmlessly: AddMethod replaces a method of the same name).
    private func addProfileCaller() async throws {
        let profile = "dbus.Interface(self.connection.get_object(args[0], args[1]), 'org.bluez.Profile1')"
        try await mockCall(Self.bluezRoot, "AddMethod", [.string(Self.labInterface), .string("HandOverConnection"), .string("sooh"), .string(""),
            .string("\(profile).NewConnection(args[2], args[3], dbus.Dictionary({}, signature='sv'))")], interface: "org.freedesktop.DBus.Mock")
        try await mockCall(Self.bluezRoot, "AddMethod", [.string(Self.labInterface), .string("RequestDisconnection"), .string("soo"), .string(""),
            .string("\(profile).RequestDisconnection(args[2])")], interface: "org.freedesktop.DBus.Mock")
    }
}
