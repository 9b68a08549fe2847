import IoMTCore

/// A connection to a Viatom "Oxy" oximeter (O2Ring, Checkme O2, SleepO2) as a state machine (README.md): link up → info
/// (0x14: model, serial number, the device clock, the stored sessions); each stored session newer than the committed mark
/// is opened (0x03), read block by block (0x04) and closed (0x05) — its readings and the mark leave together, nothing is
/// deleted; then real-time data (0x1B) is polled every `pollIntervalMs` on the connection's ticks into the shared reporting
/// window. Requests go out in writes of at most 20 bytes; answers are reassembled across notifications.
/// Pure: no I/O, no clock but the instants it is handed; anything unexpected is a `rejectedFrame`, never a crash.
public struct ViatomOxyReader: DeviceReader {
    public struct Options: Sendable, Hashable {
        /// The live reporting window (100 ms to 60 s).
        public var reportIntervalMs: Int64 = 1000
        /// How often real-time data is asked for (the vendor app: about once a second).
        public var pollIntervalMs: Int64 = 1000
        /// Download the stored sessions (false: live data only).
        public var downloadSessions = true
        /// Seconds without an awaited answer before the request is given up (a download is then ended for this link).
        public var answerTimeoutSeconds = 10
        /// Connections on which a session that does not decode is read again before it is set aside as unreadable and
        /// the sessions after it are read (README.md, "A session that does not decode").
        public var unreadableSessionAttempts = 3
        public init() {}
    }

    public static let service: BluetoothUUID = "14839ac4-7d7e-415c-9a42-167340cf2339"
    /// Host → device: request packets, in writes of at most 20 bytes.
    public static let writeCharacteristic: BluetoothUUID = "8b00ace7-eb0b-49b0-bbe9-9aee0a26e1a3"
    /// Device → host, notified: response packets, in any chunking.
    public static let notifyCharacteristic: BluetoothUUID = "0734594a-a8e7-4b1a-a6b1-cd5243059a57"
    public static let profile = GATTProfile(driverId: ViatomOxyRegistration.driverId, name: "Viatom Oxy oximeter (O2Ring, Checkme O2)", service: service, [
        .init(notifyCharacteristic, .notify, name: "Responses"), .init(writeCharacteristic, .write, name: "Requests"),
    ], clock: [])
    /// No stored session is larger (an O2Ring night at 2 s is about 72 KB); a larger announced size is refused.
    public static let largestFile = 1 << 20

    enum Step: Sendable, Hashable {
        case idle
        case awaiting(ViatomOxyPacket.Command, since: Instant)
        /// Live polling, nothing awaited.
        case live
    }

    /// A session being read.
    struct Download: Sendable, Hashable {
        let file: ViatomOxyInfo.StoredFile
        var size = 0
        var bytes: [UInt8] = []
        var block: UInt16 = 0
    }

    public let options: Options
    public var needs: DeviceNeeds { .gatt(Self.profile) }
    var step = Step.idle
    private var assembler = ViatomOxyResponseAssembler()
    private var aggregator: OximetryWindowAggregator<PlainOximetrySample>
    private var committedMark: DeviceRecordMark?
    /// The newest session start this link has handed over (the mark that goes with the next one).
    private var handedMark: DeviceRecordMark?
    private var queue: [ViatomOxyInfo.StoredFile] = []
    private var download: Download?
    private var lastPoll: Instant?
    private var lastFinger: String?
    private var lastBattery: Int?

    public init(options: Options = Options()) {
        self.options = options
        aggregator = OximetryWindowAggregator(intervalMs: options.reportIntervalMs)
    }

    public mutating func resume(from mark: DeviceRecordMark?) { committedMark = mark }

