import IoMTCore
import IoMTDBus

/// What the vendor request/answer simulators share (the Contec spirometer, the O2Ring): one service with a characteristic
/// the central writes requests to and one it subscribes to for the answers, an LE advertisement and the agent, served
/// through BlueZ; answers are notified in pieces; the link can be dropped from the peripheral side. The device logic stays
/// in its simulator, which hands `export` its write handler.
public actor VendorGATTPeripheral {
    nonisolated public let adapter: String
    nonisolated public let layout: BLEObjectLayout
    nonisolated let service: BluetoothUUID, request: BluetoothUUID, answer: BluetoothUUID
    nonisolated let requestFlags: [String]
    nonisolated let localName: String
    /// How the log names the service and characteristics ("FF12", "FF01", "FF02").
    nonisolated let names: (service: String, request: String, answer: String)
    private let log: @Sendable (String) -> Void
    private var connection: DBusConnection?
    private var advertising = false
    public private(set) var subscribed = false
    public private(set) var notificationsSent = 0

    public init(adapter: String, localName: String, service: BluetoothUUID, request: BluetoothUUID, requestFlags: [String],
                answer: BluetoothUUID, names: (service: String, request: String, answer: String), log: @escaping @Sendable (String) -> Void) {
        self.adapter = adapter; self.localName = localName; self.layout = BLEObjectLayout(adapter: adapter)
        self.service = service; self.request = request; self.requestFlags = requestFlags; self.answer = answer
        self.names = names; self.log = log
    }

    nonisolated public var services: [BLESimulatedService] {
        [BLESimulatedService(uuid: service, characteristics: [
            BLESimulatedCharacteristic(uuid: request, flags: requestFlags, source: .constant([])),
            BLESimulatedCharacteristic(uuid: answer, flags: ["notify"], source: .constant([])),
        ])]
    }

    nonisolated func path(_ uuid: BluetoothUUID) -> DBusObjectPath { layout.characteristic(uuid == request ? 0 : 1, ofService: 0) }

    /// Exports agent, application, service, both characteristics and the advertisement; each write goes to `written`.
    public func export(on connection: DBusConnection, written: @escaping @Sendable ([UInt8], [String: DBusValue]) async -> Void) throws {
        self.connection = connection
        try connection.export(BLEGATTObjects.agentObject(layout: layout, log: log))
        try connection.export(DBusObject(path: layout.application, interfaces: [], isObjectManager: true))
        let servicePath = layout.service(0)
        let characteristics = services[0].characteristics
        try connection.export(DBusObject(path: servicePath, interfaces: [
            DBusInterface(BlueZName.gattService, properties: BLEGATTObjects.serviceProperties(uuid: service, characteristics: characteristics.map { path($0.uuid) })),
        ]))
        for characteristic in characteristics {
            let methods = characteristic.uuid == request
                ? [DBusMethod("WriteValue", in: [DBusArgument("value", .array(.byte)), DBusArgument("options", BLEGATTObjects.optionsType)]) { call in
                       await written(call.arguments[0].bytesValue ?? [], call.arguments[1].stringVariantDictionary ?? [:])
                       return []
                   }]
                : [DBusMethod("StartNotify") { [weak self] _ in await self?.setSubscribed(true); return [] },
                   DBusMethod("StopNotify") { [weak self] _ in await self?.setSubscribed(false); return [] }]
            try connection.export(DBusObject(path: path(characteristic.uuid), interfaces: [
                DBusInterface(BlueZName.gattCharacteristic, methods: methods,
                              properties: BLEGATTObjects.characteristicProperties(characteristic, service: servicePath, value: [])),
            ]))
        }
        let log = self.log
        try connection.export(BLEGATTObjects.advertisementObject(layout: layout, localName: localName, serviceUUIDs: [service]) {
            log("advertisement released by BlueZ")
        })
    }

    /// Powers the adapter, registers agent and application (logging `registered` once done), then advertises. Returns the
    /// adapter address.
    @discardableResult
    public func register(registered: String) async throws -> String {
        guard let connection else { throw BLEFixtureError("export(on:) must run before registerWithBlueZ()") }
        let address = try await BLEGATTObjects.registerPeripheral(on: connection, adapter: adapter, layout: layout, log: log)
        log(registered)
        try await setAdvertising(true)
        return address
    }

    public func setAdvertising(_ on: Bool) async throws {
        guard let connection, advertising != on else { return }
        let adapterObject = DBusRemoteObject(connection, destination: BlueZName.service, path: try DBusObjectPath("/org/bluez/" + adapter))
        _ = try await adapterObject.call(BlueZName.advertisingManager, on ? "RegisterAdvertisement" : "UnregisterAdvertisement",
                                         on ? [.objectPath(layout.advertisement), .stringVariantDictionary([:])] : [.objectPath(layout.advertisement)])
        advertising = on
        log(on ? "advertisement registered: \"\(localName)\" service \(names.service)" : "advertisement unregistered")
    }

    func setSubscribed(_ on: Bool) {
        subscribed = on
        log(on ? "StartNotify \(names.answer)" : "StopNotify \(names.answer)")
        if let connection { try? connection.updateProperty(path: path(answer), interface: BlueZName.gattCharacteristic, name: "Notifying", value: .boolean(on)) }
    }

    /// Notifies `chunks` in order on the answer characteristic; false (logged) when not subscribed or a send failed.
    @discardableResult
    public func notify(_ chunks: [[UInt8]], describing what: String) -> Bool {
        guard let connection, !chunks.isEmpty else { return false }
        guard subscribed else { log("\(what) not sent: \(names.answer) not subscribed"); return false }
        for chunk in chunks {
            do {
                try connection.updateProperty(path: path(answer), interface: BlueZName.gattCharacteristic, name: "Value", value: .byteArray(chunk))
            } catch {
                log("sending \(names.answer) failed: \(error)")
                return false
            }
            notificationsSent += 1
        }
        return true
    }

    /// Drops every link below the adapter (`reason` logged: the device switching off, out of range), then advertises again.
    public func disconnectCentrals(reason: String) async {
        guard let connection else { return }
        try? await setAdvertising(false)
        let adapterPath = DBusObjectPath(unchecked: "/org/bluez/" + adapter)
        if let objects = try? await connection.managedObjects(destination: BlueZName.service) {
            for (path, interfaces) in objects where path.isDescendant(of: adapterPath) && interfaces[BlueZName.device]?["Connected"]?.boolValue == true {
                log("Device1.Disconnect \(path) (\(reason))")
                _ = try? await DBusRemoteObject(connection, destination: BlueZName.service, path: path).call(BlueZName.device, "Disconnect")
            }
        }
        try? await Task.sleep(for: .seconds(1))
        do { try await setAdvertising(true) } catch { log("re-registering the advertisement failed: \(error)") }
    }

    /// Stops advertising and unregisters the application.
    public func unregister() async {
        guard let connection else { return }
        try? await setAdvertising(false)
        let adapterObject = DBusRemoteObject(connection, destination: BlueZName.service, path: DBusObjectPath(unchecked: "/org/bluez/" + adapter))
        _ = try? await adapterObject.call(BlueZName.gattManager, "UnregisterApplication", [.objectPath(layout.application)], timeoutMilliseconds: 2000)
    }
}
