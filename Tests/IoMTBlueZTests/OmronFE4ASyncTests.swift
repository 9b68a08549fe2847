import IoMTCore
import IoMTDrivers
import IoMTLab
import Testing

/// Issue 15: the Omron "modern" FE4A stack (DEVICES.md §3.1) — the reader against the lab's simulated HEM-7155T on FE4A
/// firmware (`OmronCuffDevice.Model.hem7155TFE4A`, written from the facts, not from the driver): the token on the
/// unlock characteristic, then the same packets, each whole in one write on TX0 and one notification on RX0.
@Suite struct OmronFE4ASyncTests {
    static func fe4aLink(_ cuff: OmronCuffDevice) -> OmronCuffLink { OmronCuffLink(cuff: cuff, model: "HEM-7155T-MW3") }

    static func fe4aCuff() -> OmronCuffDevice {
        var cuff = OmronCuffDevice(model: .hem7155TFE4A)
        cuff.add(cuffRecord(1, 131, minute: 1))
        cuff.add(cuffRecord(1, 137, minute: 2))
        cuff.add(cuffRecord(2, 162, minute: 5))
        return cuff
    }

    @Test func theTokenUnlocksAndBothUsersAreReadOnOneChannel() {
        var link = Self.fe4aLink(Self.fe4aCuff())
        #expect(link.reader.needs.gattProfile?.service == OmronFE4AGATT.service)
        let first = link.syncCommitting()
        #expect(first.rejections.isEmpty, "\(first.rejections)")
        #expect(link.cuffEvents.first == .unlocked)
        #expect(first.systolics(of: "user1") == ["131", "137"])
        #expect(first.systolics(of: "user2") == ["162"])
        #expect(first.measurements.first?.deviceTime == CivilTime(year: 2026, month: 11, day: 17, hour: 7, minute: 1, second: 5))
        #expect(first.subDeviceMarks["user1"]?.sequenceNumber == 2 && first.subDeviceMarks["user2"]?.sequenceNumber == 1)
        // The token: 11 + 4 bytes + 15 × 00 on the unlock characteristic of the FE4A service; every packet one write on TX0.
        let unlocks = first.writes.filter { $0.characteristic == OmronFE4AGATT.unlock }
        #expect(unlocks.count == 1 && unlocks[0].value.count == 20 && unlocks[0].value[0] == 0x11 && unlocks[0].value[5...].allSatisfy { $0 == 0 })
        #expect(first.writes.allSatisfy { $0.service == OmronFE4AGATT.service })
        let packets = first.writes.filter { $0.characteristic != OmronFE4AGATT.unlock }
        #expect(packets.allSatisfy { $0.characteristic == OmronFE4AGATT.transmit && (try? OmronPacket.parse($0.value)) != nil })

        #expect(Array(unlocks[0].value[1..<5]) == OmronClassicReader.fe4aToken)

        // The next link: the token again, then only the new record.
        link.time = link.time.adding(milliseconds: 60_000)
        link.cuff.add(cuffRecord(2, 168, minute: 40))
        let second = link.syncCommitting()
        #expect(second.systolics == ["168"])
        #expect(link.cuffEvents.filter { $0 == .unlocked }.count == 2)
    }

    @Test func aCuffThatRefusesTheTokenEndsTheSyncSayingWhatToDo() {
        var cuff = Self.fe4aCuff()
        cuff.refusesToken = true
        var link = Self.fe4aLink(cuff)
        let output = link.sync()
        #expect(output.transferComplete && output.measurements.isEmpty)
        #expect(output.rejections.contains { $0.contains("did not accept the token") && $0.contains("-P- blinks") }, "\(output.rejections)")
        #expect(link.transmitted == 0)
    }

    /// The FE4A model keeps its clock at offset 8 of its settings (0x0260 + 0x2C): read first, set after the records.
    @Test func theClockIsReadThenSetInTheMovedSettings() {
        var link = Self.fe4aLink(Self.fe4aCuff())
        link.cuffClockOffsetSeconds = -7200
        let start = link.time
        let output = link.sync()
        #expect(output.deviceClock?.dateTime == GATTDateTime(CivilTime(instant: start.adding(milliseconds: -7_200_000), utcOffsetMinutes: 0)))
        let gateway = CivilTime(instant: start, utcOffsetMinutes: 0)
        let sets = link.cuffEvents.compactMap { if case let .clockSet(time) = $0 { time } else { nil } }
        #expect(sets == [BLECurrentTime(year: gateway.year, month: gateway.month, day: gateway.day, hour: gateway.hour,
                                        minute: gateway.minute, second: gateway.second, dayOfWeek: 0)])
        #expect(!link.cuffEvents.contains { if case .memoryWrite = $0 { true } else { false } })
    }
}
