import IoMTCore

/// The sync with a Contec BLE spirometer as a state machine (README.md): link up → start; each answer notified on FF02
/// → the next command written to FF01: set clock, version, predicted values, record count, then each record (and its
/// waveform, as the vendor app asks for it), then "end, keep the records". Records after the committed mark become
/// measurements with the device time; the record number is the mark committed with them.
/// Pure: no I/O, no clock but the instants it is handed; anything unexpected is a `rejectedFrame`, never a crash.
public struct ContecSpirometerReader: DeviceReader {
    public struct Options: Sendable, Hashable {
        /// Set the device clock during the sync (the vendor app always does).
        public var setClock = true
        /// The zone the device clock is set in, minutes east of UTC (must equal `bluetooth.deviceUTCOffsetMinutes`).
        public var clockUTCOffsetMinutes = 0
        /// Ask for each record's waveform, as the vendor app does (it is read and dropped: no decoder trusts its layout).
        public var requestWaveform = true
        /// End with "delete the records" instead of "keep them": only when a profile asks for it.
        public var deleteAfterSync = false
        /// Seconds without an awaited answer before the sync is ended.
        public var answerTimeoutSeconds = 15
        public init() {}
    }

    public static let profile = ContecBLEFraming.gattProfile(driverId: ContecSpirometerRegistration.driverId,
                                                             name: "Contec BLE spirometer (service FF12)", notified: "Answers")

    /// What the sync waits for.
    enum Step: Sendable, Hashable {
        case idle
        case awaiting(ContecSpirometerProtocol.Answer)
        /// This many waveform bytes are still to come.
        case receivingWaveform(remaining: Int)
        case ended
    }

    public let options: Options
    public var needs: DeviceNeeds { .gatt(Self.profile) }
    var step = Step.idle
    /// The frame being assembled (its type byte first); empty between frames.
    private var frame: [UInt8] = []
    /// The mark the store committed, and whether this sync has passed the marked record.
    private var committedMark: DeviceRecordMark?
    private var markPassed = true
    /// Records at or below the mark's number while it is looked for: old unless the marked record turns out gone.
    private var heldBack: [ContecSpirometerRecord] = []
    static let maxHeldRecords = 16_383
    private var recordCount = 0
    private var slotsRead = 0
    private var lastProgress: Instant?

    public init(options: Options = Options()) { self.options = options }

    public mutating func resume(from mark: DeviceRecordMark?) {
        committedMark = mark
    }

    public mutating func handle(_ input: DeviceInput, at time: Instant) -> DeviceOutput {
        switch input {
        case .linkUp:
            frame = []; heldBack = []; recordCount = 0; slotsRead = 0
            markPassed = committedMark == nil
            lastProgress = time
            return send(ContecSpirometerProtocol.start, awaiting: .started)
        case let .value(characteristic, bytes):
            guard characteristic == ContecSpirometerProtocol.answerCharacteristic else {
                return DeviceOutput(events: [.rejectedFrame(reason: "characteristic \(characteristic.displayText) is not one the Contec spirometer notifies (FF02)")])
            }
            return receive(bytes, at: time)
        case .tick:
            return checkStall(at: time)
        case .linkDown:
            var output = DeviceOutput()
            if let torn = tornFrameReason(ending: "at link down") { output.events.append(.rejectedFrame(reason: torn)) }
            frame = []; step = .idle; heldBack = []
            return output
        case .bytes:
            return DeviceOutput(events: [.rejectedFrame(reason: "a byte stream for the GATT driver \(Self.profile.driverId)")])
        }
    }

    // MARK: Framing