    public mutating func handle(_ input: DeviceInput, at time: Instant) -> DeviceOutput {
        switch input {
        case .linkUp:
            assembler.reset(); queue = []; download = nil; lastPoll = nil; lastFinger = nil; lastBattery = nil
            handedMark = committedMark
            aggregator = OximetryWindowAggregator(intervalMs: options.reportIntervalMs)
            return send(.info, at: time)
        case let .value(characteristic, bytes):
            guard characteristic == Self.notifyCharacteristic else {
                return DeviceOutput(events: [.rejectedFrame(reason: "characteristic \(characteristic.displayText) is not the one the Viatom oximeter notifies (\(Self.notifyCharacteristic.displayText))")])
            }
            return receive(bytes, at: time)
        case .tick:
            return tick(at: time)
        case .linkDown:
            var output = DeviceOutput(measurements: aggregator.flush(at: time))
            if assembler.holdsPartialResponse { output.events.append(.rejectedFrame(reason: "a Viatom response torn at link down")) }
            if let download { output.events.append(.rejectedFrame(reason: "session \(download.file.name) not complete at link down (\(download.bytes.count) of \(download.size) bytes); read again at the next connection")) }
            assembler.reset(); step = .idle; download = nil; queue = []
            return output
        case .bytes:
            return DeviceOutput(events: [.rejectedFrame(reason: "a byte stream for the GATT driver \(Self.profile.driverId)")])
        }
    }

    // MARK: Requests

    private mutating func send(_ command: ViatomOxyPacket.Command, block: UInt16 = 0, data: [UInt8] = [], at time: Instant) -> DeviceOutput {
        step = .awaiting(command, since: time)
        let packet = ViatomOxyPacket.request(command, block: block, data: data)
        return DeviceOutput(commands: ViatomOxyPacket.chunks(packet).map {
            .write(GATTWrite(service: Self.service, characteristic: Self.writeCharacteristic, value: $0))
        })
    }

    private mutating func tick(at time: Instant) -> DeviceOutput {
        var output = DeviceOutput(measurements: aggregator.advance(to: time))
        switch step {
        case .idle:
            return output
        case let .awaiting(command, since):
            // The wall clock stepped back: measure the wait from now.
            if time < since { step = .awaiting(command, since: time); return output }
            guard time.milliseconds(since: since) >= Int64(options.answerTimeoutSeconds) * 1000 else { return output }
            output.events.append(.rejectedFrame(reason: "no answer to \(command.name) for \(options.answerTimeoutSeconds) s"))
            if command != .realTimeData {
                output.append(endDownload(reason: "the device fell silent", at: time))
                return output
            }
            step = .live
            output.append(poll(at: time))
        case .live:
            output.append(poll(at: time))
        }
        return output
    }

    private mutating func poll(at time: Instant) -> DeviceOutput {
        if let last = lastPoll, time >= last, time.milliseconds(since: last) < options.pollIntervalMs { return DeviceOutput() }
        lastPoll = time
        return send(.realTimeData, at: time)
    }

    // MARK: Responses

    private mutating func receive(_ bytes: [UInt8], at time: Instant) -> DeviceOutput {
        var output = DeviceOutput(measurements: aggregator.advance(to: time))
        let (responses, events) = assembler.receive(bytes)
        output.events += events
        for response in responses { output.append(process(response, at: time)) }
        return output
    }

    private mutating func process(_ response: ViatomOxyPacket.Response, at time: Instant) -> DeviceOutput {
        guard case let .awaiting(command, _) = step else {
            // A response says not which request it answers. Unasked, only real-time data is recognised, by its shape
            // (`iomtctl decode`, a late answer after a timeout).
            guard response.status == 0, ViatomOxyRealTimeData.isShaped(response.data) else {
                return DeviceOutput(events: [.rejectedFrame(reason: "a Viatom response (status 0x\(Hex.string([response.status])), \(response.data.count) data bytes) nobody asked for, not real-time data")])
            }
            return live(response, at: time)
        }
        // A late real-time answer while the info or a close is awaited (neither has that shape: the info is a JSON object,
        // a close answer empty); a file block is always read as the awaited block.
        if command == .info || command == .fileClose, response.status == 0, response.data.first != UInt8(ascii: "{"),
           ViatomOxyRealTimeData.isShaped(response.data) {
            return live(response, at: time)
        }
        guard response.status == 0 else {
            var output = DeviceOutput(events: [.rejectedFrame(reason: "the device refused \(command.name): status 0x\(Hex.string([response.status]))")])
            if command == .realTimeData { step = .live } else { output.append(endDownload(reason: "the device refused a request", at: time)) }
            return output
        }
        switch command {
        case .info: return info(response, at: time)
        case .fileOpen: return opened(response, at: time)
        case .fileRead: return block(response, at: time)
        case .fileClose: return nextSession(at: time)
        case .realTimeData:
            step = .live
            return live(response, at: time)
        }
    }

