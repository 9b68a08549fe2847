import IoMTCore
import IoMTDrivers
import IoMTLab
import IoMTProfiles
import Testing

/// Drives a reader against the simulated O2Ring as the Bluetooth connection would: each write to the request
/// characteristic answered by notifications, until the reader asks nothing more; then `ticks` seconds of ticks (live
/// polls). Returns every output.
func o2ringConnection(_ reader: inout any DeviceReader, _ device: inout O2RingDevice, from mark: DeviceRecordMark?,
                      at start: Instant, ticks: Int = 0, clock: String = "2026-12-04,07:15:00") -> [DeviceOutput] {
    reader.resume(from: mark)
    var outputs: [DeviceOutput] = []
    var time = start
    func run(_ first: DeviceOutput) {
        outputs.append(first)
        var pending = first.writes
        while !pending.isEmpty {
            let write = pending.removeFirst()
            #expect(write.characteristic == ViatomOxyReader.writeCharacteristic && write.value.count <= 20)
            for notification in device.receive(write.value, clock: clock) {
                let output = reader.handle(.value(characteristic: ViatomOxyReader.notifyCharacteristic, bytes: notification), at: time)
                outputs.append(output)
                pending += output.writes
            }
        }
    }
    run(reader.handle(.linkUp, at: time))
    for _ in 0..<ticks {
        time = time.adding(milliseconds: 1000)
        run(reader.handle(.tick, at: time))
    }
    outputs.append(reader.handle(.linkDown, at: time))
    return outputs
}

@Suite struct ViatomOxyTests {
    static let start = Instant(millisecondsSinceEpoch: 1_796_000_000_000)

    static func reader() throws -> any DeviceReader {
        let profile = try #require(try Repository.catalog().profile(id: "viatom-o2ring"))
        return try DriverRegistry.makeReader(for: profile)
    }

    static func twoNights() -> O2RingDevice {
        var device = O2RingDevice()
        device.sessions = [
            .night(start: (2026, 12, 2, 22, 30, 0), intervalSeconds: 4, count: 300, seed: 1),
            .night(start: (2026, 12, 3, 23, 5, 10), intervalSeconds: 2, count: 450, seed: 2),
        ]
        device.sessions[0].samples[5] = .init(spo2: 255, pulse: 255)  // finger out for one record
        return device
    }

    // MARK: 1. Packets

    @Test func knownGoodVectorAndRequestLayout() {
        // DEVICES.md §7 item 4: AA 17 E8 00 00 00 00 1B — the CRC of the 0x17 request.
        #expect(ViatomOxyPacket.crc8([0xAA, 0x17, 0xE8, 0x00, 0x00, 0x00, 0x00]) == 0x1B)
        #expect(ViatomOxyPacket.request(.info) == [0xAA, 0x14, 0xEB, 0x00, 0x00, 0x00, 0x00, ViatomOxyPacket.crc8([0xAA, 0x14, 0xEB, 0, 0, 0, 0])])
        let read = ViatomOxyPacket.request(.fileRead, block: 0x0102)
        #expect(Array(read[3...6]) == [0x02, 0x01, 0x00, 0x00])
        // A file open carries the name NUL-terminated: 7 + 15 + 1 = 23 bytes, written as 20 + 3.
        let open = ViatomOxyPacket.request(.fileOpen, data: Array("20261203230510".utf8) + [0])
        #expect(open.count == 23 && Array(open[5...6]) == [15, 0])
        #expect(ViatomOxyPacket.chunks(open).map(\.count) == [20, 3])
        #expect(ViatomOxyPacket.chunks(open).flatMap { $0 } == open)
    }

