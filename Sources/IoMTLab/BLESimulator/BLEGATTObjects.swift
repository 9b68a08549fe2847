import IoMTCore
import IoMTDBus

/// BlueZ D-Bus names the peripheral side uses (BlueZ doc/org.bluez.*.rst, 5.66).
public enum BlueZName {
    public static let service = "org.bluez"
    public static let adapter = "org.bluez.Adapter1"
    public static let device = "org.bluez.Device1"
    public static let gattManager = "org.bluez.GattManager1"
    public static let gattService = "org.bluez.GattService1"
    public static let gattCharacteristic = "org.bluez.GattCharacteristic1"
    public static let advertisingManager = "org.bluez.LEAdvertisingManager1"
    public static let advertisement = "org.bluez.LEAdvertisement1"
    public static let agentManager = "org.bluez.AgentManager1"
    public static let agent = "org.bluez.Agent1"
}

/// Object paths of one simulator instance (one per adapter, so two can share a bus).
public struct BLEObjectLayout: Sendable, Hashable {
    public let base: String

    public init(adapter: String) { base = "/org/iomt/blesim/" + adapter }

    /// The GATT application root (an ObjectManager), registered with GattManager1.
    public var application: DBusObjectPath { DBusObjectPath(unchecked: base + "/app") }
    public var advertisement: DBusObjectPath { DBusObjectPath(unchecked: base + "/advertisement") }
    public var agent: DBusObjectPath { DBusObjectPath(unchecked: base + "/agent") }
    public func service(_ index: Int) -> DBusObjectPath { DBusObjectPath(unchecked: base + "/app/service\(index)") }
    public func characteristic(_ index: Int, ofService service: Int) -> DBusObjectPath {
        DBusObjectPath(unchecked: base + "/app/service\(service)/char\(index)")
    }

    /// Path of each characteristic of `device`, by UUID.
    public func characteristicPaths(of device: BLESimulatedDevice) -> [BluetoothUUID: DBusObjectPath] {
        var paths: [BluetoothUUID: DBusObjectPath] = [:]
        for (serviceIndex, service) in device.services.enumerated() {
            for (index, characteristic) in service.characteristics.enumerated() {
                paths[characteristic.uuid] = self.characteristic(index, ofService: serviceIndex)
            }
        }
        return paths
    }
}

extension DBusObjectPath {
    /// For paths built from constants and adapter names already checked by the CLI.
    init(unchecked text: String) {
        self = (try? DBusObjectPath(text)) ?? "/org/iomt/blesim/invalid"
    }
}

/// What the exported GATT objects call into (the simulator's state lives behind these).
public struct BLEGATTHandlers: Sendable {
    public var read: @Sendable (_ uuid: BluetoothUUID, _ options: [String: DBusValue]) async throws -> [UInt8]
    public var write: @Sendable (_ uuid: BluetoothUUID, _ value: [UInt8], _ options: [String: DBusValue]) async throws -> Void
    public var startNotify: @Sendable (_ uuid: BluetoothUUID) async -> Void
    public var stopNotify: @Sendable (_ uuid: BluetoothUUID) async -> Void
    public var confirm: @Sendable (_ uuid: BluetoothUUID) async -> Void

    public init(read: @escaping @Sendable (BluetoothUUID, [String: DBusValue]) async throws -> [UInt8],
                write: @escaping @Sendable (BluetoothUUID, [UInt8], [String: DBusValue]) async throws -> Void,
                startNotify: @escaping @Sendable (BluetoothUUID) async -> Void,
                stopNotify: @escaping @Sendable (BluetoothUUID) async -> Void,
                confirm: @escaping @Sendable (BluetoothUUID) async -> Void) {
        self.read = read; self.write = write; self.startNotify = startNotify; self.stopNotify = stopNotify; self.confirm = confirm
    }
}

/// Builds the objects BlueZ reads: GattService1 / GattCharacteristic1 below an ObjectManager root,
/// an LEAdvertisement1 and a NoInputNoOutput Agent1.
public enum BLEGATTObjects {
    static let optionsType = DBusType.array(.dictEntry(key: .string, value: .variant))

