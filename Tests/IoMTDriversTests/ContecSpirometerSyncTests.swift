import IoMTCore
import IoMTDrivers
import IoMTProfiles
import Testing

/// A Contec BLE spirometer as DEVICES.md §1.1 describes it, written from the published facts (not from the driver):
/// it checks each command's sum rule, answers on FF02 in 20-byte notifications (the default ATT MTU, so a record spans
/// three), and keeps its records unless told to delete them.
struct ContecSpirometerPeer {
    struct Record { var number: Int; var time: (Int, Int, Int, Int, Int, Int); var fvc: Int; var fev1: Int; var ratio: Int; var pef: Int }
    var records: [Record] = []
    var commands: [[UInt8]] = []
    var badChecksums: [[UInt8]] = []
    private var cursor = 0

    static func pair(_ value: Int) -> [UInt8] { [UInt8(value & 0x7F), UInt8((value >> 7) & 0x7F)] }

    static func frame(_ record: Record) -> [UInt8] {
        let (year, month, day, hour, minute, second) = record.time
        var frame: [UInt8] = [0xE1, 0x00, 0x01] + pair(record.number)
        frame += [UInt8(year - 2000), UInt8(month), UInt8(day), UInt8(hour), UInt8(minute), UInt8(second), 0, 50] + pair(170) + [1, 0]
        frame += pair(record.fvc) + pair(0) + pair(record.fev1) + pair(record.ratio) + pair(0) + pair(0) + pair(record.pef)
        frame += pair(0) + pair(0) + pair(0) + pair(0) + pair(120) + pair(60)
        return frame + [UInt8(frame.reduce(0) { $0 + Int($1) } & 0x7F)]
    }

    /// The answer to one command, as notifications.
    mutating func answer(_ command: [UInt8]) -> [[UInt8]] {
        commands.append(command)
        if command.count < 2 || Int(command.dropLast().reduce(0) { $0 + Int($1) } & 0x7F) != Int(command.last!) { badChecksums.append(command) }
        var bytes: [UInt8] = []
        switch command.first {
        case 0x80: bytes = [0xF0, 0x70]
        case 0x83: bytes = [0xF3, 0x00, 0x73]
        case 0x82: bytes = [0xF2, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]
        case 0x94: bytes = [0xE4] + [UInt8](repeating: 0x11, count: 22)
        case 0x90: bytes = [0xE0] + Self.pair(records.count) + [UInt8](repeating: 0, count: 7)
        case 0x91 where command[1] == 0x00: cursor = 0; bytes = Self.frame(records[cursor])
        case 0x91 where command[1] == 0x01: cursor += 1; bytes = cursor < records.count ? Self.frame(records[cursor]) : [0xE1, 0x7E] + [UInt8](repeating: 0, count: 42)
        case 0x91 where command[1] == 0x7F: records = []; bytes = [0xE3, 0x00, 0x63]  // a device may confirm (S2's E3)
        case 0x92: bytes = [0xE2] + Self.pair(cursor + 1) + Self.pair(3) + [UInt8](repeating: 0x81, count: 24)  // 3 wave frames
        default: break
        }
        return stride(from: 0, to: bytes.count, by: 20).map { Array(bytes[$0..<min(bytes.count, $0 + 20)]) }
    }
}

/// Drives a reader through a whole sync against the peer, as the Bluetooth connection would: link up, each write to
/// FF01 answered by notifications on FF02, until the reader asks nothing more.
func contecSync(_ reader: inout any DeviceReader, _ peer: inout ContecSpirometerPeer, at time: Instant) -> DeviceOutput {
    var total = reader.handle(.linkUp, at: time)
    var pending = total.writes
    while !pending.isEmpty {
        let write = pending.removeFirst()
        #expect(write.characteristic == 0xFF01 && write.service == 0xFF12)
        for notification in peer.answer(write.value) {
            let output = reader.handle(.value(characteristic: 0xFF02, bytes: notification), at: time)
            pending += output.writes
            total.append(output)
        }
    }
    total.append(reader.handle(.linkDown, at: time))
    return total
}