    @Test func responsesReassembleAcrossNotificationsAndSplitWithinOne() {
        let a = [0x55, 0x00, 0xFF, 0x00, 0x00, 0x03, 0x00, 0x01, 0x02, 0x03] as [UInt8]
        let first = a + [ViatomOxyPacket.crc8(a)]
        let b = [0x55, 0x01, 0xFE, 0x07, 0x00, 0x00, 0x00] as [UInt8]
        let second = b + [ViatomOxyPacket.crc8(b)]
        var assembler = ViatomOxyResponseAssembler()
        var responses: [ViatomOxyPacket.Response] = []
        for byte in [0x13, 0x37] + first + second { responses += assembler.receive([byte]).responses }  // one byte a notification
        #expect(responses.map(\.data) == [[1, 2, 3], []])
        #expect(responses.map(\.status) == [0, 1] && responses[1].block == 7)
        var together = ViatomOxyResponseAssembler()
        let (both, events) = together.receive(first + second)
        #expect(both.count == 2 && events.isEmpty && !together.holdsPartialResponse)
        var torn = ViatomOxyResponseAssembler()
        #expect(torn.receive(Array(first.prefix(9))).responses.isEmpty && torn.holdsPartialResponse)
        var damaged = ViatomOxyResponseAssembler()
        let rejected = damaged.receive(Array(first.dropLast()) + [first.last! ^ 0x80])
        #expect(rejected.responses.isEmpty && rejected.events.contains { if case let .rejectedFrame(reason) = $0 { reason.contains("CRC-8") } else { false } })
    }

    // MARK: 2. Live data

    @Test func liveDataIsPolledOnTheInjectedClockAndNoFingerGivesNoReading() throws {
        var reader = try Self.reader()
        var device = O2RingDevice()
        let outputs = o2ringConnection(&reader, &device, from: nil, at: Self.start, ticks: 5)
        // Info once, then one real-time request a second: at the end of the (empty) download and on each tick after.
        #expect(device.events.filter { $0 == .info }.count == 1)
        #expect(device.events.filter { $0 == .realTime }.count == 6)
        let readings = outputs.flatMap(\.measurements)
        #expect(readings.filter { $0.type == .spo2 }.allSatisfy { $0.value == DecimalValue(97) && $0.deviceTime == nil })
        #expect(readings.filter { $0.type == .pulseRateOximetry }.count == readings.filter { $0.type == .spo2 }.count)
        #expect(readings.filter { $0.type == .spo2 }.count >= 5)

        var bare = try Self.reader()
        var offFinger = O2RingDevice()
        offFinger.worn = false
        let off = o2ringConnection(&bare, &offFinger, from: nil, at: Self.start, ticks: 5)
        #expect(off.flatMap(\.measurements).isEmpty)
        let fingerEvents = off.flatMap(\.events).filter { if case let .deviceInfo(key, _) = $0 { key == "finger" } else { false } }
        #expect(fingerEvents.count == 1)  // reported when it changes, not every second
        #expect(off.flatMap(\.rejections).isEmpty)
    }

    @Test func aSilentDeviceIsAskedAgainAfterTheTimeout() throws {
        var reader = ViatomOxyReader()
        _ = reader.handle(.linkUp, at: Self.start)
        var writes = 0
        var time = Self.start
        for _ in 0..<25 {
            time = time.adding(milliseconds: 1000)
            writes += reader.handle(.tick, at: time).writes.count
        }
        // No info answer for 10 s: live polling starts; a real-time request unanswered for 10 s is made again.
        #expect(writes == 2)
    }

    // MARK: 3. Stored sessions