    private mutating func receive(_ bytes: [UInt8], at time: Instant) -> DeviceOutput {
        var output = DeviceOutput()
        var skipped = 0
        for byte in bytes {
            if case let .receivingWaveform(remaining) = step {
                lastProgress = time
                step = .receivingWaveform(remaining: remaining - 1)
                if remaining <= 1 { output.append(recordDone()) }
                continue
            }
            if byte & 0x80 != 0 {
                if let torn = tornFrameReason(ending: "before a new frame 0x\(Hex.string([byte]))") { output.events.append(.rejectedFrame(reason: torn)) }
                guard ContecSpirometerProtocol.Answer(rawValue: byte) != nil else {
                    frame = []
                    output.events.append(.rejectedFrame(reason: "unknown answer type 0x\(Hex.string([byte])) (not one of the Contec spirometer's F0, F2, F3, E0-E4)"))
                    continue
                }
                frame = [byte]
            } else if frame.isEmpty {
                if byte != 0 { skipped += 1 }  // zero padding between answers is normal; anything else is noise
                continue
            } else {
                frame.append(byte)
            }
            if let answer = ContecSpirometerProtocol.Answer(rawValue: frame[0]), frame.count == 1 + answer.dataLength {
                let complete = frame
                frame = []
                output.append(process(answer, complete, at: time))
            }
        }
        if skipped > 0 { output.events.insert(.resynchronised(discardedBytes: skipped), at: 0) }
        return output
    }

    private func tornFrameReason(ending: String) -> String? {
        guard let first = frame.first, let answer = ContecSpirometerProtocol.Answer(rawValue: first) else { return nil }
        var reason = "truncated \(answer.name): \(frame.count - 1) of \(answer.dataLength) data bytes \(ending)"
        // Contec's own SDK reads a shorter layout (E0 of 5 data bytes, E1 of 32): name it when the length fits.
        if (answer == .record && frame.count == 33) || (answer == .recordCount && frame.count == 6) {
            reason += "; this length matches the other Contec record layout (Contec SDK, DEVICES.md §1.1 caveat), which this driver does not support"
        }
        return reason
    }

    // MARK: The sequence

    private mutating func send(_ command: [UInt8], awaiting answer: ContecSpirometerProtocol.Answer) -> DeviceOutput {
        step = .awaiting(answer)
        return DeviceOutput(commands: [.write(GATTWrite(service: ContecSpirometerProtocol.service,
                                                        characteristic: ContecSpirometerProtocol.commandCharacteristic, value: command))])
    }

    private mutating func process(_ answer: ContecSpirometerProtocol.Answer, _ frame: [UInt8], at time: Instant) -> DeviceOutput {
        // A record decodes whatever the step (`iomtctl decode`, a record sent unasked); only an awaited one moves the sync.
        if answer == .record { return record(frame, at: time) }
        // The F3 and E3 answers end with the sum rule (Contec's SDK checks them): a wrong sum is named whatever the step.
        var checksumProblem: String?
        if answer == .clockSet || answer == .deleted, !ContecSpirometerProtocol.hasValidChecksum(frame) {
            checksumProblem = "\(answer.name): checksum 0x\(Hex.string([frame[2]])), expected 0x\(Hex.string([ContecSpirometerProtocol.checksum(frame.dropLast())]))"
        }
        // After "end, delete" the device may confirm the deletion with E3 (S2's delete answer); nothing else follows an end.
        guard step == .awaiting(answer) || (answer == .deleted && step == .ended && options.deleteAfterSync) else {
            return DeviceOutput(events: [.rejectedFrame(reason: checksumProblem ?? "unexpected \(answer.name) while \(stepDescription)")])
        }
        lastProgress = time
        switch answer {
        case .started:
            return clockOrVersion(at: time)
        case .clockSet:
            // Whatever the answer says, the sync goes on (the clock is not needed to read the records).
            var output = send(ContecSpirometerProtocol.version, awaiting: .version)
            if let checksumProblem {
                output.events.append(.rejectedFrame(reason: checksumProblem + "; whether the clock was set is unknown"))
            } else {
                output.events.append(.deviceInfo(key: "deviceClock", value: frame[1] == 0 ? "set" : "not set (status \(frame[1]))"))
            }
            return output
        case .version:
            var output = send(ContecSpirometerProtocol.predictedValues, awaiting: .predictedValues)
            output.events.append(.deviceInfo(key: "version", value: Hex.string(frame.dropFirst(), separator: " ")))
            return output
        case .predictedValues:
            // The device's predicted values are for the user stored in it, not necessarily this patient: not kept.
            return send(ContecSpirometerProtocol.recordCount, awaiting: .recordCount)
        case .recordCount:
            recordCount = ContecSpirometerProtocol.integer14(frame[1], frame[2])
            var output = DeviceOutput(events: [.deviceInfo(key: "records", value: String(recordCount))])
            if let mark = committedMark, recordCount < Int(mark.sequenceNumber) {
                markPassed = true
                output.events.append(.deviceInfo(key: "recordNumbering", value: "fewer records than the marked one (memory cleared or replaced); every record is new"))
            }
            if recordCount == 0 {
                step = .ended  // the vendor app stops here without an end command
                output.transferComplete = true
                return output
            }
            output.append(send(ContecSpirometerProtocol.firstRecord, awaiting: .record))
            return output
        case .waveformHeader:
            let frames = ContecSpirometerProtocol.integer14(frame[3], frame[4])
            step = .receivingWaveform(remaining: frames * ContecSpirometerProtocol.waveformFrameLength)
            return frames == 0 ? recordDone() : DeviceOutput()
        case .deleted:
            step = .ended
            return DeviceOutput(events: [checksumProblem.map { .rejectedFrame(reason: $0) } ?? .deviceInfo(key: "deleted", value: frame[1] == 0 ? "yes" : "no")])
        case .record:
            return DeviceOutput()
        }
    }

