import IoMTDBus

/// What the vendor-protocol peripherals (Contec spirometer, Omron cuff) do with BlueZ around a sync: advertise, stop
/// advertising, and drop their centrals' links (the device switching off after a sync).
enum BLEPeripheralLinks {
    static func setAdvertising(_ on: Bool, connection: DBusConnection, adapter: String, layout: BLEObjectLayout) async throws {
        let adapterObject = DBusRemoteObject(connection, destination: BlueZName.service, path: try DBusObjectPath("/org/bluez/" + adapter))
        _ = try await adapterObject.call(BlueZName.advertisingManager, on ? "RegisterAdvertisement" : "UnregisterAdvertisement",
                                         on ? [.objectPath(layout.advertisement), .stringVariantDictionary([:])] : [.objectPath(layout.advertisement)])
    }

    /// Device1.Disconnect on every connected device below the adapter.
    static func disconnectCentrals(connection: DBusConnection, adapter: String, log: @Sendable (String) -> Void) async {
        let adapterPath = DBusObjectPath(unchecked: "/org/bluez/" + adapter)
        guard let objects = try? await connection.managedObjects(destination: BlueZName.service) else { return }
        for (path, interfaces) in objects where path.isDescendant(of: adapterPath) && interfaces[BlueZName.device]?["Connected"]?.boolValue == true {
            log("Device1.Disconnect \(path) (sync over)")
            _ = try? await DBusRemoteObject(connection, destination: BlueZName.service, path: path).call(BlueZName.device, "Disconnect")
        }
    }

    static func unregisterApplication(connection: DBusConnection, adapter: String, layout: BLEObjectLayout) async {
        let adapterObject = DBusRemoteObject(connection, destination: BlueZName.service, path: DBusObjectPath(unchecked: "/org/bluez/" + adapter))
        _ = try? await adapterObject.call(BlueZName.gattManager, "UnregisterApplication", [.objectPath(layout.application)], timeoutMilliseconds: 2000)
    }
}