    @Test func bothSessionsDownloadOnceWithDeviceTimesThenNothingNew() throws {
        var reader = try Self.reader()
        var device = Self.twoNights()
        let first = o2ringConnection(&reader, &device, from: nil, at: Self.start, ticks: 3)
        let stored = first.filter { $0.recordMark != nil }
        #expect(stored.count == 2)
        let night1 = device.sessions[0], night2 = device.sessions[1]
        #expect(stored.map { $0.recordMark?.deviceTime?.iso8601(withOffset: false, fractionDigits: 0) } == ["2026-12-02T22:30:00", "2026-12-03T23:05:10"])
        // Each session is one reading: its start, no value, the file as raw frame, one SpO2 and one pulse-rate series with
        // a sample per record (nil for the no-finger record) at the record interval, iomtd's summary as components.
        #expect(stored.map(\.measurements.count) == [1, 1])
        let session1 = stored[0].measurements[0], session2 = stored[1].measurements[0]
        #expect(session1.type == OvernightOximetry.session && session1.value == nil && session1.rawFrame == night1.file)
        #expect(session1.deviceTime?.iso8601(withOffset: false, fractionDigits: 0) == night1.deviceTime(ofRecord: 0))
        let spo2 = try #require(session1.series.first { $0.type == .spo2 })
        #expect(spo2.samples.count == night1.samples.count && spo2.samples[5] == nil && spo2.periodMilliseconds == 4000)
        #expect(spo2.samples[299] == night1.samples[299].spo2 && spo2.samples.compactMap { $0 }.count == night1.samples.count - 1)
        let pulse2 = try #require(session2.series.first { $0.type == .pulseRateOximetry })
        #expect(pulse2.samples.count == night2.samples.count && pulse2.periodMilliseconds == 2000)
        #expect(pulse2.samples[123] == night2.samples[123].pulse)
        let minimum = session1.components.first { $0.type == OvernightOximetry.Figure.spo2Minimum.type }
        #expect(minimum?.value == DecimalValue(night1.samples.filter { $0.spo2 <= 100 }.map(\.spo2).min()!))
        #expect(session1.components.count == 11)
        #expect(first.flatMap(\.rejections).isEmpty, "\(first.flatMap(\.rejections))")
        // Each file opened, read and closed once; nothing deleted; the device clock from CurTIME.
        #expect(device.events.filter { if case .opened = $0 { true } else { false } }.count == 2)
        #expect(device.events.filter { $0 == .closed }.count == 2)
        #expect(device.sessions.count == 2)
        let clock = try #require(first.compactMap(\.deviceClock).first)
        #expect(clock.dateTime.civilTime.iso8601(withOffset: false, fractionDigits: 0) == "2026-12-04T07:15:00")
        // Live readings follow the download.
        #expect(first.dropFirst(first.firstIndex { $0.recordMark != nil }! + 1).flatMap(\.measurements).contains { $0.deviceTime == nil && $0.type == .spo2 })

        // The second connection, from the mark the store committed: nothing opened, live data only.
        var again = try Self.reader()
        let second = o2ringConnection(&again, &device, from: stored.last?.recordMark, at: Self.start.adding(milliseconds: 60_000), ticks: 3)
        #expect(second.allSatisfy { $0.recordMark == nil })
        #expect(device.events.filter { if case .opened = $0 { true } else { false } }.count == 2)
        #expect(second.flatMap(\.measurements).allSatisfy { $0.deviceTime == nil } && !second.flatMap(\.measurements).isEmpty)

        // A third night recorded since: read alone.
        device.sessions.append(.night(start: (2026, 12, 4, 22, 0, 0), intervalSeconds: 4, count: 10, seed: 3))
        var third = try Self.reader()
        let later = o2ringConnection(&third, &device, from: stored.last?.recordMark, at: Self.start.adding(milliseconds: 120_000))
        #expect(later.compactMap(\.recordMark).map { $0.deviceTime?.iso8601(withOffset: false, fractionDigits: 0) } == ["2026-12-04T22:00:00"])
        #expect(device.events.filter { if case .opened = $0 { true } else { false } }.last == .opened("20261204220000"))
    }

