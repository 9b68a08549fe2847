import Foundation
import IoMTCore
import IoMTDBus

/// `iomt-lab ble-sim --device omron-hem-7322t`: a simulated Omron HEM-7322T on the classic stack served through BlueZ —
/// the parent service with TX0–TX3 (write with response), RX0–RX3 (notify) and the unlock characteristic (write and
/// notify). `--device omron-hem-7155t-fe4a`: the HEM-7155T on FE4A firmware — service 0000fe4a-… with TX0, RX0 and the
/// unlock characteristic, answering the token instead of the key. `OmronCuffDevice` answers; each answer piece is notified on its RX channel in order. Starts in pairing mode
/// without a key (the first central programs one), holds `records` records of user 1 and `userTwoRecords` of user 2 (one
/// cuff, two people: the gateway binds each user on its own). Every event a test may assert on is logged as one line.
public actor OmronCuffPeripheral {
    public struct Configuration: Sendable {
        public var model = OmronCuffDevice.Model.hem7322T
        public var adapter = "hci0"
        public var localName = "BLEsmart_0000011F"
        public var records = 3
        /// Records of the cuff's second user (another person).
        public var userTwoRecords = 1
        /// Seconds the cuff's clock is off from the host's (negative: behind).
        public var clockOffsetSeconds = 0
        public var disconnectAfterSync = false
        /// After the sync with this number has ended, one new record of user 1 is stored.
        public var addRecordAfterSync: Int?
        public init() {}
    }

    static let (service, unlock) = (OmronCuffDevice.service, OmronCuffDevice.unlock)
    static let (transmit, receive) = (OmronCuffDevice.transmit, OmronCuffDevice.receive)

    nonisolated public let configuration: Configuration
    nonisolated public let layout: BLEObjectLayout
    private let log: @Sendable (String) -> Void
    private var device: OmronCuffDevice
    private var clock: BLESimulatedClock
    private var connection: DBusConnection?
    private var subscribed: Set<BluetoothUUID> = []
    private var advertising = false
    private var syncsEnded = 0
    private var notificationsSent = 0
    private var lastAnswer: Task<Void, Never>?

    public init(configuration: Configuration, log: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.layout = BLEObjectLayout(adapter: configuration.adapter)
        self.log = log
        clock = BLESimulatedClock(base: BLECurrentTime.hostClockNow().advanced(bySeconds: configuration.clockOffsetSeconds), setAtSeconds: Self.seconds())
        device = OmronCuffDevice(key: nil, model: configuration.model)
        device.pairingMode = true
        let now = clock.now(atSeconds: Self.seconds())
        for index in 0..<configuration.records {
            device.add(Self.record(user: 1, index: index, at: now.advanced(bySeconds: -600 * (configuration.records - index))))
        }
        for index in 0..<configuration.userTwoRecords {
            device.add(Self.record(user: 2, index: 7 + index, at: now.advanced(bySeconds: -300 * (configuration.userTwoRecords - index))))
        }
    }

    static func seconds() -> Double { Date().timeIntervalSinceReferenceDate }


    /// Values that differ per record, so the lab can tell records apart at DOM.
    static func record(user: Int, index: Int, at time: BLECurrentTime) -> OmronCuffDevice.Record {
        OmronCuffDevice.Record(user: user, systolic: 118 + 3 * index + 30 * (user - 1), diastolic: 76 + index, pulse: 64 + index, time: time)
    }

    public var storedRecords: [OmronCuffDevice.Record] { device.records }

    var characteristics: [BLESimulatedCharacteristic] { Self.characteristics(configuration.model) }

    /// RX before unlock before TX; the FE4A stack has one of each.
    static func characteristics(_ model: OmronCuffDevice.Model) -> [BLESimulatedCharacteristic] {
        guard !model.fe4a else {
            return [BLESimulatedCharacteristic(uuid: receive[0], flags: ["notify"], source: .constant([])),
                    BLESimulatedCharacteristic(uuid: unlock, flags: ["write", "write-without-response", "notify"], source: .constant([])),
                    BLESimulatedCharacteristic(uuid: transmit[0], flags: ["write", "write-without-response"], source: .constant([]))]
        }
        return receive.map { BLESimulatedCharacteristic(uuid: $0, flags: ["notify"], source: .constant([])) }
            + [BLESimulatedCharacteristic(uuid: unlock, flags: ["write", "notify"], source: .constant([]))]
            + transmit.map { BLESimulatedCharacteristic(uuid: $0, flags: ["write", "write-without-response"], source: .constant([])) }
    }

    private func path(_ uuid: BluetoothUUID) -> DBusObjectPath {
        layout.characteristic(characteristics.firstIndex { $0.uuid == uuid } ?? 0, ofService: 0)
    }

    // MARK: Exporting and registering

    public func export(on connection: DBusConnection) throws {
        self.connection = connection
        let options = BLEGATTObjects.optionsType
        try BLEPeripheralLinks.exportService(on: connection, layout: layout, service: configuration.model.fe4a ? OmronCuffDevice.fe4aService : Self.service,
                                             characteristics: characteristics,
                                             localName: configuration.localName, log: log) { characteristic in
            let uuid = characteristic.uuid
            var methods: [DBusMethod] = []
            if characteristic.flags.contains("write") {
                methods.append(DBusMethod("WriteValue", in: [DBusArgument("value", .array(.byte)), DBusArgument("options", options)]) { [weak self] call in
                    await self?.written(uuid, call.arguments[0].bytesValue ?? [])
                    return []
                })
            }
            if characteristic.flags.contains("notify") {
                methods.append(DBusMethod("StartNotify") { [weak self] _ in await self?.setSubscribed(uuid, true); return [] })
                methods.append(DBusMethod("StopNotify") { [weak self] _ in await self?.setSubscribed(uuid, false); return [] })
            }
            return methods
        }
    }

    @discardableResult
    public func registerWithBlueZ() async throws -> String {
        guard let connection else { throw BLEFixtureError("export(on:) must run before registerWithBlueZ()") }
        let address = try await BLEGATTObjects.registerPeripheral(on: connection, adapter: configuration.adapter, layout: layout, log: log)
        log(configuration.model.fe4a
            ? "GATT application registered: Omron FE4A service (TX0 write, RX0 notify, unlock: token); \(device.records.count) records stored"
            : "GATT application registered: Omron parent service (TX0-3 write, RX0-3 notify, unlock); pairing mode, no key; \(device.records.count) records stored")
        for record in device.records { log(Self.describe(record)) }
        try await setAdvertising(true)
        return address
    }

    private func setAdvertising(_ on: Bool) async throws {
        guard let connection, advertising != on else { return }
        try await BLEPeripheralLinks.setAdvertising(on, connection: connection, adapter: configuration.adapter, layout: layout)
        advertising = on
        log(on ? "advertisement registered: \"\(configuration.localName)\"" : "advertisement unregistered")
    }

    // MARK: GATT requests

    func setSubscribed(_ uuid: BluetoothUUID, _ on: Bool) {
        if on { subscribed.insert(uuid) } else { subscribed.remove(uuid) }
        log((on ? "StartNotify " : "StopNotify ") + Self.name(uuid))
        if let connection { try? connection.updateProperty(path: path(uuid), interface: BlueZName.gattCharacteristic, name: "Notifying", value: .boolean(on)) }
    }

    static func name(_ uuid: BluetoothUUID) -> String {
        if uuid == unlock { return "unlock" }
        if let index = transmit.firstIndex(of: uuid) { return "TX\(index)" }
        if let index = receive.firstIndex(of: uuid) { return "RX\(index)" }
        return uuid.description
    }

    /// A write to the unlock characteristic or a TX channel: acknowledged first, the answer notified after it, in order.
    func written(_ uuid: BluetoothUUID, _ value: [UInt8]) {
        var ended = false
        let (notifications, event) = device.written(uuid, value, now: clock.now(atSeconds: Self.seconds()))
        switch event {
        case nil:
            break
        case let .clockSet(time):
            clock.set(time, atSeconds: Self.seconds())
            log("clock set to \(time)")
        case .transaction("end"):
            syncsEnded += 1
            ended = true
            log("sync #\(syncsEnded) ended: \(device.records.count) records kept, unread user 1: \(device.unread(user: 1)), user 2: \(device.unread(user: 2))")
        case let event? where uuid == Self.unlock:
            // The key is never logged: only what happened.
            log("unlock request \(value.first.map { String($0) } ?? "?"): \(event)")
        case let event?:
            log("\(event)")
        }
        let previous = lastAnswer
        lastAnswer = Task { [weak self] in
            await previous?.value
            try? await Task.sleep(for: .milliseconds(10))
            for (characteristic, bytes) in notifications { await self?.notify(characteristic, bytes) }
            if ended { await self?.afterSync() }
        }
    }

    private func notify(_ uuid: BluetoothUUID, _ bytes: [UInt8]) {
        guard let connection else { return }
        guard subscribed.contains(uuid) else { log("\(Self.name(uuid)) answer not sent: not subscribed"); return }
        do {
            try connection.updateProperty(path: path(uuid), interface: BlueZName.gattCharacteristic, name: "Value", value: .byteArray(bytes))
            notificationsSent += 1
        } catch {
            log("sending \(Self.name(uuid)) failed: \(error)")
        }
    }

    private func afterSync() async {
        if let after = configuration.addRecordAfterSync, syncsEnded == after { addRecordNow() }
        if configuration.disconnectAfterSync {
            try? await Task.sleep(for: .milliseconds(500))
            guard let connection else { return }
            try? await setAdvertising(false)
            await BLEPeripheralLinks.disconnectCentrals(connection: connection, adapter: configuration.adapter, reason: "sync over", log: log)
            try? await Task.sleep(for: .seconds(1))
            do { try await setAdvertising(true) } catch { log("re-registering the advertisement failed: \(error)") }
        }
    }

    /// Stores one new record of user 1 now (SIGUSR1).
    public func addRecordNow() {
        let record = Self.record(user: 1, index: device.records.count, at: clock.now(atSeconds: Self.seconds()))
        device.add(record)
        log("new " + Self.describe(record))
    }

    /// "record user 1 at 2026-12-05T01:40:00: 121/77 mmHg, pulse 65" (what the lab compares with DOM).
    static func describe(_ record: OmronCuffDevice.Record) -> String {
        "record user \(record.user) at \(record.time): \(record.systolic)/\(record.diastolic) mmHg, pulse \(record.pulse)"
    }

    public func stop() async {
        lastAnswer?.cancel()
        guard let connection else { return }
        try? await setAdvertising(false)
        await BLEPeripheralLinks.unregisterApplication(connection: connection, adapter: configuration.adapter, layout: layout)
        log("stopped: \(syncsEnded) syncs ended, \(device.records.count) records stored, \(notificationsSent) notifications sent")
    }
}
