import IoMTCore
import IoMTDrivers
import Testing

/// What the simulator tests (IoMTEndToEndTests/Bluetooth/BeurerPO60SimulatorTests) cannot send: records out of order,
/// twice in one transfer, cut at link down, and hostile streams through the fuzz target's invariants.
@Suite struct BeurerPO60ReaderTests {
    /// An E9 packet of the published layout (DEVICES.md §2.1), built here, not by the reader's decoder.
    static func packet(_ number: Int, minute: Int, spo2 avg: UInt8 = 96) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 23)
        bytes[0] = 0xE9; bytes[1] = UInt8(number)
        bytes[8...13] = [26, 11, 30, 9, UInt8(minute), 7]
        bytes[17...19] = [99, 90, avg]
        return bytes
    }
    static let pulse: [UInt8] = [84, 61, 72]

    func run(_ notifications: [[UInt8]], from mark: DeviceRecordMark? = nil, quiet: Bool) -> DeviceOutput {
        var reader = BeurerPO60Reader()
        reader.resume(from: mark)
        var time = Instant(millisecondsSinceEpoch: 1_796_000_000_000)
        var output = reader.handle(.linkUp, at: time)
        time = time.adding(milliseconds: 1000)
        output.append(reader.handle(.tick, at: time))
        for notification in notifications { output.append(reader.handle(.value(characteristic: 0xFF02, bytes: notification), at: time)) }
        if quiet {
            for _ in 0..<6 { time = time.adding(milliseconds: 1000); output.append(reader.handle(.tick, at: time)) }
        }
        output.append(reader.handle(.linkDown, at: time))
        return output
    }

    func minutes(_ output: DeviceOutput) -> [Int] { output.measurements.filter { $0.type == .spo2 }.compactMap { $0.deviceTime?.minute } }

    @Test func recordsSentNewestFirstAreReportedOldestFirstOnceWithTheNewestAsTheMark() {
        let stream = [Self.packet(3, minute: 30), Self.pulse, Self.packet(2, minute: 20), Self.pulse, Self.packet(2, minute: 20), Self.pulse]
        let output = run(stream, quiet: true)
        #expect(minutes(output) == [20, 30])
        #expect(output.recordMark?.sequenceNumber == 3 && output.recordMark?.deviceTime?.minute == 30 && output.transferComplete)
        #expect(run(stream, from: output.recordMark, quiet: true).measurements.isEmpty)
    }

    @Test func aTransferCutAfterRecordsNewestFirstKeepsTheMarkSoTheNextSyncMissesNothing() {
        let output = run([Self.packet(3, minute: 30), Self.pulse, Self.packet(2, minute: 20), Self.pulse], quiet: false)
        #expect(minutes(output) == [20, 30])
        #expect(output.recordMark == nil, "record 1 (09:10) may still come: the mark must not pass it")
        #expect(output.events.contains(.deviceInfo(key: "recordMark", value: "not moved: the transfer was cut and its records did not come oldest first; the next sync reads them again")))
    }

    @Test func whenTheMarkedRecordIsGoneEveryRecordIsNewEvenOlderOnes() {
        let mark = DeviceRecordMark(sequenceNumber: 4, deviceTime: CivilTime(year: 2026, month: 11, day: 30, hour: 9, minute: 40, second: 7))
        let output = run([Self.packet(1, minute: 5), Self.pulse, Self.packet(2, minute: 50), Self.pulse], from: mark, quiet: true)
        #expect(minutes(output) == [5, 50])
        #expect(output.recordMark?.deviceTime?.minute == 50)
        #expect(output.events.contains(.deviceInfo(key: "recordMark", value: "the marked record is no longer on the device (memory cleared or full); every record is read as new")))
    }

    @Test func aRecordEndingBeforeTheMarkSentAfterItIsNamedNotReported() {
        let mark = DeviceRecordMark(sequenceNumber: 2, deviceTime: CivilTime(year: 2026, month: 11, day: 30, hour: 9, minute: 20, second: 7))
        let output = run([Self.packet(1, minute: 10), Self.pulse, Self.packet(2, minute: 20), Self.pulse, Self.packet(3, minute: 5), Self.pulse],
                         from: mark, quiet: true)
        #expect(output.measurements.isEmpty && output.recordMark == nil)
        #expect(output.events.contains(.deviceInfo(key: "deviceClock", value: "records came oldest first, yet 1 sent after the marked one end before it: the device clock may have been set back; they are not reported")))
        let newestFirst = run([Self.packet(1, minute: 30), Self.pulse, Self.packet(2, minute: 20), Self.pulse, Self.packet(3, minute: 10), Self.pulse],
                              from: mark, quiet: true)
        #expect(minutes(newestFirst) == [30])
        #expect(!newestFirst.events.contains { if case .deviceInfo("deviceClock", _) = $0 { true } else { false } }, "older records after the mark are normal newest first")
    }

    @Test func theSameEndTimeWithAnotherPacketNumberIsTheSameRecord() {
        let mark = DeviceRecordMark(sequenceNumber: 2, deviceTime: CivilTime(year: 2026, month: 11, day: 30, hour: 9, minute: 20, second: 7))
        // A new record came first: the old ones' packet numbers moved by one.
        let output = run([Self.packet(1, minute: 30), Self.pulse, Self.packet(2, minute: 10), Self.pulse, Self.packet(3, minute: 20), Self.pulse],
                         from: mark, quiet: true)
        #expect(minutes(output) == [30])
        #expect(output.recordMark == DeviceRecordMark(sequenceNumber: 1, deviceTime: CivilTime(year: 2026, month: 11, day: 30, hour: 9, minute: 30, second: 7)))
    }

    @Test func theSecondCommandWaitsForATickAndNothingElseIsWritten() {
        var reader = BeurerPO60Reader()
        let start = Instant(millisecondsSinceEpoch: 1_796_000_000_000)
        #expect(reader.handle(.linkUp, at: start).writes.map(\.value) == [[0x90, 0x05, 0x15]])
        #expect(reader.handle(.tick, at: start.adding(milliseconds: 400)).writes.isEmpty)
        #expect(reader.handle(.tick, at: start.adding(milliseconds: 900)).writes.map(\.value) == [[0x99, 0x00, 0x19]])
        #expect(reader.handle(.tick, at: start.adding(milliseconds: 1900)).writes.isEmpty)
    }

    @Test func hostileStreamsKeepTheInvariants() {
        let random = (0..<48).map { seed in (0..<240).map { UInt8(truncatingIfNeeded: ($0 &* 131 &+ seed &* 17) ^ ($0 >> 3)) } }
        let pairs = (1...12).flatMap { [Self.packet($0, minute: (37 * $0) % 60), Self.pulse] }
        // Control 0x16: notifications of 23 bytes, a second apart; 0x02: of 3 bytes.
        let records = pairs.flatMap { $0 + [UInt8](repeating: 0, count: 23 - $0.count) }
        let streams: [[UInt8]] = random + [
            [0x16] + records, [0x56] + records, [0x02] + records, [0x16] + Array(repeating: 0xE9, count: 300),
            [0x16] + Self.packet(1, minute: 10) + Self.packet(1, minute: 10) + Self.packet(1, minute: 10),
        ]
        for input in streams {
            #expect(BeurerPO60Invariants.violation(in: input) == nil, "input \(input.prefix(32))")
        }
    }
}
