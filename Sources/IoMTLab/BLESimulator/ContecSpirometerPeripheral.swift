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

    static let notificationSize = 20

    nonisolated public let configuration: Configuration
    /// Service FF12, FF01 written (with response), FF02 notified.
    nonisolated public let gatt: VendorGATTPeripheral
    private let log: @Sendable (String) -> Void
    private var device = ContecSpirometerDevice()
    private var lastAnswer: Task<Void, Never>?

    public init(configuration: Configuration, log: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.gatt = .contecFF12(adapter: configuration.adapter, localName: configuration.localName, log: log)
        self.log = log
        // The stored records: one every ten minutes up to now (host clock, read as device-local time).
        for index in 0..<configuration.records {
            device.addRecord(at: BLECurrentTime.hostClockNow().advanced(bySeconds: -600 * (configuration.records - index)))
        }
    }

    public var storedRecords: [ContecSpirometerDevice.Record] { device.records }


    // MARK: Exporting and registering

    public func export(on connection: DBusConnection) async throws {
        try await gatt.export(on: connection) { [weak self] value, options in await self?.written(value, options: options) }
    }

    /// Powers the adapter, registers agent, application and advertisement. Returns the adapter address.
    @discardableResult
    public func registerWithBlueZ() async throws -> String {
        let address = try await gatt.register(registered: "GATT application registered: services FF12 (FF01 write, FF02 notify); \(device.records.count) records stored")
        for record in device.records { log(Self.describe(record)) }
        return address
    }

    // MARK: GATT requests

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

    private func notify(_ answer: [UInt8]) async {
        let chunks = stride(from: 0, to: answer.count, by: Self.notificationSize).map { Array(answer[$0..<min(answer.count, $0 + Self.notificationSize)]) }
        if await gatt.notify(chunks, describing: "answer \(BLEPeripheralSimulator.hex(answer))") {
            log("sent FF02 \(answer.count) bytes: \(BLEPeripheralSimulator.hex(Array(answer.prefix(8))))\(answer.count > 8 ? " …" : "")")
        }
    }

    private func afterSync() async {
        if let after = configuration.addRecordAfterSync, device.syncsEnded == after {
            log("new " + Self.describe(device.addRecord(at: BLECurrentTime.hostClockNow())))
        }
        if configuration.disconnectAfterSync {
            try? await Task.sleep(for: .milliseconds(500))
            await disconnectCentrals()
        }
    }

    /// Drops every link below the adapter (as the device switching off after a sync), then advertises again.
    private func disconnectCentrals() async { await gatt.disconnectCentrals(reason: "sync over") }

    /// Stores one new record now (SIGUSR1).
    public func addRecordNow() {
        log("new " + Self.describe(device.addRecord(at: BLECurrentTime.hostClockNow())))
    }

    /// "record #2 at 2026-12-05T01:40:00: FVC 4.14 L, FEV1 3.20 L" (what the lab compares with DOM).
    static func describe(_ record: ContecSpirometerDevice.Record) -> String {
        "record #\(record.number) at \(record.time): FVC \(record.fvcLitres) L, FEV1 \(record.fev1Litres) L"
    }

    public func stop() async {
        lastAnswer?.cancel()
        await gatt.unregister()
        log("stopped: \(device.syncsEnded) syncs ended, \(device.records.count) records stored, \(await gatt.notificationsSent) notifications sent")
    }
}
