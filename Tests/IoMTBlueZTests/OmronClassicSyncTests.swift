import IoMTCore
import IoMTDrivers
import IoMTLab
import Testing

/// The Omron classic reader against the lab's simulated HEM-7322T (`OmronCuffDevice`, written from the published facts,
/// not from the driver): each write goes to the cuff, each answer piece comes back on its RX channel, and when nothing is
/// pending the clock moves a second and the reader gets a tick (no sleeping).
struct OmronCuffLink {
    var cuff: OmronCuffDevice
    var reader: OmronClassicReader
    var time = Instant(millisecondsSinceEpoch: 1_795_000_000_000)
    var cuffEvents: [OmronCuffDevice.Event] = []
    var transmitted = 0
    /// The cuff's clock: this far from the gateway's (seconds).
    var cuffClockOffsetSeconds = 0

    init(cuff: OmronCuffDevice, model: String = "HEM-7322T") {
        self.cuff = cuff
        reader = OmronClassicReader(options: OmronClassicReader.Options(map: OmronMemoryMap.model(model)!))
    }

    var cuffNow: BLECurrentTime {
        let civil = CivilTime(instant: time.adding(milliseconds: Int64(cuffClockOffsetSeconds) * 1000), utcOffsetMinutes: 0)
        return BLECurrentTime(year: civil.year, month: civil.month, day: civil.day, hour: civil.hour, minute: civil.minute, second: civil.second, dayOfWeek: 0)
    }

    /// One sync, link up to the end (or `maxTicks` seconds without one).
    mutating func sync(maxTicks: Int = 90) -> DeviceOutput {
        var total = reader.handle(.linkUp, at: time)
        var pending = total.writes
        var ticks = 0
        while !total.transferComplete, ticks <= maxTicks {
            if pending.isEmpty {
                time = time.adding(milliseconds: 1000); ticks += 1
                let output = reader.handle(.tick, at: time)
                pending += output.writes; total.append(output)
                continue
            }
            let write = pending.removeFirst()
            if OmronClassicGATT.transmit.contains(write.characteristic) { transmitted += 1 }
            let (answers, event) = cuff.written(write.characteristic, write.value, now: cuffNow)
            if let event { cuffEvents.append(event) }
            if case let .ignored(why)? = event, why.contains("not a TX channel") { Issue.record("\(why)") }
            for (characteristic, bytes) in answers {
                let output = reader.handle(.value(characteristic: characteristic, bytes: bytes), at: time)
                pending += output.writes; total.append(output)
            }
        }
        total.append(reader.handle(.linkDown, at: time))
        return total
    }

    /// The marks the store would hold, by user area (`user1`, `user2`).
    var committedMarks: [String: DeviceRecordMark] = [:]

    /// Syncs and keeps the marks the store would commit with the readings, each on its user's key.
    mutating func syncCommitting() -> DeviceOutput {
        let output = sync()
        committedMarks.merge(output.subDeviceMarks) { _, later in later }
        reader.resume(subDeviceMarks: committedMarks)
        return output
    }
}

func cuffRecord(_ user: Int, _ systolic: Int, minute: Int, day: Int = 17) -> OmronCuffDevice.Record {
    OmronCuffDevice.Record(user: user, systolic: systolic, diastolic: systolic - 40, pulse: 60 + minute % 30,
                           time: BLECurrentTime(year: 2026, month: 11, day: day, hour: 7, minute: minute, second: 5, dayOfWeek: 0))
}

extension DeviceOutput {
    var systolics: [String] { systolics(of: nil) }

    /// The systolic values of one user area's records (nil: every user's), in the order read.
    func systolics(of part: String?) -> [String] {
        measurements.filter { $0.type == .bloodPressure && (part == nil || $0.subDevice == part) }
            .compactMap { $0.components.first { $0.type == .systolic }?.value?.description }
    }
}

@Suite struct OmronClassicSyncTests {
    static let key = OmronClassicReader.defaultUnlockKey

    @Test func firstSyncReadsTheUsersRecordsThenNothingNewThenTheNewOneAlone() {
        var cuff = OmronCuffDevice(key: Self.key)
        for (index, systolic) in [121, 134, 142].enumerated() { cuff.add(cuffRecord(1, systolic, minute: index)) }
        var link = OmronCuffLink(cuff: cuff)
        let first = link.syncCommitting()
        #expect(first.systolics == ["121", "134", "142"])
        #expect(first.measurements.count == 6)
        #expect(first.measurements.allSatisfy { $0.deviceTime != nil && $0.subDevice == "user1" })
        #expect(first.measurements.first?.deviceTime == CivilTime(year: 2026, month: 11, day: 17, hour: 7, minute: 0, second: 5))
        #expect(first.subDeviceMarks == ["user1": DeviceRecordMark(sequenceNumber: 3, deviceTime: CivilTime(year: 2026, month: 11, day: 17, hour: 7, minute: 2, second: 5))])
        #expect(first.recordMark == nil)
        #expect(first.rejections.isEmpty, "\(first.rejections)")

        let before = link.transmitted
        let second = link.syncCommitting()
        #expect(second.measurements.isEmpty)
        #expect(second.rejections.isEmpty, "\(second.rejections)")
        // start, index, time, user 1's marked record, user 2's every slot (empty: the first one read says the ring never
        // wrapped), end.
        #expect(link.transmitted - before <= 6 * 2)

        link.cuff.add(cuffRecord(1, 155, minute: 30))
        let third = link.syncCommitting()
        #expect(third.systolics == ["155"])
        #expect(third.subDeviceMarks["user1"]?.sequenceNumber == 4)
    }

