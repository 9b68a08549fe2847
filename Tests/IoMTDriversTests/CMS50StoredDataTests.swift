import IoMTCore
import IoMTDrivers
import IoMTLab
import IoMTProfiles
import Testing

/// The `contec-cms50d-bt` profile's stored-data download against the lab's recording memory (`CMS50StoredMemory`, the
/// pty simulator's, encoded from the Contec V7.0 document by the lab's own encoder, never by the driver).
struct CMS50StoredDataTests {
    static let start = Instant(millisecondsSinceEpoch: 1_796_000_000_000)
    static let recordingStart = CivilTime(year: 2026, month: 12, day: 4, hour: 22, minute: 30, second: 0)

    static func reader() throws -> any DeviceReader {
        try DriverRegistry.makeReader(for: try #require(try Repository.catalog().profile(id: "contec-cms50d-bt")))
    }

    /// One link: the reader's commands answered by `memory` (data in 13-byte chunks, torn across packages) until it asks
    /// for live data again (A1) or falls silent. Returns every output and the command codes in order.
    static func sync(_ reader: inout any DeviceReader, _ memory: inout CMS50StoredMemory, mark: DeviceRecordMark? = nil,
                     at start: Instant = start) -> (outputs: [DeviceOutput], codes: [UInt8]) {
        reader.resume(from: mark)
        var time = start
        var outputs = [reader.handle(.linkUp, at: time)]
        var pending = outputs[0].byteCommands
        var codes: [UInt8] = []
        while !pending.isEmpty {
            let command = pending.removeFirst()
            let code = command[2]
            codes.append(code)
            if code == 0xA1 { break }
            let parameters = Array(CMS50Frame.v46Unpack(command)?.payload.dropFirst() ?? [])
            let bytes: [UInt8]
            switch memory.react(to: code, parameters: parameters) {
            case let .answer(answer), let .stopData(answer), let .live(_, answer): bytes = answer
            case let .sendData(packets): bytes = Array(packets.joined())
            }
            for chunk in stride(from: 0, to: bytes.count, by: 13).map({ Array(bytes[$0..<min($0 + 13, bytes.count)]) }) {
                time = time.adding(milliseconds: 20)
                let output = reader.handle(.bytes(chunk), at: time)
                outputs.append(output)
                pending += output.byteCommands
            }
        }
        return (outputs, codes)
    }

    static func sessions(_ outputs: [DeviceOutput]) -> [DecodedMeasurement] {
        outputs.flatMap(\.measurements).filter { $0.type == OvernightOximetry.session }
    }

    @Test func aRecordingArrivesAsOneOvernightSessionWithDeviceTimesThenLiveDataResumes() throws {
        var reader = try Self.reader()
        var memory = CMS50StoredMemory(segments: [.labNight(count: 200)])
        let (outputs, codes) = Self.sync(&reader, &memory)
        // Stop live, segment amount, length, start time, data, stop data, live again; never a delete.
        #expect(codes == [0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA1])
        #expect(memory.deleteRequests == 0)
        let session = try #require(Self.sessions(outputs).first)
        #expect(Self.sessions(outputs).count == 1)
        #expect(session.deviceTime == Self.recordingStart)
        let spo2 = try #require(session.series.first { $0.type == .spo2 })
        let pulse = try #require(session.series.first { $0.type == .pulseRateOximetry })
        #expect(spo2.periodMilliseconds == 1000 && spo2.samples.count == 200 && pulse.samples.count == 200)
        #expect(spo2.samples[0] == 97 && spo2.samples[60] == 86 && spo2.samples[199] == 97 && pulse.samples[70] == 80)
        // The summary: 30 s below 90 %, one 11-point desaturation for 30 s (ODI3 and ODI4 both count it).
        let figures = Dictionary(uniqueKeysWithValues: session.components.map { ($0.type.localCoding?.code ?? "?", $0.value?.description ?? "-") })
        #expect(figures["recording-time"] == "200" && figures["t90"] == "30" && figures["spo2-min"] == "86" && figures["pulse-max"] == "80")
        #expect(figures["odi4"] == "18.0")  // 1 event in 200 s = 18/h
        // The mark is the device time of the last sample, handed over with the session.
        let marks = outputs.compactMap(\.recordMark)
        #expect(marks == [DeviceRecordMark(sequenceNumber: 0, deviceTime: CivilTime(year: 2026, month: 12, day: 4, hour: 22, minute: 33, second: 19))])
    }

    @Test func aSecondSyncTakesNothingTwiceAndAGrownRecordingOnlyItsNewSamples() throws {
        var reader = try Self.reader()
        var memory = CMS50StoredMemory(segments: [.labNight(count: 200)])
        let first = Self.sync(&reader, &memory)
        let mark = first.outputs.compactMap(\.recordMark).last
        // Same recording: the data is not even asked for.
        let second = Self.sync(&reader, &memory, mark: mark, at: Self.start.adding(milliseconds: 600_000))
        #expect(Self.sessions(second.outputs).isEmpty)
        #expect(!second.codes.contains(0xA6) && second.codes.last == 0xA1)
        // The recording went on by 50 samples: only those arrive, stamped from where the first sync ended.
        memory.growthPerSync = 50
        let third = Self.sync(&reader, &memory, mark: mark, at: Self.start.adding(milliseconds: 1_200_000))
        let tail = try #require(Self.sessions(third.outputs).first)
        #expect(Self.sessions(third.outputs).count == 1)
        #expect(tail.deviceTime == CivilTime(year: 2026, month: 12, day: 4, hour: 22, minute: 33, second: 20))
        #expect(tail.series.first { $0.type == .spo2 }?.samples.count == 50)
        #expect(third.outputs.compactMap(\.recordMark).last?.deviceTime == CivilTime(year: 2026, month: 12, day: 4, hour: 22, minute: 34, second: 9))
    }

    @Test func aSilentDeviceEndsTheDownloadVisiblyAndLiveDataResumes() throws {
        var reader = try Self.reader()
        #expect(reader.handle(.linkUp, at: Self.start).byteCommands == [CMS50V46Packet.command(0xA2)])
        #expect(reader.handle(.tick, at: Self.start.adding(milliseconds: 1000)).byteCommands.isEmpty)
        // No free feedback to A2: the segment amount is asked all the same.
        let afterStop = reader.handle(.tick, at: Self.start.adding(milliseconds: 2000))
        #expect(afterStop.byteCommands == [CMS50V46Packet.command(0xA3, [0])])
        // No answer to A3 either: the download ends with a reason, and live data is asked for.
        let ended = reader.handle(.tick, at: Self.start.adding(milliseconds: 4000))
        #expect(ended.rejections.contains { $0.contains("no answer within 2000 ms to A3") })
        #expect(ended.events.contains { if case let .deviceInfo("storedData", value) = $0 { value.contains("A3") } else { false } })
        #expect(ended.byteCommands == [CMS50V46Decoder.startLiveData])
        // Live frames are read as before.
        let frame = CMS50Frame.v46(CMS50Sample(pleth: 50, signalStrength: 6, barGraph: 3, beat: false, fingerOut: false, searching: false,
                                               probeError: false, spo2Dropping: false, pulseRate: 72, spo2: 97))
        _ = reader.handle(.bytes(frame), at: Self.start.adding(milliseconds: 4100))
        let live = reader.handle(.linkDown, at: Self.start.adding(milliseconds: 4200)).measurements
        #expect(live.contains { $0.type == .spo2 && $0.value == DecimalValue(97) })
    }

    @Test func segmentsAreReadOldestFirstEachAsItsOwnSession() throws {
        var reader = try Self.reader()
        let later = CMS50StoredSegment.labNight(count: 30, start: CivilTime(year: 2026, month: 12, day: 5, hour: 1, minute: 0, second: 0))
        let earlier = CMS50StoredSegment.labNight(count: 20, start: CivilTime(year: 2026, month: 12, day: 4, hour: 22, minute: 0, second: 0))
        let empty = CMS50StoredSegment(start: CivilTime(year: 2026, month: 12, day: 5, hour: 2, minute: 0, second: 0), samples: [])
        var memory = CMS50StoredMemory(segments: [later, earlier, empty])
        let (outputs, codes) = Self.sync(&reader, &memory)
        // Every segment's length and start first; then the data of segment 1 (the older), then segment 0; the empty one never.
        #expect(codes == [0xA2, 0xA3, 0xA4, 0xA5, 0xA4, 0xA5, 0xA4, 0xA5, 0xA6, 0xA7, 0xA6, 0xA7, 0xA1])
        let sessions = Self.sessions(outputs)
        #expect(sessions.map(\.deviceTime) == [earlier.start, later.start])
        #expect(sessions.map { $0.series.first?.samples.count } == [20, 30])
        #expect(outputs.compactMap(\.recordMark).map(\.deviceTime) == [CivilTime(year: 2026, month: 12, day: 4, hour: 22, minute: 0, second: 19),
                                                                     CivilTime(year: 2026, month: 12, day: 5, hour: 1, minute: 0, second: 29)])
    }

    @Test func aDeviceThatRefusesTheStoredDataCommandsIsReadLive() throws {
        var reader = try Self.reader()
        _ = reader.handle(.linkUp, at: Self.start)
        _ = reader.handle(.bytes(CMS50Frame.answer(.free, [])), at: Self.start.adding(milliseconds: 50))
        let refused = reader.handle(.bytes(CMS50Frame.answer(.commandFeedback, [0xA3, 0x05])), at: Self.start.adding(milliseconds: 100))
        #expect(refused.rejections.contains { $0.contains("command 0xA3") && $0.contains("not supported") }, "\(refused.rejections)")
        #expect(refused.byteCommands == [CMS50V46Decoder.startLiveData])
    }

    @Test func packagesDecodeAsTheVendorDocumentLaysThemOut() throws {
        // [12] §3.3.1 note 3: a length of 86031 travels as 15, 80, 01, 00 (low byte first).
        let length = CMS50Frame.answer(.dataLength, [0, 2, 15, 80, 1, 0])
        #expect(CMS50V46Answer.decode(length) == .dataLength(user: 0, segment: 2, length: 86031))
        // Bit 7 of a value travels in the high byte: a pulse of 200 in a 0x0F package; the padding (0) carries no value.
        let data = CMS50Frame.answer(.storedData, [95, 200, 127, 255, 0, 0])
        #expect(CMS50V46Answer.decode(data) == .storedData([CMS50StoredSample(spo2: 95, pulseRate: 200), CMS50StoredSample(spo2: 127, pulseRate: 255),
                                                             CMS50StoredSample(spo2: 0, pulseRate: 0)], withPerfusionIndex: false))
        #expect(CMS50StoredSample(spo2: 127, pulseRate: 255).spo2 == nil && CMS50StoredSample(spo2: 0, pulseRate: 0).pulseRate == nil)
        #expect(CMS50V46Answer.decode(CMS50Frame.startTime(user: 0, segment: 1, CivilTime(year: 2026, month: 12, day: 4, hour: 22, minute: 30, second: 5)).prefix(8).map { $0 })
                == .startDate(user: 0, segment: 1, year: 2026, month: 12, day: 4))
        // Commands: parameters sent with bit 7 set, unused ones as 0x80.
        #expect(CMS50V46Packet.command(0xA4, [0, 1]) == [0x7D, 0x81, 0xA4, 0x80, 0x81, 0x80, 0x80, 0x80, 0x80])
        // Packages of all types are framed across torn reads; unknown types are dropped and counted.
        var framer = CMS50V46PacketFramer()
        let stream = [0x55, 0x80] + length + data
        let packets = framer.push(Array(stream.prefix(5))) + framer.push(Array(stream.dropFirst(5)))
        #expect(packets == [length, data] && framer.discardedBytes == 2)
    }
}
