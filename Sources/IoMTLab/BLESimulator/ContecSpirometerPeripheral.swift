import Foundation
import IoMTCore
import IoMTDBus

/// `iomt-lab ble-sim --device contec-spirometer`: a Contec BLE spirometer served through BlueZ — service FF12 with FF01
/// (commands, write with response) and FF02 (answers, notify). Each command written to FF01 is answered on FF02 by
/// `ContecSpirometerDevice`, in notifications of at most 20 bytes (the default ATT MTU), as the device's byte stream.
/// The records are kept unless the central ends with "delete". Every event a test may assert on is logged as one line.
public actor ContecSpirometerPeripheral {
    public struct Configuration: Sendable {
        public var adapter = "hci0"
        public var localName = "SP80B-SIM"
        public var records = 3
        /// After the central ends a sync, drop its link from the peripheral side (as the device switching off): the
        /// central reconnects and syncs again.
        public var disconnectAfterSync = false
        /// After the sync with this number has ended, one new record is stored (the patient blew again).
        public var addRecordAfterSync: Int?
        public init() {}
    }

    static let service: BluetoothUUID = 0xFF12, command: BluetoothUUID = 0xFF01, answer: BluetoothUUID = 0xFF02
    static let notificationSize = 20

    nonisolated public let configuration: Configuration
    nonisolated public let layout: BLEObjectLayout
    private let log: @Sendable (String) -> Void
    private var device = ContecSpirometerDevice()
    private var connection: DBusConnection?
    private var subscribed = false
    private var advertising = false
    private var notificationsSent = 0
    private var lastAnswer: Task<Void, Never>?

    public init(configuration: Configuration, log: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.layout = BLEObjectLayout(adapter: configuration.adapter)
        self.log = log
        // The stored records: one every ten minutes up to now (host clock, read as device-local time).
        for index in 0..<configuration.records {
            device.addRecord(at: Self.wallClockNow().advanced(bySeconds: -600 * (configuration.records - index)))
        }
    }

    public var storedRecords: [ContecSpirometerDevice.Record] { device.records }

    static func wallClockNow() -> BLECurrentTime {
        BLECurrentTime(year: 2001, month: 1, day: 1, hour: 0, minute: 0, second: 0, dayOfWeek: 1)
            .advanced(bySeconds: Int(Date().timeIntervalSinceReferenceDate))
    }

    public static var services: [BLESimulatedService] {
        [BLESimulatedService(uuid: service, characteristics: [
            BLESimulatedCharacteristic(uuid: command, flags: ["write"], source: .constant([])),
            BLESimulatedCharacteristic(uuid: answer, flags: ["notify"], source: .constant([])),
        ])]
    }

    private func path(_ uuid: BluetoothUUID) -> DBusObjectPath { layout.characteristic(uuid == Self.command ? 0 : 1, ofService: 0) }

    // MARK: Exporting and registering

    public func export(on connection: DBusConnection) throws {
        self.connection = connection
        let options = BLEGATTObjects.optionsType
        try BLEPeripheralLinks.exportService(on: connection, layout: layout, service: Self.service, characteristics: Self.services[0].characteristics,
                                             localName: configuration.localName, log: log) { characteristic in
            characteristic.uuid == Self.command
                ? [DBusMethod("WriteValue", in: [DBusArgument("value", .array(.byte)), DBusArgument("options", options)]) { [weak self] call in
                       await self?.written(call.arguments[0].bytesValue ?? [], options: call.arguments[1].stringVariantDictionary ?? [:])
                       return []
                   }]
                : [DBusMethod("StartNotify") { [weak self] _ in await self?.setSubscribed(true); return [] },
                   DBusMethod("StopNotify") { [weak self] _ in await self?.setSubscribed(false); return [] }]
        }
    }

    /// Powers the adapter, registers agent, application and advertisement. Returns the adapter address.
    @discardableResult
    public func registerWithBlueZ() async throws -> String {
        guard let connection else { throw BLEFixtureError("export(on:) must run before registerWithBlueZ()") }
        let address = try await BLEGATTObjects.registerPeripheral(on: connection, adapter: configuration.adapter, layout: layout, log: log)
        log("GATT application registered: services FF12 (FF01 write, FF02 notify); \(device.records.count) records stored")
        for record in device.records { log(Self.describe(record)) }
        try await setAdvertising(true)
        return address
    }

    private func setAdvertising(_ on: Bool) async throws {
        guard let connection, advertising != on else { return }
        try await BLEPeripheralLinks.setAdvertising(on, connection: connection, adapter: configuration.adapter, layout: layout)
        advertising = on
        log(on ? "advertisement registered: \"\(configuration.localName)\" service FF12" : "advertisement unregistered")
    }

    // MARK: GATT requests

    func setSubscribed(_ on: Bool) {
        subscribed = on
        log(on ? "StartNotify FF02" : "StopNotify FF02")
        if let connection { try? connection.updateProperty(path: path(Self.answer), interface: BlueZName.gattCharacteristic, name: "Notifying", value: .boolean(on)) }
    }

    /// A command on FF01: the write is acknowledged first, then the answer is notified (the central awaits the answer
    /// before its next command, so answers never interleave).
    func written(_ value: [UInt8], options: [String: DBusValue]) {
        let (answer, event) = device.handle(value)
        let command = BLEPeripheralSimulator.hex(value)
        switch event {
        case let .answered(what): log("command \(command): \(what)")
        case let .clockSet(time): log("command \(command): clock set to \(time)")
        case let .ignored(why): log("command \(command) ignored: \(why)")
        case let .syncEnded(deleted):
            log("sync #\(device.syncsEnded) ended: \(deleted ? "records deleted" : "\(device.records.count) records kept")")
        }
        let previous = lastAnswer
        lastAnswer = Task { [weak self] in
            await previous?.value
            try? await Task.sleep(for: .milliseconds(20))
            if !answer.isEmpty { await self?.notify(answer) }
            if case .syncEnded = event { await self?.afterSync() }
        }
    }

    private func notify(_ answer: [UInt8]) {
        guard let connection else { return }
        guard subscribed else { log("answer \(BLEPeripheralSimulator.hex(answer)) not sent: FF02 not subscribed"); return }
        var offset = 0
        while offset < answer.count {
            let chunk = Array(answer[offset..<min(answer.count, offset + Self.notificationSize)])
            do {
                try connection.updateProperty(path: path(Self.answer), interface: BlueZName.gattCharacteristic, name: "Value", value: .byteArray(chunk))
            } catch {
                log("sending FF02 failed: \(error)")
                return
            }
            notificationsSent += 1
            offset += chunk.count
        }
        log("sent FF02 \(answer.count) bytes: \(BLEPeripheralSimulator.hex(Array(answer.prefix(8))))\(answer.count > 8 ? " …" : "")")
    }

    private func afterSync() async {
        if let after = configuration.addRecordAfterSync, device.syncsEnded == after {
            log("new " + Self.describe(device.addRecord(at: Self.wallClockNow())))
        }
        if configuration.disconnectAfterSync {
            try? await Task.sleep(for: .milliseconds(500))
            await disconnectCentrals()
        }
    }

    /// Drops every link below the adapter (as the device switching off after a sync), then advertises again.
    private func disconnectCentrals() async {
        guard let connection else { return }
        try? await setAdvertising(false)
        await BLEPeripheralLinks.disconnectCentrals(connection: connection, adapter: configuration.adapter, log: log)
        try? await Task.sleep(for: .seconds(1))
        do { try await setAdvertising(true) } catch { log("re-registering the advertisement failed: \(error)") }
    }

    /// Stores one new record now (SIGUSR1).
    public func addRecordNow() {
        log("new " + Self.describe(device.addRecord(at: Self.wallClockNow())))
    }

    /// "record #2 at 2026-12-05T01:40:00: FVC 4.14 L, FEV1 3.20 L" (what the lab compares with DOM).
    static func describe(_ record: ContecSpirometerDevice.Record) -> String {
        "record #\(record.number) at \(record.time): FVC \(record.fvcLitres) L, FEV1 \(record.fev1Litres) L"
    }

    public func stop() async {
        lastAnswer?.cancel()
        guard let connection else { return }
        try? await setAdvertising(false)
        await BLEPeripheralLinks.unregisterApplication(connection: connection, adapter: configuration.adapter, layout: layout)
        log("stopped: \(device.syncsEnded) syncs ended, \(device.records.count) records stored, \(notificationsSent) notifications sent")
    }
}