    @Test func aDownloadCutShortKeepsTheMarkAtTheLastWholeSession() throws {
        var reader = ViatomOxyReader()
        var device = Self.twoNights()
        device.blockSize = 100
        // The link drops in the middle of the second session: only the first one was handed over with a mark.
        var outputs = [reader.handle(.linkUp, at: Self.start)]
        var pending = outputs[0].writes
        var reads = 0
        loop: while !pending.isEmpty {
            let write = pending.removeFirst()
            for notification in device.receive(write.value, clock: "2026-12-04,07:15:00") {
                let output = reader.handle(.value(characteristic: ViatomOxyReader.notifyCharacteristic, bytes: notification), at: Self.start)
                outputs.append(output)
                pending += output.writes
            }
            if case .read = device.events.last { reads += 1 }
            if device.events.contains(.opened(device.sessions[1].name)) && reads > 20 { break loop }
        }
        outputs.append(reader.handle(.linkDown, at: Self.start))
        #expect(outputs.compactMap(\.recordMark).map(\.deviceTime) == [ViatomOxyInfo.fileStartTime(device.sessions[0].name)])
        #expect(outputs.last?.rejections.contains { $0.contains("not complete at link down") } == true)
    }

    @Test func aSessionThatDoesNotDecodeIsKeptRetriedThenSetAsideWithoutBlockingLaterOnes() throws {
        var device = O2RingDevice()
        device.sessions = [
            .night(start: (2026, 12, 1, 22, 0, 0), intervalSeconds: 4, count: 20, seed: 1),
            // 3 s per record: no interval the sources confirm, so the file is refused every time it is read.
            .night(start: (2026, 12, 2, 22, 0, 0), intervalSeconds: 3, count: 20, seed: 2),
            .night(start: (2026, 12, 3, 22, 0, 0), intervalSeconds: 2, count: 20, seed: 3),
        ]
        let broken = device.sessions[1]
        func unreadable(_ outputs: [DeviceOutput]) -> [DecodedMeasurement] {
            outputs.flatMap(\.measurements).filter { $0.status.contains(.unreadableRecording) }
        }
        func opened(_ name: String) -> Int { device.events.filter { $0 == .opened(name) }.count }
        let first1 = ViatomOxyInfo.fileStartTime(device.sessions[0].name)

        // Connection 1: the first night is handed over; the broken one is not passed — the mark keeps the first night
        // and counts one failed attempt — and the third waits (it would move the mark past the broken one).
        var reader = try Self.reader()
        let first = o2ringConnection(&reader, &device, from: nil, at: Self.start)
        #expect(first.compactMap(\.recordMark) == [DeviceRecordMark(sequenceNumber: 0, deviceTime: first1),
                                                   DeviceRecordMark(sequenceNumber: 1, deviceTime: first1)])
        #expect(opened(device.sessions[2].name) == 0)
        // Its raw file is handed over for audit, with its device time and no value; the board names it and why.
        let kept = unreadable(first)
        #expect(kept.map(\.rawFrame) == [broken.file] && kept.allSatisfy { $0.value == nil && $0.status.contains(.invalid) })
        #expect(kept.first?.deviceTime == ViatomOxyInfo.fileStartTime(broken.name))
        let board = first.flatMap(\.events).compactMap { if case let .deviceInfo("unreadableSession", value) = $0 { value } else { nil } }
        #expect(board.count == 1 && board[0].contains(broken.name) && board[0].contains("not one every 2 or 4 s") && board[0].contains("attempt 1 of 3"))
        #expect(first.flatMap(\.rejections).contains { $0.contains(broken.name) })

        // Connection 2, from the committed mark: read again, still broken: the second attempt.
        var again = try Self.reader()
        let second = o2ringConnection(&again, &device, from: first.compactMap(\.recordMark).last, at: Self.start.adding(milliseconds: 60_000))
        #expect(second.compactMap(\.recordMark) == [DeviceRecordMark(sequenceNumber: 2, deviceTime: first1)])
        #expect(opened(broken.name) == 2 && opened(device.sessions[2].name) == 0 && unreadable(second).count == 1)

        // Connection 3: the last attempt fails too: set aside (kept once more), the mark moves past it, the third night is read.
        var third = try Self.reader()
        let setAside = o2ringConnection(&third, &device, from: second.compactMap(\.recordMark).last, at: Self.start.adding(milliseconds: 120_000))
        #expect(setAside.compactMap(\.recordMark) == [DeviceRecordMark(sequenceNumber: 0, deviceTime: ViatomOxyInfo.fileStartTime(broken.name)),
                                                      DeviceRecordMark(sequenceNumber: 0, deviceTime: ViatomOxyInfo.fileStartTime(device.sessions[2].name))])
        #expect(unreadable(setAside).map(\.rawFrame) == [broken.file])
        let sessions: [DecodedMeasurement] = setAside.flatMap(\.measurements).filter { $0.type == OvernightOximetry.session }
        #expect(sessions.count == 1 && sessions.first?.series.first?.samples.count == 20)
        #expect(setAside.flatMap(\.events).contains { if case let .deviceInfo("unreadableSession", value) = $0 { value.contains("set aside") } else { false } })

        // Connection 4: nothing left to read; the broken file was never deleted from the device.
        var fourth = try Self.reader()
        let after = o2ringConnection(&fourth, &device, from: setAside.compactMap(\.recordMark).last, at: Self.start.adding(milliseconds: 180_000))
        #expect(after.allSatisfy { $0.recordMark == nil } && unreadable(after).isEmpty && device.sessions.count == 3)
    }

    @Test func aSessionThatFailsOnceIsReadWhenItDecodesAtTheNextConnection() throws {
        var device = O2RingDevice()
        device.sessions = [.night(start: (2026, 12, 2, 22, 0, 0), intervalSeconds: 3, count: 20, seed: 2)]
        var reader = try Self.reader()
        let first = o2ringConnection(&reader, &device, from: nil, at: Self.start)
        #expect(first.compactMap(\.recordMark) == [DeviceRecordMark(sequenceNumber: 1, deviceTime: nil)])
        // The same session reads whole the next time (the fault was in the transfer, not the file).
        device.sessions[0].intervalSeconds = 4
        var again = try Self.reader()
        let second = o2ringConnection(&again, &device, from: first.compactMap(\.recordMark).last, at: Self.start.adding(milliseconds: 60_000))
        #expect(second.compactMap(\.recordMark) == [DeviceRecordMark(sequenceNumber: 0, deviceTime: ViatomOxyInfo.fileStartTime(device.sessions[0].name))])
        let sessions: [DecodedMeasurement] = second.flatMap(\.measurements).filter { $0.type == OvernightOximetry.session }
        let counts: [[Int]] = sessions.map { $0.series.map(\.samples.count) }
        #expect(counts == [[20, 20]])
    }

    @Test func vldFileDecodesFromTheLayoutAndRefusesWhatItCannotTrust() throws {
        let session = O2RingDevice.Session(start: (2026, 1, 31, 23, 59, 58), intervalSeconds: 2,
                                           samples: [.init(spo2: 96, pulse: 61), .init(spo2: 255, pulse: 255), .init(spo2: 89, pulse: 300)])
        let file = try ViatomVLDFile.decode(session.file)
        #expect(file.intervalSeconds == 2 && file.records.count == 3 && file.deviceSummary.spo2Minimum == 89)
        #expect(file.time(ofRecord: 2).iso8601(withOffset: false, fractionDigits: 0) == "2026-02-01T00:00:02")  // across a month end
        let measurement = file.sessionMeasurement(file: session.file)
        #expect(measurement.series.map(\.samples) == [[96, nil, 89], [61, nil, 300]])
        #expect(measurement.series.map(\.periodMilliseconds) == [2000, 2000] && measurement.rawFrame == session.file)
        var wrongVersion = session.file
        wrongVersion[0] = 2
        #expect(throws: ViatomVLDFile.Problem.unsupportedVersion(2)) { try ViatomVLDFile.decode(wrongVersion) }
        #expect(throws: ViatomVLDFile.Problem.partialRecord(bodyBytes: 14)) { try ViatomVLDFile.decode(Array(session.file.dropLast())) }
        var threeSeconds = session.file
        threeSeconds[13] = 9  // 3 records over 9 s
        #expect(throws: ViatomVLDFile.Problem.unknownInterval(durationSeconds: 9, records: 3)) { try ViatomVLDFile.decode(threeSeconds) }
    }

    @Test func sessionSummaryFollowsTheDocumentedMethod() throws {
        // 4-s records: 30 at 96 %, a dip to 93 % for 4 records (16 s: an ODI3 event, not ODI4), 96 % again, a dip to 91 %
        // for 2 records (8 s: too short), 96 %, a dip to 88 % for 3 records (12 s: ODI3 and ODI4; T90 12 s), a no-finger record.
        var samples = Array(repeating: O2RingDevice.Session.Sample(spo2: 96, pulse: 60), count: 30)
        samples += Array(repeating: .init(spo2: 93, pulse: 70), count: 4) + Array(repeating: .init(spo2: 96, pulse: 60), count: 10)
        samples += Array(repeating: .init(spo2: 91, pulse: 70), count: 2) + Array(repeating: .init(spo2: 96, pulse: 60), count: 10)
        samples += Array(repeating: .init(spo2: 88, pulse: 80), count: 3) + [.init(spo2: 255, pulse: 255)]
        let file = try ViatomVLDFile.decode(O2RingDevice.Session(start: (2026, 12, 1, 23, 0, 0), intervalSeconds: 4, samples: samples).file)
        let summary = ViatomOxySessionSummary(file)
        #expect(summary.recordingSeconds == 60 * 4 && summary.validSeconds == 59 * 4)
        #expect(summary.desaturations3 == 2 && summary.desaturations4 == 1)
        #expect(summary.secondsBelow90 == 12 && summary.spo2Minimum == 88)
        #expect(summary.pulseMinimum == 60 && summary.pulseMaximum == 80)
        // ODI3 = 2 events / (236 s / 3600) = 30.5/h.
        #expect(summary.indexTenths(2) == 305)
        // The figures as the session reading's components, in their units and precision.
        let figures: [String: String] = Dictionary(uniqueKeysWithValues: summary.components.map { component -> (String, String) in
            (component.type.localCoding?.code ?? "?", (component.value?.description ?? "-") + " " + component.unit)
        })
        let expected: [String: String] = ["recording-time": "240 s", "valid-time": "236 s", "spo2-mean": "95.2 %", "spo2-min": "88 %", "t90": "12 s",
                            "t90-percent": "5.1 %", "odi3": "30.5 /h", "odi4": "15.3 /h", "pulse-mean": "62.0 /min",
                            "pulse-min": "60 /min", "pulse-max": "80 /min"]
        #expect(figures == expected)
    }

    // MARK: Fuzz findings and hostile input

    @Test func fuzzFindingsAndHostileStreamsKeepTheInvariants() throws {
        var device = Self.twoNights()
        var reader = ViatomOxyReader()
        var sync: [UInt8] = []
        var pending = reader.handle(.linkUp, at: Self.start).writes
        while let write = pending.first {
            pending.removeFirst()
            for notification in device.receive(write.value, clock: "2026-12-04,07:15:00") {
                sync += notification
                pending += reader.handle(.value(characteristic: ViatomOxyReader.notifyCharacteristic, bytes: notification), at: Self.start).writes
            }
            if sync.count > 6000 { break }
        }
        let fixtures = try FixtureCase.all().filter { $0.folder.deletingLastPathComponent().lastPathComponent == "viatom-oxy" }.map { try $0.capture() }
        #expect(fixtures.count >= 10)
        for control: UInt8 in [0x00, 0x13, 0x33, 0x1F] {
            for input in FuzzCrashRegressionTests.inputs(target: "ViatomOxy") + FuzzCrashRegressionTests.hostileStreams + fixtures + [sync] {
                #expect(ViatomOxyInvariants.violation(in: [control] + input) == nil, "control \(control) input \(input.prefix(32))")
            }
        }
    }
}
