import Foundation
import IoMTCore
import IoMTDBus

/// `iomt-lab ble-sim --device o2ring`: a Viatom O2Ring served through BlueZ — the 128-bit "Oxy" service with its request
/// characteristic (write) and response characteristic (notify). Each request written is answered by `O2RingDevice` in
/// notifications of at most 20 bytes. It holds two stored sessions (the last two nights, ending before the start) and
/// answers real-time data with live values. Every event a test may assert on is logged as one line; each stored record
/// is logged ("record 20261203223000 #5 at 2026-12-03T22:30:20: SpO2 95, PR 62") for the lab's DOM check.
public actor O2RingPeripheral {
    public struct Configuration: Sendable {
        public var adapter = "hci0"
        public var localName = "O2Ring 0001"
        /// Records per stored session (one session every 4 s, the other every 2 s).
        public var recordsPerSession = 40
        /// After this many info requests have been answered, drop the central's link (as the ring going out of range)
        /// once the next real-time answer is sent: the central reconnects.
        public var disconnectAfterLiveAnswers: Int?
        public init() {}
    }

    static let service: BluetoothUUID = "14839ac4-7d7e-415c-9a42-167340cf2339"
    static let request: BluetoothUUID = "8b00ace7-eb0b-49b0-bbe9-9aee0a26e1a3"
    static let response: BluetoothUUID = "0734594a-a8e7-4b1a-a6b1-cd5243059a57"

    nonisolated public let configuration: Configuration
    /// Service 14839ac4, 8b00ace7 written (with or without response), 0734594a notified.
    nonisolated public let gatt: VendorGATTPeripheral
    private let log: @Sendable (String) -> Void
    private var device = O2RingDevice()
    private var liveAnswers = 0
    private var disconnected = false
    private var loggedEvents = 0
    private var lastAnswer: Task<Void, Never>?

    public init(configuration: Configuration, log: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.gatt = VendorGATTPeripheral(adapter: configuration.adapter, localName: configuration.localName, service: Self.service,
                                         request: Self.request, requestFlags: ["write", "write-without-response"], answer: Self.response,
                                         names: ("14839ac4", "8b00ace7", "0734594a"), log: log)
        self.log = log
        // Two sessions on the device clock (host clock read as device-local time): the later one ends 10 minutes ago.
        let now = BLECurrentTime.hostClockNow()
        let count = configuration.recordsPerSession
        let second = now.advanced(bySeconds: -600 - 2 * count), first = now.advanced(bySeconds: -3600 - 4 * count)
        func tuple(_ t: BLECurrentTime) -> (Int, Int, Int, Int, Int, Int) { (t.year, t.month, t.day, t.hour, t.minute, t.second) }
        device.sessions = [.night(start: tuple(first), intervalSeconds: 4, count: count, seed: 1),
                           .night(start: tuple(second), intervalSeconds: 2, count: count, seed: 2)]
        if count > 3 { device.sessions[0].samples[3] = .init(spo2: 255, pulse: 255) }  // the finger out for one record
    }


    /// CurTIME: "YYYY-MM-DD,hh:mm:ss".
    static func curTime() -> String { BLECurrentTime.hostClockNow().description.replacingOccurrences(of: "T", with: ",") }

    public func export(on connection: DBusConnection) async throws {
        try await gatt.export(on: connection) { [weak self] value, _ in await self?.written(value) }
    }

    /// Powers the adapter, registers agent, application and advertisement; logs every stored record. Returns the adapter
    /// address.
    @discardableResult
    public func registerWithBlueZ() async throws -> String {
        for session in device.sessions {
            log("session \(session.name): \(session.samples.count) records every \(session.intervalSeconds) s")
            for (index, sample) in session.samples.enumerated() {
                log("record \(session.name) #\(index) at \(session.deviceTime(ofRecord: index)): SpO2 \(sample.spo2), PR \(sample.pulse)")
            }
        }
        return try await gatt.register(registered: "GATT application registered: service 14839ac4 (8b00ace7 write, 0734594a notify); \(device.sessions.count) sessions stored")
    }

    /// A piece of a request: acknowledged at once; the answers of the requests it completed are notified after it, in order.
    func written(_ value: [UInt8]) {
        let notifications = device.receive(value, clock: Self.curTime())
        var live = false
        for event in device.events.dropFirst(loggedEvents) {
            switch event {
            case .info: log("info answered (CurTIME \(Self.curTime()), FileList \(device.sessions.map(\.name).joined(separator: ",")))")
            case let .opened(name): log("file \(name) opened")
            case let .read(block): if block == 0 { log("file read from block 0") }
            case .closed: log("file closed")
            case .realTime: liveAnswers += 1; live = true
            case let .refused(why): log("request refused: \(why)")
            }
        }
        loggedEvents = device.events.count
        if live, liveAnswers % 10 == 1 { log("real-time answer #\(liveAnswers) sent: SpO2 \(device.liveSpO2), PR \(device.livePulse)") }
        let dropLink = live && !disconnected && configuration.disconnectAfterLiveAnswers.map { liveAnswers >= $0 } == true
        let previous = lastAnswer
        lastAnswer = Task { [weak self] in
            await previous?.value
            try? await Task.sleep(for: .milliseconds(10))
            await self?.gatt.notify(notifications, describing: "answer")
            if dropLink { await self?.dropLink() }
        }
    }

    /// Drops the central's link once (the ring out of range); it advertises again.
    private func dropLink() async {
        guard !disconnected else { return }
        disconnected = true
        await gatt.disconnectCentrals(reason: "out of range")
    }

    public func stop() async {
        lastAnswer?.cancel()
        await gatt.unregister()
        let opened = device.events.filter { if case .opened = $0 { true } else { false } }.count
        log("stopped: \(device.events.filter { $0 == .info }.count) info requests, \(opened) files opened, \(liveAnswers) real-time answers, \(device.sessions.count) sessions stored, \(await gatt.notificationsSent) notifications sent")
    }
}
