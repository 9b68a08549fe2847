import IoMTCore

/// Reading a Beurer PO60's stored measurements as a state machine (README.md, "Beurer PO60"): link up → `90 05 15`,
/// on the first tick at least `secondCommandDelayMs` later → `99 00 19`; the device then notifies each stored
/// measurement as an `E9` packet and a pulse-rate packet. The device sends all its records every time and announces
/// neither their count nor the end, so the transfer ends after `transferQuietMs` without a notification (or at link
/// down); then the records after the committed mark (end time, then packet number) are reported with their device end
/// time, and the newest becomes the mark. Pure: no I/O, no clock but the instants it is handed.
public struct BeurerPO60Reader: DeviceReader {
    public struct Options: Sendable, Hashable {
        /// The published client waits 0.5 s between its two commands.
        public var secondCommandDelayMs: Int64 = 500
        /// The published client stops listening 5 s after its second command.
        public var transferQuietMs: Int64 = 5000
        public init() {}
    }

    public static let profile = ContecBLEFraming.gattProfile(driverId: ContecOximeterBLERegistration.driverId,
                                                             name: "Beurer PO60 stored measurements (service FF12)", notified: "Stored measurements")

    /// One stored measurement as received: its E9 packet and, when it followed and was valid, its pulse rate.
    struct Record: Sendable, Hashable {
        var packet: BeurerPO60Protocol.MeasurementPacket
        var pulse: BeurerPO60Protocol.Statistics?
        var pulseFrame: [UInt8] = []
        /// What of it is not reported and why: said once, when the record is new (not at every re-sync).
        var problems: [DriverEvent] = []
        /// The end time alone tells records apart: one device cannot end two spot checks in the same second, and the
        /// packet number's meaning is unknown (4 bits: it may be the position in the transfer, which shifts as records are added).
        var order: Int64 { packet.endTime.deviceClockOrder }
    }


    public let options: Options
    public var needs: DeviceNeeds { .gatt(Self.profile) }
    private var committedMark: DeviceRecordMark?
    /// When the second command falls due (nil once written, or while the link is down).
    private var secondCommandDue: Instant?
    /// The E9 packet whose pulse-rate packet is the next notification.
    private var awaitingPulse: BeurerPO60Protocol.MeasurementPacket?
    /// This transfer's records, in the order received.
    private var received: [Record] = []
    /// The last notification (or the second command); nil while no transfer is open.
    private var transferActivity: Instant?

    public init(options: Options = Options()) { self.options = options }

    public mutating func resume(from mark: DeviceRecordMark?) { committedMark = mark }

    public mutating func handle(_ input: DeviceInput, at time: Instant) -> DeviceOutput {
        switch input {
        case .linkUp:
            received = []; awaitingPulse = nil; transferActivity = nil
            secondCommandDue = time.adding(milliseconds: options.secondCommandDelayMs)
            return write(BeurerPO60Protocol.requestStored)
        case let .value(characteristic, bytes):
            guard characteristic == ContecBLEFraming.notifyCharacteristic else {
                return ContecBLEFraming.refusal(of: input, device: "Beurer PO60", driverId: Self.profile.driverId)
            }
            transferActivity = time
            return receive(bytes)
        case .tick:
            return tick(at: time)
        case .linkDown:
            secondCommandDue = nil
            return endTransfer(complete: false)
        case .bytes:
            return ContecBLEFraming.refusal(of: input, device: "Beurer PO60", driverId: Self.profile.driverId)
        }
    }

    private mutating func tick(at time: Instant) -> DeviceOutput {
        if let due = secondCommandDue, time >= due {
            secondCommandDue = nil
            transferActivity = time
            return write(BeurerPO60Protocol.sendStored)
        }
        guard let last = transferActivity else { return DeviceOutput() }
        // A wall clock stepped back: wait the quiet period from now.
        if time < last { transferActivity = time; return DeviceOutput() }
        guard time.milliseconds(since: last) >= options.transferQuietMs else { return DeviceOutput() }
        var output = endTransfer(complete: true)
        output.transferComplete = true
        return output
    }

    /// The notification after an E9 is its pulse-rate packet; any other notification must be an E9.
    private mutating func receive(_ bytes: [UInt8]) -> DeviceOutput {
        var output = DeviceOutput()
        if let packet = awaitingPulse, bytes.first != BeurerPO60Protocol.measurementType {
            awaitingPulse = nil
            do throws(BeurerPO60Protocol.Problem) {
                received.append(Record(packet: packet, pulse: try BeurerPO60Protocol.decodePulsePacket(bytes), pulseFrame: bytes,
                                       problems: Self.spo2Problems(packet)))
            } catch {
                received.append(Record(packet: packet, pulse: nil, problems: Self.spo2Problems(packet)
                    + [.rejectedFrame(reason: error.description + "; the pulse rate of the record ending \(Self.text(packet)) is not reported")]))
            }
            return output
        }
        finishAwaitedRecord(missing: "before the next E9 packet")
        do throws(BeurerPO60Protocol.Problem) {
            awaitingPulse = try BeurerPO60Protocol.decodeMeasurement(bytes)
        } catch {
            output.events.append(.rejectedFrame(reason: error.description))
        }
        return output
    }

    /// An E9 whose pulse-rate packet never came: the record keeps its SpO2, and the missing part is said (a `deviceInfo`:
    /// no frame was wrong, one did not come).
    private mutating func finishAwaitedRecord(missing when: String) {
        guard let packet = awaitingPulse else { return }
        awaitingPulse = nil
        received.append(Record(packet: packet, pulse: nil, problems: Self.spo2Problems(packet)
            + [.deviceInfo(key: "missingPulseRate", value: "record ending \(Self.text(packet)): no pulse-rate packet \(when); its pulse rate is not reported")]))
    }