    public static func serviceProperties(uuid: BluetoothUUID, characteristics: [DBusObjectPath]) -> [DBusProperty] {
        [DBusProperty("UUID", .string(uuid.description)),
         DBusProperty("Primary", .boolean(true)),
         DBusProperty("Characteristics", .objectPathArray(characteristics))]
    }

    public static func characteristicProperties(_ characteristic: BLESimulatedCharacteristic, service: DBusObjectPath,
                                                value: [UInt8]) -> [DBusProperty] {
        var properties = [DBusProperty("UUID", .string(characteristic.uuid.description)),
                          DBusProperty("Service", .objectPath(service)),
                          DBusProperty("Flags", .stringArray(characteristic.flags)),
                          DBusProperty("Value", .byteArray(value))]
        if characteristic.flags.contains("notify") || characteristic.flags.contains("indicate") {
            properties.append(DBusProperty("Notifying", .boolean(false)))
        }
        return properties
    }

    /// LEAdvertisement1: connectable ("peripheral"), the primary service UUID, the local name.
    public static func advertisementProperties(localName: String, serviceUUIDs: [BluetoothUUID]) -> [DBusProperty] {
        [DBusProperty("Type", .string("peripheral")),
         DBusProperty("ServiceUUIDs", .stringArray(serviceUUIDs.map(\.shortText))),
         DBusProperty("LocalName", .string(localName)),
         DBusProperty("Includes", .stringArray(["tx-power"]))]
    }

    /// `ReadValue` honours the "offset" option (long reads).
    public static func applyReadOffset(_ value: [UInt8], options: [String: DBusValue]) throws -> [UInt8] {
        let offset = Int(options["offset"]?.integerValue ?? 0)
        guard offset <= value.count else {
            throw DBusMethodError(name: "org.bluez.Error.InvalidOffset", message: "offset \(offset) beyond \(value.count) bytes")
        }
        return Array(value.dropFirst(offset))
    }

    /// The application root first, then each service and characteristic (export in this order).
    public static func applicationObjects(device: BLESimulatedDevice, layout: BLEObjectLayout,
                                          initialValue: (BLESimulatedCharacteristic) -> [UInt8],
                                          handlers: BLEGATTHandlers) -> [DBusObject] {
        var objects = [DBusObject(path: layout.application, interfaces: [], isObjectManager: true)]
        for (serviceIndex, service) in device.services.enumerated() {
            let servicePath = layout.service(serviceIndex)
            let characteristicPaths = service.characteristics.indices.map { layout.characteristic($0, ofService: serviceIndex) }
            objects.append(DBusObject(path: servicePath, interfaces: [
                DBusInterface(BlueZName.gattService, properties: serviceProperties(uuid: service.uuid, characteristics: characteristicPaths)),
            ]))
            for (index, characteristic) in service.characteristics.enumerated() {
                let uuid = characteristic.uuid
                let methods = [
                    DBusMethod("ReadValue", in: [DBusArgument("options", optionsType)], out: [DBusArgument("value", .array(.byte))]) { call in
                        let options = call.arguments[0].stringVariantDictionary ?? [:]
                        return [.byteArray(try applyReadOffset(try await handlers.read(uuid, options), options: options))]
                    },
                    DBusMethod("WriteValue", in: [DBusArgument("value", .array(.byte)), DBusArgument("options", optionsType)]) { call in
                        try await handlers.write(uuid, call.arguments[0].bytesValue ?? [], call.arguments[1].stringVariantDictionary ?? [:])
                        return []
                    },
                    DBusMethod("StartNotify") { _ in await handlers.startNotify(uuid); return [] },
                    DBusMethod("StopNotify") { _ in await handlers.stopNotify(uuid); return [] },
                    // BlueZ calls Confirm (no reply expected) when the central confirms an indication.
                    DBusMethod("Confirm") { _ in await handlers.confirm(uuid); return [] },
                ]
                objects.append(DBusObject(path: characteristicPaths[index], interfaces: [
                    DBusInterface(BlueZName.gattCharacteristic, methods: methods,
                                  properties: characteristicProperties(characteristic, service: servicePath, value: initialValue(characteristic))),
                ]))
            }
        }
        return objects
    }

