import IoMTCore

/// The stored-data download of the v4.6 / V7.0 protocol ([12] §3.3.2.7 and §3.4) as a pure state machine (README.md,
/// "Stored data"): stop live data (A2, awaiting the free feedback 0x0C), ask user 0's segment amount (A3), then per
/// segment its data length (A4) and start date and time (A5); then, oldest first, the data (A6) of every segment that holds
/// samples after the committed mark, stopped with A7 once the announced length arrived. Each segment's new samples leave
/// as one overnight-session reading with the mark of its last sample. Nothing is ever deleted on the device (AE is never
/// sent). An answer missing for `answerTimeoutMs` ends the download for this link with an event — never a hang.
public struct CMS50StoredDownload: Sendable {
    public enum LengthUnit: String, Sendable, CaseIterable {
        /// The 0x08 length counts bytes of stored data: 2 per sample in 0x0F packages, 4 in 0x09 (OSCAR [13]).
        case bytes
        /// The 0x08 length counts samples.
        case samples
    }

    public struct Options: Sendable, Hashable {
        /// Seconds between stored samples ([12] does not say; README.md, "Stored data").
        public var storageIntervalSeconds = 1
        public var lengthUnit = LengthUnit.bytes
        /// How long an answer (or the next data package) may take; [12] §3.4: "within 1 second". The connection ticks
        /// about once a second, so a deadline shorter than two ticks would fire on a late tick.
        public var answerTimeoutMs: Int64 = 2000
        public init() {}
    }

    /// What a segment announced.
    struct Segment: Sendable {
        let number: Int
        var length: UInt32?
        var date: (year: Int, month: Int, day: Int)?
        var start: CivilTime?
    }

    enum Step: Sendable, Hashable {
        case stoppingLive
        case segmentAmount
        case length(segment: Int)
        case startTime(segment: Int)
        case data(segment: Int)
        /// A7 sent after a segment's data: awaiting the free feedback before the next segment.
        case stoppingData(segment: Int)
        case finished
    }

    public static let user: UInt8 = 0
    public let options: Options
    var step = Step.stoppingLive
    var since: Instant
    var segments: [Segment] = []
    var queue: [Segment] = []
    var samples: [CMS50StoredSample] = []
    var expectedSamples: Int?
    var rawPackets: [UInt8] = []
    var surplusSamples = 0
    /// The device time of the last sample handed over (committed, then moved by this link).
    var mark: CivilTime?

    public init(options: Options, committedMark: DeviceRecordMark?, at time: Instant) {
        self.options = options
        mark = committedMark?.deviceTime
        since = time
    }

    public var isFinished: Bool { step == .finished }

    /// The first command: stop live data.
    public mutating func start(at time: Instant) -> DeviceOutput { send(.stoppingLive, 0xA2, at: time) }

    mutating func send(_ next: Step, _ code: UInt8, _ parameters: [UInt8] = [], at time: Instant) -> DeviceOutput {
        step = next; since = time
        return DeviceOutput(commands: [.bytes(CMS50V46Packet.command(code, parameters))])
    }

    public mutating func tick(at time: Instant) -> DeviceOutput {
        if time < since { since = time }  // the wall clock stepped back: measure the wait from now
        guard step != .finished, time.milliseconds(since: since) >= options.answerTimeoutMs else { return DeviceOutput() }
        let waited = "no answer within \(options.answerTimeoutMs) ms"
        switch step {
        case .stoppingLive:
            // A device that was not streaming may stay silent; the segment amount is asked all the same.
            var output = DeviceOutput(events: [.deviceInfo(key: "storedData", value: "\(waited) to A2 (stop live data); asking for the stored segments all the same")])
            output.append(send(.segmentAmount, 0xA3, [Self.user], at: time))
            return output
        case .segmentAmount: return end("\(waited) to A3 (segment amount)", at: time)
        case let .length(segment): return end("\(waited) to A4 (data length of segment \(segment))", at: time)
        case let .startTime(segment): return end("\(waited) to A5 (start time of segment \(segment))", at: time)
        case let .data(segment):
            let got = "\(samples.count) of \(expectedSamples.map(String.init) ?? "?") samples"
            var output = samples.isEmpty ? DeviceOutput() : handOver(segment: segment)
            output.append(end("segment \(segment): data stopped after \(got) (\(waited)); what arrived is kept", at: time, stopData: true))
            return output
        case .stoppingData: return nextSegment(at: time)
        case .finished: return DeviceOutput()
        }
    }