    private mutating func clockOrVersion(at time: Instant) -> DeviceOutput {
        guard options.setClock else { return send(ContecSpirometerProtocol.version, awaiting: .version) }
        guard let command = ContecSpirometerProtocol.setClock(CivilTime(instant: time, utcOffsetMinutes: options.clockUTCOffsetMinutes)) else {
            var output = send(ContecSpirometerProtocol.version, awaiting: .version)
            output.events.append(.deviceInfo(key: "deviceClock", value: "not set: the gateway's year cannot be sent (2000-2127)"))
            return output
        }
        return send(command, awaiting: .clockSet)
    }

    private mutating func record(_ frame: [UInt8], at time: Instant) -> DeviceOutput {
        let inSync = step == .awaiting(.record)
        var output = DeviceOutput()
        var decoded = false
        do throws(ContecSpirometerRecord.Problem) {
            let record = try ContecSpirometerRecord.decode(frame)
            output = place(record)
            decoded = true
        } catch {
            if case .emptySlot = error { output.events.append(.deviceInfo(key: "emptySlot", value: "record slot \(slotsRead + 1) is empty")) }
            else { output.events.append(.rejectedFrame(reason: error.description)) }
        }
        guard inSync else { return output }
        lastProgress = time
        slotsRead += 1
        // The vendor app asks for the waveform after each record it decoded (not after an empty slot).
        if options.requestWaveform, decoded {
            output.append(send(ContecSpirometerProtocol.waveform, awaiting: .waveformHeader))
        } else {
            output.append(recordDone())
        }
        return output
    }

    /// Where a record falls against the committed mark. The protocol has no "from record N" request, so every sync reads
    /// every record: those up to the marked one (same number, same device time) are old. When the marked record is not
    /// among them (memory cleared, or numbering restarted), everything read is new: nothing is lost, and a resent reading
    /// is set aside at delivery (PHD identifier).
    private mutating func place(_ record: ContecSpirometerRecord) -> DeviceOutput {
        if !markPassed, let mark = committedMark {
            let isMarked = record.number == Int(mark.sequenceNumber) && (mark.deviceTime == nil || mark.deviceTime == record.deviceTime)
            if isMarked {
                markPassed = true
                heldBack = []
                return DeviceOutput()
            }
            if record.number < Int(mark.sequenceNumber) {
                // Bounded by the most records a 14-bit count can announce, whatever a device sends.
                var output = DeviceOutput()
                if heldBack.count >= Self.maxHeldRecords {
                    heldBack.removeFirst()
                    output.events.append(.rejectedFrame(reason: "more than \(Self.maxHeldRecords) records before the marked one: the oldest held is dropped"))
                }
                heldBack.append(record)
                return output
            }
            markPassed = true
            let output = releaseUnseen(heldBack + [record], mark: mark)
            heldBack = []
            return output
        }
        return release([record])
    }

