import IoMTCore
import IoMTDBus

/// What the vendor-protocol peripherals (Contec spirometer, O2Ring through `VendorGATTPeripheral`, Omron cuff) do with
/// BlueZ: export their one service, advertise, stop advertising, drop their centrals' links, unregister.
enum BLEPeripheralLinks {
    static func setAdvertising(_ on: Bool, connection: DBusConnection, adapter: String, layout: BLEObjectLayout) async throws {
        let adapterObject = DBusRemoteObject(connection, destination: BlueZName.service, path: try DBusObjectPath("/org/bluez/" + adapter))
        _ = try await adapterObject.call(BlueZName.advertisingManager, on ? "RegisterAdvertisement" : "UnregisterAdvertisement",
                                         on ? [.objectPath(layout.advertisement), .stringVariantDictionary([:])] : [.objectPath(layout.advertisement)])
    }

    /// Device1.Disconnect on every connected device below the adapter (`reason` logged: the device switching off after a
    /// sync, out of range).
    static func disconnectCentrals(connection: DBusConnection, adapter: String, reason: String, log: @Sendable (String) -> Void) async {
        let adapterPath = DBusObjectPath(unchecked: "/org/bluez/" + adapter)
        guard let objects = try? await connection.managedObjects(destination: BlueZName.service) else { return }
        for (path, interfaces) in objects where path.isDescendant(of: adapterPath) && interfaces[BlueZName.device]?["Connected"]?.boolValue == true {
            log("Device1.Disconnect \(path) (\(reason))")
            _ = try? await DBusRemoteObject(connection, destination: BlueZName.service, path: path).call(BlueZName.device, "Disconnect")
        }
    }

    static func unregisterApplication(connection: DBusConnection, adapter: String, layout: BLEObjectLayout) async {
        let adapterObject = DBusRemoteObject(connection, destination: BlueZName.service, path: DBusObjectPath(unchecked: "/org/bluez/" + adapter))
        _ = try? await adapterObject.call(BlueZName.gattManager, "UnregisterApplication", [.objectPath(layout.application)], timeoutMilliseconds: 2000)
    }

    /// Exports a one-service vendor peripheral: the agent, the application, the service with its characteristics (at
    /// `layout.characteristic(i, ofService: 0)` in the order given; each with the methods `methods` gives it) and the
    /// advertisement naming the service.
    static func exportService(on connection: DBusConnection, layout: BLEObjectLayout, service: BluetoothUUID,
                              characteristics: [BLESimulatedCharacteristic], localName: String, log: @escaping @Sendable (String) -> Void,
                              methods: (BLESimulatedCharacteristic) -> [DBusMethod]) throws {
        try connection.export(BLEGATTObjects.agentObject(layout: layout, log: log))
        try connection.export(DBusObject(path: layout.application, interfaces: [], isObjectManager: true))
        let servicePath = layout.service(0)
        let paths = characteristics.indices.map { layout.characteristic($0, ofService: 0) }
        try connection.export(DBusObject(path: servicePath, interfaces: [
            DBusInterface(BlueZName.gattService, properties: BLEGATTObjects.serviceProperties(uuid: service, characteristics: paths)),
        ]))
        for (characteristic, path) in zip(characteristics, paths) {
            try connection.export(DBusObject(path: path, interfaces: [
                DBusInterface(BlueZName.gattCharacteristic, methods: methods(characteristic),
                              properties: BLEGATTObjects.characteristicProperties(characteristic, service: servicePath, value: [])),
            ]))
        }
        try connection.export(BLEGATTObjects.advertisementObject(layout: layout, localName: localName, serviceUUIDs: [service]) {
            log("advertisement released by BlueZ")
        })
    }
}