    /// Ends the download for this link: what was handed over stays; the rest is read at the next connection.
    /// Said twice: as a rejection (the serial log's debug level) and as the device's `storedData` fact, which the log (info)
    /// and the device board (`iomtctl devices`) show — a download that ended early is never silent.
    mutating func end(_ reason: String, at time: Instant, stopData: Bool = false) -> DeviceOutput {
        step = .finished
        let text = "download ended: \(reason); live data resumes, the rest is read at the next connection"
        var output = DeviceOutput(events: [.rejectedFrame(reason: "CMS50 stored-data " + text), .deviceInfo(key: "storedData", value: text)])
        if stopData { output.commands.append(.bytes(CMS50V46Packet.command(0xA7))) }
        output.transferComplete = true
        return output
    }

    public mutating func receive(_ answer: CMS50V46Answer, packet: [UInt8], at time: Instant) -> DeviceOutput {
        switch (step, answer) {
        case (_, .live):
            return DeviceOutput()  // frames still in flight after A2
        case (.stoppingLive, .free):
            return send(.segmentAmount, 0xA3, [Self.user], at: time)
        case (.segmentAmount, let .segmentAmount(_, count)):
            segments = (0..<count).map { Segment(number: $0) }
            var output = DeviceOutput(events: [.deviceInfo(key: "storedSegments", value: String(count))])
            output.append(count == 0 ? finish() : send(.length(segment: 0), 0xA4, [Self.user, 0], at: time))
            return output
        case (let .length(segment), let .dataLength(_, answered, length)) where answered == segment:
            segments[segment].length = length
            return send(.startTime(segment: segment), 0xA5, [Self.user, UInt8(segment)], at: time)
        case (let .startTime(segment), let .startDate(_, answered, year, month, day)) where answered == segment:
            segments[segment].date = (year, month, day)
            return DeviceOutput()
        case (let .startTime(segment), let .startTime(_, answered, hour, minute, second)) where answered == segment:
            guard let date = segments[segment].date else { return end("segment \(segment): start time (0x12) before its date (0x07)", at: time) }
            let start = CivilTime(year: date.year, month: date.month, day: date.day, hour: hour, minute: minute, second: second)
            guard start.isValid else {
                return end("segment \(segment): start \(date.year)-\(date.month)-\(date.day) \(hour):\(minute):\(second) is not a calendar date and time", at: time)
            }
            segments[segment].start = start
            guard segment + 1 < segments.count else { return plan(at: time) }
            return send(.length(segment: segment + 1), 0xA4, [Self.user, UInt8(segment + 1)], at: time)
        case (let .data(segment), let .storedData(received, withPI)):
            since = time
            rawPackets += packet
            if expectedSamples == nil, let length = queue.first?.length {
                expectedSamples = options.lengthUnit == .samples ? Int(length) : Int(length) / (withPI ? 4 : 2)
            }
            samples += received
            guard let expected = expectedSamples, samples.count >= expected else { return DeviceOutput() }
            samples.removeLast(samples.count - expected)  // the last 0x0F package is padded ([12] §3.3.2.5)
            var output = handOver(segment: segment)
            output.append(send(.stoppingData(segment: segment), 0xA7, at: time))
            return output
        case (.stoppingData, .storedData(let received, _)):
            surplusSamples += received.count
            return DeviceOutput()
        case (.stoppingData, .free):
            return nextSegment(at: time)
        case (_, let .commandFeedback(command, reason)):
            let reasonText = reason == 0x05 ? "not supported" : "reason 0x\(Hex.string([reason]).uppercased())"
            return end("the device answered command 0x\(Hex.string([command]).uppercased()) with feedback: \(reasonText)", at: time, stopData: isReceivingData)
        case (_, let .disconnecting(reason)):
            return end("the device announced a disconnect (reason 0x\(Hex.string([reason]).uppercased()))", at: time, stopData: isReceivingData)
        default:
            return DeviceOutput(events: [.rejectedFrame(reason: "CMS50 package 0x\(Hex.string([packet[0]]).uppercased()) not expected while \(stepText)")])
        }
    }

    private var isReceivingData: Bool { if case .data = step { true } else { false } }

    private var stepText: String {
        switch step {
        case .stoppingLive: "stopping live data"
        case .segmentAmount: "awaiting the segment amount"
        case let .length(segment): "awaiting the data length of segment \(segment)"
        case let .startTime(segment): "awaiting the start time of segment \(segment)"
        case let .data(segment): "receiving the data of segment \(segment)"
        case let .stoppingData(segment): "stopping the data of segment \(segment)"
        case .finished: "live"
        }
    }
}
