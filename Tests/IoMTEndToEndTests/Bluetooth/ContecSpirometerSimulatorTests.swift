import IoMTCore
import IoMTDrivers
import IoMTLab
import Testing

/// The Contec spirometer of `iomt-lab ble-sim` against the gateway's reader, the peer it serves in the BLE lab, without
/// BlueZ: every command the reader writes to FF01 is answered by the simulated device and handed back in 20-byte FF02
/// notifications (the default ATT MTU), as bluetoothd would. The lab phase (scripts/ble-lab) runs the same over BlueZ.
@Suite struct ContecSpirometerSimulatorTests {
    struct Sync {
        var measurements: [DecodedMeasurement] = []
        var mark: DeviceRecordMark?
        var rejected: [String] = []
        var commands = 0
    }

    func sync(_ device: inout ContecSpirometerDevice, from mark: DeviceRecordMark?) -> Sync {
        var reader = ContecSpirometerReader()
        reader.resume(from: mark)
        let now = Instant(millisecondsSinceEpoch: 1_796_000_000_000)
        var result = Sync()
        var output = reader.handle(.linkUp, at: now)
        while let write = output.writes.first, result.commands < 200 {
            #expect(write.characteristic == 0xFF01 && output.writes.count == 1)
            result.commands += 1
            let answer = device.handle(write.value).answer
            output = DeviceOutput()
            for start in stride(from: 0, to: answer.count, by: 20) {
                output.append(reader.handle(.value(characteristic: 0xFF02, bytes: Array(answer[start..<min(answer.count, start + 20)])), at: now))
            }
            result.measurements += output.measurements
            result.mark = output.recordMark ?? result.mark
            result.rejected += output.events.compactMap { if case let .rejectedFrame(reason) = $0 { reason } else { nil } }
        }
        return result
    }

    func time(_ minute: Int) -> BLECurrentTime {
        BLECurrentTime(year: 2026, month: 11, day: 30, hour: 9, minute: minute, second: 7, dayOfWeek: 1)
    }

    func fev1(_ sync: Sync) -> [String] {
        sync.measurements.filter { $0.type == .fev1 }.map { "\($0.deviceTime.map { "\($0.hour):\($0.minute)" } ?? "?") \($0.value?.description ?? "?") L" }
    }

    @Test func threeRecordsAreReadAndKeptASecondSyncFindsNothingNewThenTheNewRecordAlone() {
        var device = ContecSpirometerDevice()
        for minute in [10, 20, 30] { device.addRecord(at: time(minute)) }

        let first = sync(&device, from: nil)
        #expect(first.rejected == [])
        #expect(fev1(first) == ["9:10 3.15 L", "9:20 3.20 L", "9:30 3.25 L"])
        #expect(first.measurements.count == 3 * 13, "13 values per record (EVOL 60 mL and up, none zero)")
        #expect(first.mark?.sequenceNumber == 3)
        #expect(device.records.count == 3 && device.syncsEnded == 1, "the reader ends with keep: the device still holds its records")

        let second = sync(&device, from: first.mark)
        #expect(second.rejected == [] && second.measurements.isEmpty && second.commands == first.commands)

        device.addRecord(at: time(40))
        let third = sync(&device, from: second.mark ?? first.mark)
        #expect(third.rejected == [])
        #expect(fev1(third) == ["9:40 3.30 L"])
        #expect(third.measurements.count == 13 && third.mark?.sequenceNumber == 4)
        #expect(device.records.count == 4 && device.syncsEnded == 3)
    }

    /// A record frame of the simulator is the published 44-byte E1 answer: every byte after the type is 7-bit.
    @Test func recordFramesFollowThePublishedLayout() {
        var device = ContecSpirometerDevice()
        let record = device.addRecord(at: time(10))
        let frame = device.recordFrame(record)
        #expect(frame.count == 44 && frame[0] == 0xE1 && frame.dropFirst().allSatisfy { $0 < 0x80 })
        #expect(Array(frame[5...10]) == [26, 11, 30, 9, 10, 7], "device date and time at bytes 5-10")
        #expect(Int(frame[21]) | Int(frame[22]) << 7 == 315, "FEV1 in hundredths of a litre at bytes 21-22")
    }
}
