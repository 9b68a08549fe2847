import IoMTCore
import Foundation
import IoMTDBus

/// A Bluetooth LE health device served through BlueZ: GATT application, LE advertisement and agent
/// registered on one adapter; fixture values are replayed as notifications/indications while a central
/// is subscribed. Every event a test may assert on is logged as one line.
public actor BLEPeripheralSimulator {
    public struct Configuration: Sendable {
        public var device: BLESimulatedDevice
        public var adapter: String
        public var localName: String
        public var intervalMilliseconds: Int
        /// Forces one disconnect from the peripheral side after this many values, then keeps serving.
        public var disconnectAfter: Int?
        public var includeRejected: Bool

        public init(device: BLESimulatedDevice, adapter: String = "hci0", localName: String? = nil, intervalMilliseconds: Int = 1000,
                    disconnectAfter: Int? = nil, includeRejected: Bool = false) {
            self.device = device; self.adapter = adapter; self.localName = localName ?? device.defaultLocalName
            self.intervalMilliseconds = intervalMilliseconds; self.disconnectAfter = disconnectAfter; self.includeRejected = includeRejected
        }
    }

    nonisolated public let configuration: Configuration
    nonisolated public let layout: BLEObjectLayout
    private let log: @Sendable (String) -> Void
    private let startedAt = ContinuousClock.now
    private var sequences: [BluetoothUUID: BLEValueSequence]
    private let characteristicPaths: [BluetoothUUID: DBusObjectPath]
    private var clock: BLESimulatedClock
    private var connection: DBusConnection?
    private var subscribed: Set<BluetoothUUID> = []
    private var tasks: [Task<Void, Never>] = []
    private var advertising = false

    public private(set) var startNotifyCount = 0
    public private(set) var valuesSent = 0
    public private(set) var confirmations = 0
    public private(set) var clockWrites: [BLECurrentTime] = []
    /// What the central wrote to a command characteristic (`.acceptedCommands`), in order.
    public private(set) var commandsWritten: [[UInt8]] = []
    public private(set) var forcedDisconnects = 0

    public init(configuration: Configuration, cases: [BLEFixtureCase], fixtureDirectory: String,
                log: @escaping @Sendable (String) -> Void) throws(BLEFixtureError) {
        self.configuration = configuration
        self.layout = BLEObjectLayout(adapter: configuration.adapter)
        self.log = log
        self.sequences = try BLEReplayPlan.sequences(device: configuration.device, cases: cases,
                                                     includeRejected: configuration.includeRejected, fixtureDirectory: fixtureDirectory)
        self.characteristicPaths = layout.characteristicPaths(of: configuration.device)
        self.clock = BLESimulatedClock(setAtSeconds: 0)
    }

    private var elapsedSeconds: Double {
        let elapsed = ContinuousClock.now - startedAt
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    public var currentTime: BLECurrentTime { clock.now(atSeconds: elapsedSeconds) }
    public var subscriptions: Set<BluetoothUUID> { subscribed }

    // MARK: - Exporting (no BlueZ needed: tests drive the objects over a private bus)

    /// Exports the agent, the GATT application and the advertisement on `connection`, and starts replaying.
    public func export(on connection: DBusConnection) throws {
        self.connection = connection
        let handlers = BLEGATTHandlers(
            read: { [weak self] uuid, options in try await self?.read(uuid, options: options) ?? [] },
            write: { [weak self] uuid, value, options in try await self?.write(uuid, value: value, options: options) },
            startNotify: { [weak self] uuid in await self?.startNotify(uuid) },
            stopNotify: { [weak self] uuid in await self?.stopNotify(uuid) },
            confirm: { [weak self] uuid in await self?.confirmed(uuid) })
        let device = configuration.device
        let initial: (BLESimulatedCharacteristic) -> [UInt8] = { characteristic in
            switch characteristic.source {
            case .constant(let bytes): bytes
            case .currentTime: BLECurrentTime.unsetClock.bytes
            case .dateTime: Array(BLECurrentTime.unsetClock.bytes.prefix(7))
            case .fixtures, .acceptedCommands: []
            }
        }
        try connection.export(BLEGATTObjects.agentObject(layout: layout, log: log))
        for object in BLEGATTObjects.applicationObjects(device: device, layout: layout, initialValue: initial, handlers: handlers) {
            try connection.export(object)
        }
        let log = self.log
        try connection.export(BLEGATTObjects.advertisementObject(layout: layout, localName: configuration.localName,
                                                                 serviceUUIDs: [device.primaryService]) { log("advertisement released by BlueZ") })
        let interval = configuration.intervalMilliseconds
        tasks.append(Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(interval))
                await self?.tick()
            }
        })
    }

    // MARK: - Registering with BlueZ

    /// Powers the adapter, registers agent, application and advertisement. Returns the adapter address.
    @discardableResult
    public func registerWithBlueZ() async throws -> String {
        guard let connection else { throw BLEFixtureError("export(on:) must run before registerWithBlueZ()") }
        let adapterPath = try DBusObjectPath("/org/bluez/" + configuration.adapter)
        let address = try await BLEGATTObjects.registerPeripheral(on: connection, adapter: configuration.adapter, layout: layout, log: log)
        log("GATT application registered: services \(configuration.device.services.map(\.uuid.shortText).joined(separator: ", "))")
        try await registerAdvertisement()
        try await watchConnections(adapterPath: adapterPath)
        return address
    }

    private func registerAdvertisement() async throws {
        guard let connection, !advertising else { return }
        let adapter = DBusRemoteObject(connection, destination: BlueZName.service, path: try DBusObjectPath("/org/bluez/" + configuration.adapter))
        _ = try await adapter.call(BlueZName.advertisingManager, "RegisterAdvertisement", [.objectPath(layout.advertisement), .stringVariantDictionary([:])])
        advertising = true
        log("advertisement registered: \"\(configuration.localName)\" service \(configuration.device.primaryService.shortText)")
    }

    private func unregisterAdvertisement() async {
        guard let connection, advertising else { return }
        advertising = false
        let adapter = DBusRemoteObject(connection, destination: BlueZName.service, path: DBusObjectPath(unchecked: "/org/bluez/" + configuration.adapter))
        do { _ = try await adapter.call(BlueZName.advertisingManager, "UnregisterAdvertisement", [.objectPath(layout.advertisement)]) } catch {
            log("UnregisterAdvertisement failed: \(error)")
        }
    }

    /// Logs centrals connecting and disconnecting (Device1.Connected below our adapter).
    private func watchConnections(adapterPath: DBusObjectPath) async throws {
        guard let connection else { return }
        let changes = try await connection.subscribe(DBusMatchRule(sender: BlueZName.service, interface: DBusStandardInterface.properties,
                                                                   member: "PropertiesChanged", pathNamespace: adapterPath,
                                                                   arguments: [0: BlueZName.device]))
        let log = self.log
        tasks.append(Task {
            do {
                for try await signal in changes {
                    guard let change = DBusPropertiesChanged(signal), let connected = change.changed["Connected"]?.boolValue else { continue }
                    // Subscriptions follow BlueZ's StartNotify/StopNotify, not the link: BlueZ calls StopNotify when
                    // a non-bonded central goes, and keeps a bonded central's CCC (no new StartNotify on reconnect).
                    log("central \(change.path) \(connected ? "connected" : "disconnected")")
                }
            } catch {
                log("connection watch ended: \(error)")
            }
        })
    }

    // MARK: - GATT requests

    func read(_ uuid: BluetoothUUID, options: [String: DBusValue]) throws -> [UInt8] {
        let value: [UInt8]
        switch configuration.device.characteristics.first(where: { $0.uuid == uuid })?.source {
        case .constant(let bytes): value = bytes
        case .currentTime: value = currentTime.bytes
        case .dateTime: value = Array(currentTime.bytes.prefix(7))
        case .fixtures, .acceptedCommands, nil:
            throw DBusMethodError(name: "org.bluez.Error.NotPermitted", message: "\(uuid.shortText) is not readable")
        }
        log("ReadValue \(uuid.shortText) by \(Self.device(options)): \(Self.hex(value))")
        return value
    }

    func write(_ uuid: BluetoothUUID, value: [UInt8], options: [String: DBusValue]) throws {
        let source = configuration.device.characteristics.first(where: { $0.uuid == uuid })?.source
        if source == .acceptedCommands {
            commandsWritten.append(value)
            log("command written to \(uuid.shortText) by \(Self.device(options)): \(Self.hex(value)) (accepted, nothing answered); write #\(commandsWritten.count)")
            return
        }
        guard source == .currentTime || source == .dateTime else {
            throw DBusMethodError(name: "org.bluez.Error.NotPermitted", message: "\(uuid.shortText) is not writable")
        }
        // CTS 1.1: a value of the wrong length is answered with an error (here InvalidValueLength). A Date Time is 7 bytes.
        let (name, length) = source == .dateTime ? ("Date Time", 7) : ("Current Time", 10)
        guard value.count == length, let time = BLECurrentTime(bytes: source == .dateTime ? value + [0, 0, 0] : value) else {
            log("WriteValue \(uuid.shortText) refused: \(value.count) bytes, \(name) has \(length)")
            throw DBusMethodError(name: "org.bluez.Error.InvalidValueLength", message: "\(name) is \(length) bytes, got \(value.count)")
        }
        clock.set(time, atSeconds: elapsedSeconds)
        clockWrites.append(time)
        log("\(name.lowercased()) written by \(Self.device(options)): \(time) (day of week \(time.dayOfWeek), adjust reason \(time.adjustReason)); write #\(clockWrites.count)")
    }

    func startNotify(_ uuid: BluetoothUUID) {
        startNotifyCount += 1
        let fresh = subscribed.insert(uuid).inserted
        log("StartNotify \(uuid.shortText) (subscription #\(startNotifyCount)\(fresh ? "" : ", already subscribed"))")
        setNotifying(uuid, true)
    }

    func stopNotify(_ uuid: BluetoothUUID) {
        subscribed.remove(uuid)
        log("StopNotify \(uuid.shortText)")
        setNotifying(uuid, false)
    }

    func confirmed(_ uuid: BluetoothUUID) {
        confirmations += 1
    }

    private func setNotifying(_ uuid: BluetoothUUID, _ on: Bool) {
        guard let connection, let path = characteristicPaths[uuid] else { return }
        try? connection.updateProperty(path: path, interface: BlueZName.gattCharacteristic, name: "Notifying", value: .boolean(on))
    }

    // MARK: - Replay

    /// One value per subscribed streaming characteristic (in UUID order).
    func tick() async {
        guard let connection else { return }
        for uuid in subscribed.sorted() {
            guard var sequence = sequences[uuid], let path = characteristicPaths[uuid] else { continue }
            let next = sequence.next()
            sequences[uuid] = sequence
            do {
                try connection.updateProperty(path: path, interface: BlueZName.gattCharacteristic, name: "Value", value: .byteArray(next.value))
            } catch {
                log("sending \(uuid.shortText) failed: \(error)")
                continue
            }
            valuesSent += 1
            let kind = configuration.device.characteristics.first { $0.uuid == uuid }?.kindOfUpdate ?? "notification"
            log("sent \(uuid.shortText) \(kind) #\(valuesSent) case \(next.name): \(Self.hex(next.value))")
            if let limit = configuration.disconnectAfter, forcedDisconnects == 0, valuesSent >= limit {
                await forceDisconnect()
                return
            }
            // An A&D cuff: once every stored record went out (a full pass of its cases), it ends the link itself.
            if configuration.device.disconnectsAfterItsRecords, sequence.sentCount % sequence.cases.count == 0 {
                log("all \(sequence.cases.count) stored records sent; the device disconnects")
                await forceDisconnect()
                return
            }
        }
    }

    /// Drops the advertisement and the link from the peripheral side, then advertises again. Subscriptions
    /// end only by StopNotify (BlueZ sends it for a non-bonded central; a bonded one keeps its CCC).
    public func forceDisconnect() async {
        guard let connection else { return }
        forcedDisconnects += 1
        log("forcing disconnect after \(valuesSent) values")
        await unregisterAdvertisement()
        let adapterPath = DBusObjectPath(unchecked: "/org/bluez/" + configuration.adapter)
        do {
            let objects = try await connection.managedObjects(destination: BlueZName.service)
            for (path, interfaces) in objects.sorted(by: { $0.key < $1.key }) where path.isDescendant(of: adapterPath) {
                guard interfaces[BlueZName.device]?["Connected"]?.boolValue == true else { continue }
                log("Device1.Disconnect \(path)")
                do { _ = try await DBusRemoteObject(connection, destination: BlueZName.service, path: path).call(BlueZName.device, "Disconnect") } catch {
                    log("Disconnect \(path) failed: \(error)")
                }
            }
        } catch {
            log("forced disconnect: GetManagedObjects failed: \(error)")
        }
        try? await Task.sleep(for: .seconds(1))
        do { try await registerAdvertisement() } catch { log("re-registering the advertisement failed: \(error)") }
    }

    /// Stops replaying and unregisters from BlueZ (best effort).
    public func stop() async {
        tasks.forEach { $0.cancel() }
        tasks.removeAll()
        guard let connection else { return }
        await unregisterAdvertisement()
        let adapter = DBusRemoteObject(connection, destination: BlueZName.service, path: DBusObjectPath(unchecked: "/org/bluez/" + configuration.adapter))
        _ = try? await adapter.call(BlueZName.gattManager, "UnregisterApplication", [.objectPath(layout.application)], timeoutMilliseconds: 2000)
        log("stopped after \(valuesSent) values, \(startNotifyCount) StartNotify, \(clockWrites.count) clock writes")
    }

    static func device(_ options: [String: DBusValue]) -> String { options["device"]?.objectPathValue?.text ?? "?" }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined(separator: " ")
    }
}