    private mutating func live(_ response: ViatomOxyPacket.Response, at time: Instant) -> DeviceOutput {
        var output = DeviceOutput()
        let reading: ViatomOxyRealTimeData.Reading
        do throws(ViatomOxyRealTimeData.Problem) { reading = try ViatomOxyRealTimeData.decode(response.data, packet: response.packet) } catch {
            return DeviceOutput(events: [.rejectedFrame(reason: error.description)])
        }
        let finger: String, battery: Int
        switch reading {
        case let .sample(sample, _, level):
            finger = "on"; battery = level
            aggregator.add([sample], at: time)
        case let .noFinger(level): finger = "off (no finger: no reading)"; battery = level
        case let .settling(level): finger = "on, settling (no value yet)"; battery = level
        }
        if finger != lastFinger { output.events.append(.deviceInfo(key: "finger", value: finger)) }
        if battery != lastBattery { output.events.append(.deviceInfo(key: "batteryPercent", value: String(battery))) }
        lastFinger = finger; lastBattery = battery
        return output
    }

    private mutating func info(_ response: ViatomOxyPacket.Response, at time: Instant) -> DeviceOutput {
        let info: ViatomOxyInfo
        do throws(ViatomOxyInfo.Problem) { info = try ViatomOxyInfo.decode(response.data) } catch {
            var output = DeviceOutput(events: [.rejectedFrame(reason: error.description)])
            output.append(endDownload(reason: "no session list", at: time))
            return output
        }
        var output = DeviceOutput()
        if let model = info.model { output.events.append(.deviceInfo(key: "model", value: model)) }
        if let serial = info.serialNumber { output.events.append(.deviceInfo(key: "serialNumber", value: serial)) }
        if let clock = info.deviceClock {
            output.deviceClock = GATTCurrentTime(dateTime: GATTDateTime(clock), dayOfWeek: 0, fractions256: 0, adjustReason: 0)
            output.events.append(.deviceInfo(key: "deviceClock", value: clock.iso8601(withOffset: false, fractionDigits: 0)))
        } else {
            output.events.append(.rejectedFrame(reason: "Viatom info (0x14): CurTIME missing or not \"YYYY-MM-DD,HH:MM:SS\"; the device clock is unknown"))
        }
        output.events.append(.deviceInfo(key: "storedSessions", value: String(info.files.count)))
        guard options.downloadSessions else {
            output.append(nextSession(at: time))
            return output
        }
        var unnamed = 0
        queue = info.files.compactMap { file -> ViatomOxyInfo.StoredFile? in
            guard let start = file.startTime else { unnamed += 1; return nil }
            guard let marked = handedMark?.deviceTime else { return file }
            return start.deviceClockOrder > marked.deviceClockOrder ? file : nil
        }.sorted { $0.startTime!.deviceClockOrder < $1.startTime!.deviceClockOrder }
        if unnamed > 0 {
            output.events.append(.rejectedFrame(reason: "\(unnamed) stored file name(s) not starting with a start time YYYYMMDDhhmmss: not downloaded"))
        }
        output.events.append(.deviceInfo(key: "newSessions", value: String(queue.count)))
        output.append(nextSession(at: time))
        return output
    }

    private mutating func nextSession(at time: Instant) -> DeviceOutput {
        download = nil
        guard !queue.isEmpty else {
            step = .live
            var output = DeviceOutput()
            output.transferComplete = true
            output.append(poll(at: time))
            return output
        }
        let file = queue.removeFirst()
        download = Download(file: file)
        return send(.fileOpen, data: Array(file.name.utf8) + [0], at: time)  // the name NUL-terminated (S2)
    }

    private mutating func opened(_ response: ViatomOxyPacket.Response, at time: Instant) -> DeviceOutput {
        guard var current = download else { return nextSession(at: time) }
        guard response.data.count >= 4 else {
            return endDownload(reason: "file open answer of \(response.data.count) bytes, expected the 4-byte size", at: time, close: true)
        }
        let size = response.data[0..<4].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        guard (ViatomVLDFile.headerLength...Self.largestFile).contains(size) else {
            return endDownload(reason: "session \(current.file.name) announced \(size) bytes (expected \(ViatomVLDFile.headerLength)-\(Self.largestFile))", at: time, close: true)
        }
        current.size = size
        download = current
        return send(.fileRead, block: 0, at: time)
    }