    /// Issue 15: one device entry reads both user areas of a two-user cuff; each user's records are that user's part
    /// (`user1`, `user2`), each with its own mark, so a new record of one user is read alone and never moves the other's mark.
    @Test func bothUserAreasAreReadEachAsItsOwnPartWithItsOwnMark() {
        var cuff = OmronCuffDevice(key: Self.key)
        for (index, systolic) in [121, 134].enumerated() { cuff.add(cuffRecord(1, systolic, minute: index)) }
        for (index, systolic) in [170, 175, 181].enumerated() { cuff.add(cuffRecord(2, systolic, minute: 10 + index)) }
        var link = OmronCuffLink(cuff: cuff)
        #expect(link.reader.subDevices == ["user1", "user2"])
        let first = link.syncCommitting()
        #expect(first.systolics(of: "user1") == ["121", "134"])
        #expect(first.systolics(of: "user2") == ["170", "175", "181"])
        #expect(first.measurements.allSatisfy { $0.subDevice != nil })
        #expect(first.subDeviceMarks == [
            "user1": DeviceRecordMark(sequenceNumber: 2, deviceTime: CivilTime(year: 2026, month: 11, day: 17, hour: 7, minute: 1, second: 5)),
            "user2": DeviceRecordMark(sequenceNumber: 3, deviceTime: CivilTime(year: 2026, month: 11, day: 17, hour: 7, minute: 12, second: 5)),
        ])
        #expect(first.events.contains(.deviceInfo(key: "unreadRecords", value: "user 1: 2, user 2: 3 (left as the cuff has it)")))

        // A new record of user 2 only: read alone, user 1's mark stays where it was.
        link.cuff.add(cuffRecord(2, 190, minute: 40))
        let second = link.syncCommitting()
        #expect(second.systolics(of: "user2") == ["190"])
        #expect(second.systolics(of: "user1").isEmpty)
        #expect(second.subDeviceMarks.keys.sorted() == ["user2"])
        #expect(link.committedMarks["user2"]?.sequenceNumber == 4)
        #expect(link.committedMarks["user1"]?.sequenceNumber == 2)

        // And a new record of user 1: read alone, user 2 is not read again.
        link.cuff.add(cuffRecord(1, 150, minute: 50))
        let third = link.syncCommitting()
        #expect(third.systolics(of: "user1") == ["150"])
        #expect(third.systolics(of: "user2").isEmpty)
    }

    @Test func theUnreadCounterAndTheRecordsAreNeverTouched() {
        var cuff = OmronCuffDevice(key: Self.key)
        for minute in 0..<4 { cuff.add(cuffRecord(1, 120 + minute, minute: minute)) }
        var link = OmronCuffLink(cuff: cuff)
        let memoryBefore = link.cuff.memory
        _ = link.syncCommitting()
        _ = link.syncCommitting()
        #expect(link.cuff.unread(user: 1) == 4)
        #expect(link.cuff.unread(user: 2) == 0)
        #expect(link.cuff.records.count == 4)
        let writes = link.cuffEvents.filter { if case .memoryWrite = $0 { true } else { false } }
        #expect(writes.isEmpty, "\(writes)")
        // The clock was right: nothing at all was written.
        #expect(link.cuff.memory == memoryBefore)
    }

    @Test func theClockIsReadBeforeItIsSetAndSetOnlyWhenOff() {
        var cuff = OmronCuffDevice(key: Self.key)
        cuff.add(cuffRecord(1, 128, minute: 1))
        var link = OmronCuffLink(cuff: cuff)
        link.cuffClockOffsetSeconds = -3600
        let start = link.time  // every answer comes at once: no tick passes in this sync
        let output = link.sync()
        let read = output.deviceClock?.dateTime
        #expect(read == GATTDateTime(CivilTime(instant: start.adding(milliseconds: -3_600_000), utcOffsetMinutes: 0)))
        let sets = link.cuffEvents.compactMap { if case let .clockSet(time) = $0 { time } else { nil } }
        #expect(sets.count == 1)
        let gateway = CivilTime(instant: start, utcOffsetMinutes: 0)
        #expect(sets.first == BLECurrentTime(year: gateway.year, month: gateway.month, day: gateway.day, hour: gateway.hour,
                                             minute: gateway.minute, second: gateway.second, dayOfWeek: 0))
        // The records were read before the set (the old clock stamped them).
        let order = link.cuffEvents.map { "\($0)" }
        let lastRead = order.lastIndex { $0.contains("read 0x02AC") } ?? -1
        let set = order.firstIndex { $0.contains("clockSet") } ?? -1
        #expect(lastRead >= 0 && set > lastRead)
        #expect(output.events.contains(.deviceClockSetAfterRecords))

        link.cuffClockOffsetSeconds = 20
        let again = link.sync()
        #expect(!again.events.contains(.deviceClockSetAfterRecords))
        #expect(link.cuffEvents.filter { if case .clockSet = $0 { true } else { false } }.count == 1)
    }

    @Test func aCuffInPairingModeIsGivenTheKeyHeadless() {
        var cuff = OmronCuffDevice(key: nil)
        cuff.pairingMode = true
        cuff.add(cuffRecord(1, 133, minute: 3))
        var link = OmronCuffLink(cuff: cuff)
        let output = link.sync()
        #expect(link.cuff.key == Self.key)
        #expect(output.events.contains(.deviceInfo(key: "unlockKey", value: "programmed")))
        #expect(output.systolics == ["133"])
        // The key never appears in what the reader reports.
        let text = output.events.map { "\($0)" }.joined()
        #expect(!text.contains("iomtd-omron-key1") && !text.contains(Hex.string(Self.key)))
    }

    @Test func aRefusedKeyOutsidePairingModeEndsTheSyncSayingWhatToDo() {
        var cuff = OmronCuffDevice(key: Array(repeating: 0x11, count: 16))
        cuff.add(cuffRecord(1, 133, minute: 3))
        var link = OmronCuffLink(cuff: cuff)
        let output = link.sync()
        #expect(output.transferComplete)
        #expect(output.measurements.isEmpty)
        #expect(output.rejections.contains { $0.contains("-P- blinks") }, "\(output.rejections)")
        #expect(link.transmitted == 0)
        #expect(link.cuff.key == Array(repeating: 0x11, count: 16))
    }

    @Test func aLostAnswerIsAskedForAgainAfterASecond() {
        var cuff = OmronCuffDevice(key: Self.key)
        cuff.add(cuffRecord(1, 140, minute: 4))
        cuff.answersToDrop = 2
        var link = OmronCuffLink(cuff: cuff)
        let output = link.sync()
        #expect(output.systolics == ["140"])
        #expect(output.rejections.isEmpty, "\(output.rejections)")
    }

    @Test func aCuffThatStopsAnsweringEndsTheSyncAfterFiveRetriesKeepingTheMark() {
        var cuff = OmronCuffDevice(key: Self.key)
        cuff.add(cuffRecord(1, 140, minute: 4))
        cuff.add(cuffRecord(1, 141, minute: 5))
        var link = OmronCuffLink(cuff: cuff)
        _ = link.syncCommitting()
        link.cuff.add(cuffRecord(1, 150, minute: 6))
        link.cuff.answersToDrop = 1000
        let start = link.time
        let output = link.syncCommitting()
        #expect(output.transferComplete)
        #expect(output.measurements.isEmpty)
        #expect(output.rejections.contains { $0.contains("after 5 retries") }, "\(output.rejections)")
        #expect(link.time.milliseconds(since: start) <= 7_000)
        link.cuff.answersToDrop = 0
        #expect(link.syncCommitting().systolics == ["150"])
    }

    @Test func aClearedMemoryIsReadAgainFromTheStart() {
        var cuff = OmronCuffDevice(key: Self.key)
        for minute in 0..<5 { cuff.add(cuffRecord(1, 120 + minute, minute: minute)) }
        var link = OmronCuffLink(cuff: cuff)
        #expect(link.syncCommitting().measurements.count == 10)
        link.cuff.clearMemory()
        link.cuff.add(cuffRecord(1, 160, minute: 40))
        link.cuff.add(cuffRecord(1, 161, minute: 41))
        let output = link.syncCommitting()
        #expect(output.systolics == ["160", "161"])
        #expect(output.events.contains { if case let .deviceInfo(key, _) = $0 { key == "recordNumbering" } else { false } })
    }

    @Test func aRingThatWrappedPastTheMarkIsReadWhole() {
        var cuff = OmronCuffDevice(key: Self.key)
        for minute in 0..<3 { cuff.add(cuffRecord(1, 110 + minute, minute: minute, day: 1)) }
        var link = OmronCuffLink(cuff: cuff)
        _ = link.syncCommitting()
        // 100 more: every slot overwritten, the cursor back where the mark is.
        for index in 0..<100 { link.cuff.add(cuffRecord(1, 100 + index % 90, minute: index % 60, day: 2 + index / 60)) }
        let output = link.syncCommitting()
        #expect(output.measurements.count == 200)
        #expect(output.subDeviceMarks["user1"]?.sequenceNumber == 3)
    }
}
