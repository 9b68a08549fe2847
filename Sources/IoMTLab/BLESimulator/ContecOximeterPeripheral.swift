import Foundation
import IoMTCore
import IoMTDBus

/// `iomt-lab ble-sim --device contec-oximeter-ble|beurer-po60`: a Contec-family BLE oximeter served through BlueZ —
/// service FF12 with FF01 (commands, write with response) and FF02 (notify).
/// - `contec-oximeter-ble` (EMAY SleepO2, `EmaySleepO2Device`): HELLO and START get a placeholder answer; after START,
///   one live frame a second while HEARTBEATs keep coming.
/// - `beurer-po60` (`BeurerPO60Device`): `90 05 15` then `99 00 19` are answered with every stored record, each as an
///   E9 notification and its pulse-rate notification; the records are never deleted (the device re-sends them).
/// Every event a test may assert on is logged as one line.
public actor ContecOximeterPeripheral {
    public enum Kind: String, Sendable {
        case emaySleepO2 = "contec-oximeter-ble"
        case beurerPO60 = "beurer-po60"
    }

    public struct Configuration: Sendable {
        public var kind = Kind.emaySleepO2
        public var adapter = "hci0"
        public var localName: String?
        /// PO60: the stored records at start, one every ten minutes up to now.
        public var records = 3
        /// PO60: drop the central's link this long after a transfer's last notification (the device switching off; the
        /// lab's way to a second connection, as the spirometer's `--disconnect-after-sync`). nil: the link stays.
        public var disconnectAfterTransferMs: Int?
        /// SleepO2: the live stream pauses after this long without a heartbeat (the published client writes one a second).
        /// A test on a loaded machine raises it, so a stalled test process is not mistaken for a silent central.
        public var heartbeatTimeoutSeconds = 5.0
        public init() {}
        var name: String { localName ?? (kind == .emaySleepO2 ? "SleepO2-SIM" : "PO60-SIM") }
    }

    nonisolated public let configuration: Configuration
    nonisolated public let gatt: VendorGATTPeripheral
    private let log: @Sendable (String) -> Void
    private var sleepO2 = EmaySleepO2Device()
    private var po60 = BeurerPO60Device()
    private var lastAnswer: Task<Void, Never>?
    private var liveStream: Task<Void, Never>?
    private let started = Date()

    public init(configuration: Configuration, log: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.gatt = .contecFF12(adapter: configuration.adapter, localName: configuration.name, log: log)
        self.log = log
        sleepO2.heartbeatTimeoutSeconds = configuration.heartbeatTimeoutSeconds
        if configuration.kind == .beurerPO60 {
            for index in 0..<configuration.records {
                po60.addRecord(at: BLECurrentTime.hostClockNow().advanced(bySeconds: -600 * (configuration.records - index)))
            }
        }
    }

    public var storedRecords: [BeurerPO60Device.Record] { po60.records }

    public func export(on connection: DBusConnection) async throws {
        try await gatt.export(on: connection) { [weak self] value, _ in await self?.written(value) }
    }

    /// Powers the adapter, registers agent, application and advertisement. Returns the adapter address.
    @discardableResult
    public func registerWithBlueZ() async throws -> String {
        let what = configuration.kind == .beurerPO60 ? "\(po60.records.count) records stored" : "live stream after START"
        let address = try await gatt.register(registered: "GATT application registered: services FF12 (FF01 write, FF02 notify); \(what)")
        for record in po60.records { log(Self.describe(record)) }
        return address
    }

    private var seconds: Double { Date().timeIntervalSince(started) }

    func written(_ value: [UInt8]) {
        let command = BLEPeripheralSimulator.hex(value)
        switch configuration.kind {
        case .emaySleepO2:
            let (answer, event) = sleepO2.handle(value, at: seconds)
            switch event {
            case let .answered(what): log("command \(command): \(what)")
            case let .ignored(why): log("command \(command) ignored: \(why)")
            }
            if !answer.isEmpty { answerInOrder([answer]) }
            // The stream starts once START's answer is out (a device answers, then streams): on a stalled process both
            // timers could otherwise expire together and a live frame overtake the answer.
            if sleepO2.streaming, liveStream == nil {
                let answered = lastAnswer
                liveStream = Task { [weak self] in
                    await answered?.value
                    await self?.streamLiveFrames()
                }
            }
        case .beurerPO60:
            let transfersBefore = po60.transfers
            let (notifications, event) = po60.handle(value)
            switch event {
            case let .answered(what): log("command \(command): \(what)")
            case let .ignored(why): log("command \(command) ignored: \(why)")
            }
            if !notifications.isEmpty { answerInOrder(notifications) }
            if po60.transfers > transfersBefore, let delay = configuration.disconnectAfterTransferMs {
                switchOff(afterTransfer: po60.transfers, delayMs: delay)
            }
        }
    }

    /// After the transfer's notifications and `delayMs` more, the PO60 drops its central's link (and advertises again).
    private func switchOff(afterTransfer transfer: Int, delayMs: Int) {
        let sent = lastAnswer
        Task { [weak self] in
            await sent?.value
            try? await Task.sleep(for: .milliseconds(delayMs))
            await self?.switchOff(transfer: transfer, delayMs: delayMs)
        }
    }

    private func switchOff(transfer: Int, delayMs: Int) async {
        log("transfer #\(transfer) over \(delayMs) ms ago: the device switches off")
        await gatt.disconnectCentrals(reason: "switched off after transfer #\(transfer)")
    }

    /// The write is acknowledged first, then the answer is notified, after the answers before it.
    private func answerInOrder(_ notifications: [[UInt8]]) {
        let previous = lastAnswer
        lastAnswer = Task { [weak self] in
            await previous?.value
            try? await Task.sleep(for: .milliseconds(20))
            await self?.send(notifications)
        }
    }

    /// Each notification on its own (the PO60's pulse-rate packet is "the next notification").
    private func send(_ notifications: [[UInt8]]) async {
        for notification in notifications {
            guard await gatt.notify([notification], describing: "FF02 \(BLEPeripheralSimulator.hex(notification))") else { return }
            log("sent FF02 \(notification.count) bytes: \(BLEPeripheralSimulator.hex(Array(notification.prefix(8))))\(notification.count > 8 ? " …" : "")")
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// One live frame a second while the stream runs; the task ends when the stream stops (STOP, no heartbeat, unsubscribed).
    private func streamLiveFrames() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            guard await gatt.subscribed, let frame = sleepO2.nextFrame(at: seconds) else {
                if sleepO2.streaming { log("live stream paused: no heartbeat for \(Int(sleepO2.heartbeatTimeoutSeconds)) s or FF02 not subscribed") }
                sleepO2.disconnected()
                liveStream = nil
                return
            }
            if await gatt.notify([frame], describing: "live frame") {
                log("live frame #\(sleepO2.framesSent): \(BLEPeripheralSimulator.hex(frame)) (pulse \(frame[3]), SpO2 \(frame[4]))")
            }
        }
    }

    /// Stores one new record now (SIGUSR1; PO60 only).
    public func addRecordNow() {
        guard configuration.kind == .beurerPO60 else { log("SIGUSR1 ignored: the SleepO2 stores no records"); return }
        log("new " + Self.describe(po60.addRecord(at: BLECurrentTime.hostClockNow())))
    }

    /// "record #2 ending 2026-12-05T01:40:00: SpO2 avg 95 %, pulse avg 72/min" (what the lab compares with DOM).
    static func describe(_ record: BeurerPO60Device.Record) -> String {
        "record #\(record.number) ending \(record.endTime): SpO2 avg \(record.spo2Avg) % (min \(record.spo2Min), max \(record.spo2Max)), "
            + "pulse avg \(record.pulseAvg)/min (min \(record.pulseMin), max \(record.pulseMax))"
    }

    public func stop() async {
        lastAnswer?.cancel()
        liveStream?.cancel()
        await gatt.unregister()
        let summary = configuration.kind == .beurerPO60 ? "\(po60.transfers) transfers, \(po60.records.count) records stored"
            : "\(sleepO2.framesSent) live frames, \(sleepO2.heartbeats) heartbeats"
        log("stopped: \(summary), \(await gatt.notificationsSent) notifications sent")
    }
}
