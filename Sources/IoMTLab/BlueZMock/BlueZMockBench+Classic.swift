import IoMTCore
import IoMTDBus

/// Bluetooth Classic on the mock: a BR/EDR device (Class of Device, SDP service UUIDs), legacy PIN pairing through the
/// gateway's agent, and the discovery filters the gateway set.
extension BlueZMockBench {
    /// A Classic device as bluetoothd lists it after inquiry and SDP: `uuids` (e.g. the Serial Port Profile) and
    /// `deviceClass` (0: none reported).
    public func addClassicDevice(_ address: String, name: String, uuids: [String], deviceClass: UInt32) async throws -> DBusObjectPath {
        let path = try await addDevice(address, name: name, uuids: uuids)
        try await mockCall(path, "UpdateProperties", [.string("org.bluez.Device1"), .stringVariantDictionary(["Class": .uint32(deviceClass)])])
        return path
    }

    /// The device as `iomtctl pair` leaves it: bonded and Trusted (iomtd reads a Classic link only from such a device).
    public func markPairedThroughGateway(_ device: DBusObjectPath) async throws {
        try await mockCall(device, "UpdateProperties", [.string("org.bluez.Device1"),
                                                        .stringVariantDictionary(["Paired": .boolean(true), "Trusted": .boolean(true)])])
    }

    /// Pair asks our agent (at `agentOwner`) for a legacy PIN code, like bluetoothd pairing a Classic device without
    /// Secure Simple Pairing; a different answer fails authentication.
    public func requirePinCode(_ device: DBusObjectPath, pin: String, agentOwner: String) async throws {
        let pair = """
            agent = dbus.Interface(self.connection.get_object('\(agentOwner)', '/org/iomtd/agent'), 'org.bluez.Agent1')
            if agent.RequestPinCode(dbus.ObjectPath('\(device.text)')) != '\(pin)':
                raise dbus.exceptions.DBusException('wrong PIN', name='org.bluez.Error.AuthenticationFailed')
            self.UpdateProperties('org.bluez.Device1', {'Paired': dbus.Boolean(True)})
            """
        try await mockCall(device, "AddMethod", [.string("org.bluez.Device1"), .string("Pair"), .string(""), .string(""), .string(pair)])
    }

    /// Every Adapter1.SetDiscoveryFilter the gateway called, oldest first (each filter's entries, variants unwrapped).
    public func discoveryFilters() async throws -> [[String: DBusValue]] {
        let calls = try await mockCall(adapter, "GetMethodCalls", [.string("SetDiscoveryFilter")]).first?.arrayValue ?? []
        return calls.compactMap { call -> [String: DBusValue]? in
            guard case let .structure(fields) = call, fields.count == 2, let arguments = fields[1].arrayValue?.map({ $0.variantContent ?? $0 }),
                  let filter = arguments.first else { return nil }
            var entries: [String: DBusValue] = [:]
            for entry in filter.arrayValue ?? [] {
                if case let .dictEntry(key, value) = entry, let name = key.stringValue { entries[name] = value.variantContent ?? value }
            }
            return entries
        }
    }
}