@Suite struct ContecSpirometerSyncTests {
    static let time = Instant(millisecondsSinceEpoch: 1_795_000_000_000)  // 2026-11-18T11:06:40Z

    func reader(options: [String: JSONValue] = [:]) throws -> any DeviceReader {
        var profile = try #require(try Repository.catalog().profile(id: "contec-spirometer-ble"))
        profile.driverOptions = options
        return try DriverRegistry.makeReader(for: profile)
    }

    func values(_ output: DeviceOutput, _ type: MeasurementType) -> [String] {
        output.measurements.filter { $0.type == type }.compactMap { $0.value?.description }
    }

    static let sequenceStart: [[UInt8]] = [[0x80, 0x00], [0x83, 26, 11, 18, 11, 6, 40, 0, 0, 0x73], [0x82, 0x02], [0x94, 0x14], [0x90, 0x10]]

    @Test func threeRecordsAreDownloadedThenNothingNewThenANewRecordAlone() throws {
        var peer = ContecSpirometerPeer()
        peer.records = [
            .init(number: 1, time: (2026, 11, 1, 8, 0, 0), fvc: 410, fev1: 320, ratio: 780, pef: 850),
            .init(number: 2, time: (2026, 11, 2, 8, 0, 5), fvc: 405, fev1: 310, ratio: 765, pef: 830),
            .init(number: 3, time: (2026, 11, 3, 8, 1, 0), fvc: 398, fev1: 300, ratio: 754, pef: 801),
        ]
        var reader = try reader()
        reader.resume(from: nil)
        let first = contecSync(&reader, &peer, at: Self.time)
        // Start, clock (2026-11-18 11:06:40.000 UTC), version, predicted, count; then each record and its waveform; end, keep.
        #expect(peer.commands == Self.sequenceStart + [[0x91, 0x00, 0x01, 0x12], [0x92, 0x00, 0x12], [0x91, 0x01, 0x01, 0x13], [0x92, 0x00, 0x12],
                                                       [0x91, 0x01, 0x01, 0x13], [0x92, 0x00, 0x12], [0x91, 0x7E, 0x01, 0x10]])
        #expect(peer.badChecksums.isEmpty)
        #expect(first.rejections.isEmpty, "\(first.rejections)")
        #expect(values(first, .fvc) == ["4.10", "4.05", "3.98"])
        #expect(values(first, .fev1) == ["3.20", "3.10", "3.00"])
        #expect(values(first, .fev1FvcRatio) == ["78.0", "76.5", "75.4"])
        #expect(values(first, .pef) == ["8.50", "8.30", "8.01"])
        #expect(first.measurements.filter { $0.type == .fvc }.map(\.deviceTime) == [
            CivilTime(year: 2026, month: 11, day: 1, hour: 8), CivilTime(year: 2026, month: 11, day: 2, hour: 8, second: 5),
            CivilTime(year: 2026, month: 11, day: 3, hour: 8, minute: 1)])
        let mark = try #require(first.recordMark)
        #expect(mark == DeviceRecordMark(sequenceNumber: 3, deviceTime: CivilTime(year: 2026, month: 11, day: 3, hour: 8, minute: 1)))
        #expect(first.transferComplete)
        #expect(peer.records.count == 3, "the device keeps its records")

        // The next link resumes from the mark the store committed: every record is read, none is new.
        peer.commands = []
        reader.resume(from: mark)
        let second = contecSync(&reader, &peer, at: Self.time.adding(milliseconds: 60_000))
        #expect(second.measurements.isEmpty)
        #expect(second.recordMark == nil)
        #expect(second.rejections.isEmpty, "\(second.rejections)")
        #expect(peer.commands.last == [0x91, 0x7E, 0x01, 0x10])

        // A new test on the device: only it is downloaded, and the mark moves to it.
        peer.records.append(.init(number: 4, time: (2026, 11, 19, 7, 30, 0), fvc: 420, fev1: 330, ratio: 786, pef: 870))
        reader.resume(from: mark)
        let third = contecSync(&reader, &peer, at: Self.time.adding(milliseconds: 120_000))
        #expect(values(third, .fvc) == ["4.20"])
        #expect(Set(third.measurements.map(\.deviceTime)) == [CivilTime(year: 2026, month: 11, day: 19, hour: 7, minute: 30)])
        #expect(third.recordMark?.sequenceNumber == 4)
    }

    /// The device's memory was cleared and refilled: the marked record is gone, so every record read is new.
    @Test func aMarkedRecordThatIsGoneMakesEveryRecordNew() throws {
        var peer = ContecSpirometerPeer()
        peer.records = [.init(number: 1, time: (2026, 12, 1, 8, 0, 0), fvc: 300, fev1: 200, ratio: 667, pef: 500),
                        .init(number: 2, time: (2026, 12, 2, 8, 0, 0), fvc: 310, fev1: 210, ratio: 677, pef: 510)]
        var reader = try reader()
        reader.resume(from: DeviceRecordMark(sequenceNumber: 2, deviceTime: CivilTime(year: 2026, month: 11, day: 2, hour: 8)))
        let output = contecSync(&reader, &peer, at: Self.time)
        #expect(values(output, .fvc) == ["3.00", "3.10"])
        #expect(output.recordMark?.sequenceNumber == 2)
        #expect(output.events.contains(.deviceInfo(key: "recordNumbering", value: "the marked record is gone (memory cleared or renumbered); every record is read again")))
    }

    /// A full memory drops its oldest record and renumbers the rest: the marked record (found by its device time under
    /// another number) and those before it are old, only the records after it are new.
    @Test func aRenumberedMemoryDownloadsOnlyTheRecordsAfterTheMarkedOne() throws {
        var peer = ContecSpirometerPeer()
        peer.records = [.init(number: 1, time: (2026, 11, 2, 8, 0, 0), fvc: 300, fev1: 200, ratio: 667, pef: 500),
                        .init(number: 2, time: (2026, 11, 3, 8, 0, 0), fvc: 310, fev1: 210, ratio: 677, pef: 510),
                        .init(number: 3, time: (2026, 11, 4, 8, 0, 0), fvc: 320, fev1: 220, ratio: 688, pef: 520)]
        var reader = try reader()
        reader.resume(from: DeviceRecordMark(sequenceNumber: 3, deviceTime: CivilTime(year: 2026, month: 11, day: 3, hour: 8)))
        let output = contecSync(&reader, &peer, at: Self.time)
        #expect(values(output, .fvc) == ["3.20"])
        #expect(output.recordMark == DeviceRecordMark(sequenceNumber: 3, deviceTime: CivilTime(year: 2026, month: 11, day: 4, hour: 8)))
    }

    /// A device that keeps sending records numbered below the mark (unasked) cannot make the reader hold them without
    /// bound: past the most a 14-bit count can announce, the oldest held is dropped, named.
    @Test func recordsHeldBeforeTheMarkAreBounded() throws {
        var reader = try reader()
        reader.resume(from: DeviceRecordMark(sequenceNumber: 9000, deviceTime: nil))
        _ = reader.handle(.linkUp, at: Self.time)
        let record = ContecSpirometerPeer.frame(.init(number: 1, time: (2026, 11, 2, 8, 0, 0), fvc: 300, fev1: 200, ratio: 667, pef: 500))
        var rejections: [String] = []
        for _ in 0..<16_384 { rejections += reader.handle(.value(characteristic: 0xFF02, bytes: record), at: Self.time).rejections }
        #expect(rejections == ["more than 16383 records before the marked one: the oldest held is dropped"])
    }

    @Test func recordsAreDeletedOnlyWhenTheProfileSaysSoAndTheOtherLayoutIsRefused() throws {
        var peer = ContecSpirometerPeer()
        peer.records = [.init(number: 1, time: (2026, 12, 1, 8, 0, 0), fvc: 300, fev1: 200, ratio: 667, pef: 500)]
        var reader = try reader(options: ["deleteAfterSync": .bool(true), "requestWaveform": .bool(false), "setClock": .bool(false)])
        let deleted = contecSync(&reader, &peer, at: Self.time)
        #expect(peer.commands == [[0x80, 0x00], [0x82, 0x02], [0x94, 0x14], [0x90, 0x10], [0x91, 0x00, 0x01, 0x12], [0x91, 0x7F, 0x01, 0x11]])
        #expect(peer.records.isEmpty)
        #expect(deleted.events.contains(.deviceInfo(key: "deleted", value: "yes")), "the delete confirmation is reported, not rejected")
        #expect(deleted.rejections.isEmpty, "\(deleted.rejections)")
        #expect { _ = try self.reader(options: ["recordLayout": .string("contec-sdk-e1-32")]) } throws: { error in
            (error as? DriverConfigurationError)?.expected.contains("known only in part") == true
        }
    }

    /// Torn, corrupted and unexpected notifications mid-sync are named and never crash; a device that falls silent is
    /// told to end the sync (records kept) after the answer timeout, measured on the instants handed in.
    @Test func hostileNotificationsAreRejectedAndASilentDeviceEndsTheSync() throws {
        var reader = try reader()
        _ = reader.handle(.linkUp, at: Self.time)
        let started = reader.handle(.value(characteristic: 0xFF02, bytes: [0xF0, 0x70]), at: Self.time)
        #expect(started.writes.first?.value.first == 0x83)
        var output = reader.handle(.value(characteristic: 0xFF02, bytes: [0xF3, 0x00, 0x05]), at: Self.time)  // wrong sum
        #expect(output.rejections.count == 1 && output.rejections[0].contains("checksum"))
        #expect(output.writes.map(\.value) == [[0x82, 0x02]], "the sync goes on without the clock")
        output = reader.handle(.value(characteristic: 0xFF02, bytes: [0xF2, 1, 2, 3, 0xE1, 0x00, 0x01, 0xAA, 0x7F]), at: Self.time)
        #expect(output.rejections.contains { $0.contains("truncated version (F2)") })
        #expect(output.rejections.contains { $0.contains("unknown answer type 0xaa") })
        #expect(output.measurements.isEmpty)
        #expect(reader.handle(.value(characteristic: 0x2A35, bytes: [1]), at: Self.time).rejections.count == 1)
        #expect(reader.handle(.tick, at: Self.time.adding(milliseconds: 14_000)).writes.isEmpty)
        let stalled = reader.handle(.tick, at: Self.time.adding(milliseconds: 15_000))
        #expect(stalled.writes.map(\.value) == [[0x91, 0x7E, 0x01, 0x10]])
        #expect(stalled.rejections.first?.contains("no answer") == true)
    }

    /// The fuzz target's findings, hostile streams and every fixture notification (in each notification size, with and
    /// without a mark) keep the reader's invariants.
    @Test func fuzzFindingsAndFixtureNotificationsKeepTheInvariants() throws {
        let fixtures = try FixtureCase.all().filter { $0.description.hasPrefix("contec-spirometer/") }.map { try $0.capture() }
        #expect(fixtures.count >= 5)
        let sync: [UInt8] = [0xF0, 0x70, 0xF3, 0x00, 0x73, 0xF2, 1, 2, 3, 4, 5, 6, 7, 0xE4] + [UInt8](repeating: 0, count: 22)
            + [0xE0, 0x02, 0x00] + [UInt8](repeating: 0, count: 7)
        for input in FuzzCrashRegressionTests.inputs(target: "ContecSpirometer") + FuzzCrashRegressionTests.hostileStreams {
            #expect(ContecSpirometerInvariants.violation(in: input) == nil, "input \(input.prefix(32))")
        }
        for capture in fixtures {
            for control: UInt8 in [0x00, 0x07, 0x13, 0x1F, 0x20, 0x33] {
                #expect(ContecSpirometerInvariants.violation(in: [control] + sync + capture + capture) == nil, "fixture \(capture.prefix(8))")
            }
        }
    }
}
