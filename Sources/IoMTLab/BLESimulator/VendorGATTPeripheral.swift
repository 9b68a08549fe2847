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
        try BLEPeripheralLinks.exportService(on: connection, layout: layout, service: service, characteristics: services[0].characteristics,
                                             localName: localName, log: log) { [request] characteristic in
            characteristic.uuid == request
                ? [DBusMethod("WriteValue", in: [DBusArgument("value", .array(.byte)), DBusArgument("options", BLEGATTObjects.optionsType)]) { call in
                       await written(call.arguments[0].bytesValue ?? [], call.arguments[1].stringVariantDictionary ?? [:])
                       return []
                   }]
                : [DBusMethod("StartNotify") { [weak self] _ in await self?.setSubscribed(true); return [] },
                   DBusMethod("StopNotify") { [weak self] _ in await self?.setSubscribed(false); return [] }]
        }
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
        try await BLEPeripheralLinks.setAdvertising(on, connection: connection, adapter: adapter, layout: layout)
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
        await BLEPeripheralLinks.disconnectCentrals(connection: connection, adapter: adapter, reason: reason, log: log)
        try? await Task.sleep(for: .seconds(1))
        do { try await setAdvertising(true) } catch { log("re-registering the advertisement failed: \(error)") }
    }

    /// Stops advertising and unregisters the application.
    public func unregister() async {
        guard let connection else { return }
        try? await setAdvertising(false)
        await BLEPeripheralLinks.unregisterApplication(connection: connection, adapter: adapter, layout: layout)
    }
}

extension VendorGATTPeripheral {
    /// The Contec BLE service FF12 (the spirometer, the SleepO2, the PO60): FF01 written with response, FF02 notified.
    static func contecFF12(adapter: String, localName: String, log: @escaping @Sendable (String) -> Void) -> VendorGATTPeripheral {
        VendorGATTPeripheral(adapter: adapter, localName: localName, service: 0xFF12, request: 0xFF01, requestFlags: ["write"],
                             answer: 0xFF02, names: ("FF12", "FF01", "FF02"), log: log)
    }
}