    public static func advertisementObject(layout: BLEObjectLayout, localName: String, serviceUUIDs: [BluetoothUUID],
                                           onRelease: @escaping @Sendable () -> Void) -> DBusObject {
        DBusObject(path: layout.advertisement, interfaces: [
            DBusInterface(BlueZName.advertisement, methods: [DBusMethod("Release") { _ in onRelease(); return [] }],
                          properties: advertisementProperties(localName: localName, serviceUUIDs: serviceUUIDs)),
        ])
    }

    /// Accepts every Just Works request: without an agent on the peripheral side, pairing fails with
    /// AuthenticationFailed.
    public static func agentObject(layout: BLEObjectLayout, log: @escaping @Sendable (String) -> Void) -> DBusObject {
        let device = DBusArgument("device", .objectPath)
        return DBusObject(path: layout.agent, interfaces: [
            DBusInterface(BlueZName.agent, methods: [
                DBusMethod("Release") { _ in [] },
                DBusMethod("RequestPinCode", in: [device], out: [DBusArgument("pincode", .string)]) { _ in [.string("000000")] },
                DBusMethod("DisplayPinCode", in: [device, DBusArgument("pincode", .string)]) { _ in [] },
                DBusMethod("RequestPasskey", in: [device], out: [DBusArgument("passkey", .uint32)]) { _ in [.uint32(0)] },
                DBusMethod("DisplayPasskey", in: [device, DBusArgument("passkey", .uint32), DBusArgument("entered", .uint16)]) { _ in [] },
                DBusMethod("RequestConfirmation", in: [device, DBusArgument("passkey", .uint32)]) { call in
                    log("agent: RequestConfirmation from \(call.arguments[0].objectPathValue?.text ?? "?") accepted")
                    return []
                },
                DBusMethod("RequestAuthorization", in: [device]) { call in
                    log("agent: RequestAuthorization from \(call.arguments[0].objectPathValue?.text ?? "?") accepted")
                    return []
                },
                DBusMethod("AuthorizeService", in: [device, DBusArgument("uuid", .string)]) { _ in [] },
                DBusMethod("Cancel") { _ in log("agent: Cancel"); return [] },
            ]),
        ])
    }
}

extension BLEGATTObjects {
    /// What every simulated peripheral does once its objects are exported: power the adapter, register its Just Works
    /// agent (default if BlueZ allows) and its GATT application. Returns the adapter's address.
    static func registerPeripheral(on connection: DBusConnection, adapter name: String, layout: BLEObjectLayout,
                                   log: @Sendable (String) -> Void) async throws -> String {
        let adapter = DBusRemoteObject(connection, destination: BlueZName.service, path: try DBusObjectPath("/org/bluez/" + name))
        try await adapter.setProperty(BlueZName.adapter, "Powered", .boolean(true))
        let address = try await adapter.property(BlueZName.adapter, "Address").stringValue ?? "?"
        log("adapter \(name) address \(address) powered")
        let manager = DBusRemoteObject(connection, destination: BlueZName.service, path: "/org/bluez")
        _ = try await manager.call(BlueZName.agentManager, "RegisterAgent", [.objectPath(layout.agent), .string("NoInputNoOutput")])
        do { _ = try await manager.call(BlueZName.agentManager, "RequestDefaultAgent", [.objectPath(layout.agent)]) } catch {
            log("agent: RequestDefaultAgent refused (\(error)); another agent is the default")
        }
        log("agent registered (NoInputNoOutput)")
        _ = try await adapter.call(BlueZName.gattManager, "RegisterApplication", [.objectPath(layout.application), .stringVariantDictionary([:])])
        return address
    }
}