    /// The marked record was not at its number. If a record read has its device time, the device dropped older records
    /// and renumbered the rest: the records after that one are new. Otherwise the marked record is gone (memory cleared):
    /// every record read is new.
    private func releaseUnseen(_ records: [ContecSpirometerRecord], mark: DeviceRecordMark) -> DeviceOutput {
        if let time = mark.deviceTime, let index = records.lastIndex(where: { $0.deviceTime == time }) {
            var output = release(Array(records[(index + 1)...]))
            output.events.append(.deviceInfo(key: "recordNumbering", value: "the marked record is now number \(records[index].number) (older records dropped); the records after it are new"))
            return output
        }
        var output = release(records)
        output.events.append(.deviceInfo(key: "recordNumbering", value: "the marked record is gone (memory cleared or renumbered); every record is read again"))
        return output
    }

    private func release(_ records: [ContecSpirometerRecord]) -> DeviceOutput {
        var output = DeviceOutput(measurements: records.flatMap(\.measurements))
        if let last = records.last {
            let number = UInt16(clamping: last.number)
            output.recordMark = DeviceRecordMark(sequenceNumber: number, deviceTime: last.deviceTime)
            output.sequenceNumber = number
        }
        return output
    }

    /// A record (and its waveform) is done: the next one, or the end of the sync.
    private mutating func recordDone() -> DeviceOutput {
        guard slotsRead >= recordCount else { return send(ContecSpirometerProtocol.nextRecord, awaiting: .record) }
        var output = DeviceOutput()
        if !markPassed, !heldBack.isEmpty, let mark = committedMark { output = releaseUnseen(heldBack, mark: mark) }
        markPassed = true
        heldBack = []
        output.append(send(options.deleteAfterSync ? ContecSpirometerProtocol.endDeletingRecords : ContecSpirometerProtocol.endKeepingRecords,
                           awaiting: .deleted))
        step = .ended  // nothing answers the end command (the vendor app waits 1 s and stops)
        output.transferComplete = true
        return output
    }

    /// An awaited answer that never came: the sync is ended (records kept) rather than left hanging.
    private mutating func checkStall(at time: Instant) -> DeviceOutput {
        guard let since = lastProgress else { return DeviceOutput() }
        switch step {
        case .awaiting, .receivingWaveform: break
        case .idle, .ended: return DeviceOutput()
        }
        guard time.milliseconds(since: since) >= Int64(options.answerTimeoutSeconds) * 1000 else { return DeviceOutput() }
        var output = DeviceOutput(events: [.rejectedFrame(reason: "no answer \(stepDescription) for \(options.answerTimeoutSeconds) s; the sync is ended, records kept")])
        if let torn = tornFrameReason(ending: "when the device fell silent") { output.events.append(.rejectedFrame(reason: torn)) }
        frame = []; heldBack = []
        output.append(send(ContecSpirometerProtocol.endKeepingRecords, awaiting: .deleted))
        step = .ended
        output.transferComplete = true
        return output
    }

    private var stepDescription: String {
        switch step {
        case .idle: "no sync is running"
        case let .awaiting(answer): "waiting for the \(answer.name)"
        case let .receivingWaveform(remaining): "receiving a waveform (\(remaining) bytes to come)"
        case .ended: "the sync has ended"
        }
    }
}