    private static func spo2Problems(_ packet: BeurerPO60Protocol.MeasurementPacket) -> [DriverEvent] {
        packet.spo2Problem.map { [.rejectedFrame(reason: $0 + " (record ending \(text(packet)))")] } ?? []
    }

    /// The transfer is over: the records that end after the committed mark, oldest first, with the newest as the new
    /// mark (its end time and packet number). When a complete transfer did not hold the marked record (memory cleared, or
    /// more new records than the device keeps) every record is new: nothing is lost. A transfer cut by link down moves
    /// the mark only if its records came oldest first (the ones not yet sent are then newer); otherwise its readings are
    /// reported and the next sync reads them again.
    private mutating func endTransfer(complete: Bool) -> DeviceOutput {
        guard transferActivity != nil || awaitingPulse != nil || !received.isEmpty else { return DeviceOutput() }
        finishAwaitedRecord(missing: complete ? "within \(options.transferQuietMs / 1000) s" : "before link down")
        var output = DeviceOutput()
        let records = received
        received = []; transferActivity = nil
        var marked = committedMark?.deviceTime.map(\.deviceClockOrder)
        if let mark = marked, let index = records.firstIndex(where: { $0.order == mark }) {
            // Records sent oldest first up to the marked one, then older ones after it: stored later, stamped earlier. (A
            // device sending newest first sends older ones after it anyway: then nothing is said.)
            let upToMark = records[...index]
            let oldestFirst = upToMark.count >= 2 && zip(upToMark, upToMark.dropFirst()).allSatisfy { $0.order < $1.order }
            let older = records[(index + 1)...].filter { $0.order < mark }.count
            if oldestFirst, older > 0 {
                output.events.append(.deviceInfo(key: "deviceClock", value: "records came oldest first, yet \(older) sent after the marked one end before it: the device clock may have been set back; they are not reported"))
            }
        } else if marked != nil, complete, !records.isEmpty {
            marked = nil
            output.events.append(.deviceInfo(key: "recordMark", value: "the marked record is no longer on the device (memory cleared or full); every record is read as new"))
        }
        // A record sent twice in one transfer is one record: the copy with its pulse rate wins.
        var byTime: [Int64: Record] = [:]
        for record in records where marked == nil || record.order > marked! {
            if byTime[record.order]?.pulse == nil { byTime[record.order] = record }
        }
        let fresh = byTime.values.sorted { $0.order < $1.order }
        output.events.append(.deviceInfo(key: "storedMeasurements", value: "\(records.count) received, \(fresh.count) new\(complete ? "" : " (transfer cut by link down)")"))
        for record in fresh { output.events += record.problems + [Self.statistics(record)] }
        output.measurements = fresh.flatMap(Self.measurements)
        guard let newest = fresh.last else { return output }
        let ascending = zip(records, records.dropFirst()).allSatisfy { $0.order < $1.order }
        if complete || ascending {
            let mark = DeviceRecordMark(sequenceNumber: UInt16(newest.packet.packetNumber), deviceTime: newest.packet.endTime)
            committedMark = mark
            output.recordMark = mark
        } else {
            output.events.append(.deviceInfo(key: "recordMark", value: "not moved: the transfer was cut and its records did not come oldest first; the next sync reads them again"))
        }
        return output
    }

    /// The averages as the SpO2 and pulse-rate readings, with the record's end time; the pulse rate marked questionable:
    /// 7-bit values, and a rate above 127/min has no known encoding (README.md, "Why the pulse rate is questionable").
    /// Minimum and maximum go with the record's `deviceInfo` only: every Observation DOM receives needs an MDC code
    /// (PHD IG), and none for a spot check's minimum or maximum could be verified (README.md).
    static func measurements(_ record: Record) -> [DecodedMeasurement] {
        var result: [DecodedMeasurement] = []
        if let spo2 = record.packet.spo2 {
            result.append(DecodedMeasurement(type: .spo2, value: DecimalValue(spo2.average), deviceTime: record.packet.endTime, rawFrame: record.packet.frame))
        }
        if let pulse = record.pulse {
            result.append(DecodedMeasurement(type: .pulseRateOximetry, value: DecimalValue(pulse.average), status: [.questionable],
                                             deviceTime: record.packet.endTime, rawFrame: record.pulseFrame))
        }
        return result
    }

    /// "record ending 2026-11-30T09:41:17 (packet 3): SpO2 max 98 min 93 avg 96 %, pulse rate max 84 min 61 avg 72 /min (questionable)".
    static func statistics(_ record: Record) -> DriverEvent {
        var text = "record ending \(Self.text(record.packet)): SpO2 \(record.packet.spo2.map { $0.text + " %" } ?? "not reported")"
        text += ", pulse rate \(record.pulse.map { $0.text + " /min (questionable)" } ?? "not reported")"
        return .deviceInfo(key: "storedMeasurement", value: text)
    }

    static func text(_ packet: BeurerPO60Protocol.MeasurementPacket) -> String {
        "\(packet.endTime.iso8601(withOffset: false, fractionDigits: 0)) (packet \(packet.packetNumber))"
    }

    private func write(_ command: [UInt8]) -> DeviceOutput {
        DeviceOutput(commands: [.write(GATTWrite(service: ContecBLEFraming.service, characteristic: ContecBLEFraming.commandCharacteristic, value: command))])
    }
}