    private mutating func block(_ response: ViatomOxyPacket.Response, at time: Instant) -> DeviceOutput {
        guard var current = download else { return nextSession(at: time) }
        guard !response.data.isEmpty else { return endDownload(reason: "an empty block \(current.block) of \(current.file.name)", at: time, close: true) }
        current.bytes += response.data
        guard current.bytes.count <= current.size else {
            return endDownload(reason: "session \(current.file.name): \(current.bytes.count) bytes read, more than the announced \(current.size)", at: time, close: true)
        }
        guard current.bytes.count == current.size else {
            guard current.block < UInt16.max else { return endDownload(reason: "session \(current.file.name) needs more than 65,535 blocks", at: time, close: true) }
            current.block += 1
            download = current
            return send(.fileRead, block: current.block, at: time)
        }
        download = current
        var output = complete(current)
        output.append(send(.fileClose, at: time))
        return output
    }

    /// A whole session: its readings (and iomtd's summary of it) with the mark of its start time.
    private mutating func complete(_ current: Download) -> DeviceOutput {
        let file: ViatomVLDFile
        do throws(ViatomVLDFile.Problem) { file = try ViatomVLDFile.decode(current.bytes) } catch {
            return unreadable(current, problem: error)
        }
        let mark = DeviceRecordMark(sequenceNumber: 0, deviceTime: current.file.startTime)
        handedMark = mark
        var output = DeviceOutput(measurements: [file.sessionMeasurement(file: current.bytes)])
        output.recordMark = mark
        output.events.append(.deviceInfo(key: "session", value: "\(current.file.name): \(file.records.count) records every \(file.intervalSeconds) s; \(ViatomOxySessionSummary(file).text)"))
        return output
    }

    /// A session that does not decode is never passed silently (README.md, "A session that does not decode"): its raw
    /// file is handed over as an unreadable recording (kept in the store, set aside, never sent) and named on the log and
    /// the device board. The mark does not move past it — it counts the failed attempt (`sequenceNumber`), so the session
    /// and those after it are read again at the next connection — until `unreadableSessionAttempts` connections failed
    /// on it: then the mark moves past it and the sessions after it are read (it stays on the device).
    private mutating func unreadable(_ current: Download, problem: ViatomVLDFile.Problem) -> DeviceOutput {
        let attempt = Int(handedMark?.sequenceNumber ?? 0) + 1
        let settingAside = attempt >= options.unreadableSessionAttempts
        let mark = settingAside ? DeviceRecordMark(sequenceNumber: 0, deviceTime: current.file.startTime)
            : DeviceRecordMark(sequenceNumber: UInt16(attempt), deviceTime: handedMark?.deviceTime)
        handedMark = mark
        let outcome = settingAside
            ? "set aside as unreadable after \(attempt) attempt(s): its raw file is kept in the store (iomtctl quarantine list), the sessions after it are read, it stays on the device"
            : "attempt \(attempt) of \(options.unreadableSessionAttempts): its raw file is kept in the store; it and the \(queue.count) session(s) after it are read again at the next connection"
        let text = "\(current.file.name): \(problem.description); \(outcome)"
        var output = DeviceOutput(measurements: [DecodedMeasurement(type: .spo2, value: nil, status: [.invalid, .unreadableRecording],
                                                                    deviceTime: current.file.startTime, rawFrame: current.bytes)])
        output.recordMark = mark
        output.events = [.rejectedFrame(reason: "session " + text), .deviceInfo(key: "unreadableSession", value: text)]
        if !settingAside { queue = [] }
        return output
    }

    /// Ends the download for this link (what was handed over stays handed over; the rest is read at the next connection)
    /// and goes live. `close`: a file is open on the device.
    private mutating func endDownload(reason: String, at time: Instant, close: Bool = false) -> DeviceOutput {
        var output = DeviceOutput()
        if download != nil || !queue.isEmpty {
            output.events.append(.rejectedFrame(reason: "session download ended (\(reason)); \(queue.count + (download == nil ? 0 : 1)) session(s) left for the next connection"))
        }
        queue = []
        download = nil
        if close {
            output.append(send(.fileClose, at: time))
            return output
        }
        step = .live
        output.transferComplete = true
        output.append(poll(at: time))
        return output
    }
}
