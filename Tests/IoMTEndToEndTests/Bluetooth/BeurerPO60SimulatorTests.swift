import IoMTCore
import IoMTDrivers
import IoMTLab
import IoMTProfiles
import IoMTTestSupport
import Testing

/// The Beurer PO60 of `iomt-lab ble-sim` against the gateway's reader (the `beurer-po60` profile's), without BlueZ: every
/// command the reader writes to FF01 is answered by the simulated device, each answer handed back as one FF02
/// notification as bluetoothd would; ticks a second apart until the reader ends the transfer.
@Suite struct BeurerPO60SimulatorTests {
    struct Sync {
        var measurements: [DecodedMeasurement] = []
        var mark: DeviceRecordMark?
        var rejected: [String] = []
        var missingPulse: [String] = []
        var statistics: [String] = []
        var commands: [[UInt8]] = []
        var complete = false
    }

    static let start = Instant(millisecondsSinceEpoch: 1_796_000_000_000)

    func sync(_ device: inout BeurerPO60Device, from mark: DeviceRecordMark?, linkDownAfterNotifications cut: Int? = nil) throws -> Sync {
        let profiles = try ProfileLoader(knownDriverIds: DriverRegistry.driverIds).load(directory: RepositoryRoot.path("DeviceProfiles"))
        let profile = try #require(profiles.first { $0.id == "beurer-po60" })
        var reader = try DriverRegistry.makeReader(for: profile)
        reader.resume(from: mark)
        var time = Self.start
        var result = Sync()
        var notificationsSeen = 0
        func take(_ output: DeviceOutput) -> [[UInt8]] {
            result.measurements += output.measurements
            result.mark = output.recordMark ?? result.mark
            result.rejected += output.rejections
            result.missingPulse += output.events.compactMap { if case let .deviceInfo("missingPulseRate", text) = $0 { text } else { nil } }
            result.statistics += output.events.compactMap { if case let .deviceInfo("storedMeasurement", text) = $0 { text } else { nil } }
            result.complete = result.complete || output.transferComplete
            return output.writes.map(\.value)
        }
        var pending = take(reader.handle(.linkUp, at: time))
        for _ in 0..<30 where !result.complete {
            while !pending.isEmpty {
                let command = pending.removeFirst()
                result.commands.append(command)
                for notification in device.handle(command).notifications {
                    if let cut, notificationsSeen == cut {
                        _ = take(reader.handle(.linkDown, at: time))
                        return result
                    }
                    notificationsSeen += 1
                    pending += take(reader.handle(.value(characteristic: 0xFF02, bytes: notification), at: time))
                }
            }
            time = time.adding(milliseconds: 1000)
            pending += take(reader.handle(.tick, at: time))
        }
        _ = take(reader.handle(.linkDown, at: time))
        return result
    }

    func time(_ minute: Int) -> BLECurrentTime {
        BLECurrentTime(year: 2026, month: 11, day: 30, hour: 9, minute: minute, second: 7, dayOfWeek: 1)
    }

    /// "9:10 SpO2 96, pulse 71 questionable (max 84 min 62)" per record: the readings, and the statistics of the record's deviceInfo.
    func summary(_ sync: Sync) -> [String] {
        let byTime = Dictionary(grouping: sync.measurements) { $0.deviceTime.map { "\($0.hour):\($0.minute)" } ?? "?" }
        return byTime.keys.sorted().map { key in
            let readings = byTime[key]!
            var text = "\(key) SpO2 \(readings.first { $0.type == .spo2 }?.value?.description ?? "-")"
            if let pulse = readings.first(where: { $0.type == .pulseRateOximetry }) {
                text += ", pulse \(pulse.value?.description ?? "-")" + (pulse.status == [.questionable] ? " questionable" : " certain")
            }
            return text
        }
    }

    @Test func storedRecordsAreReadWithDeviceTimesASecondSyncFindsNothingNewThenTheNewRecordAlone() throws {
        var device = BeurerPO60Device()
        for minute in [10, 20, 30] { device.addRecord(at: time(minute)) }

        let first = try sync(&device, from: nil)
        #expect(first.commands == [[0x90, 0x05, 0x15], [0x99, 0x00, 0x19]])
        #expect(first.rejected == [] && first.complete)
        #expect(summary(first) == ["9:10 SpO2 95, pulse 72 questionable", "9:20 SpO2 94, pulse 73 questionable", "9:30 SpO2 93, pulse 74 questionable"])
        #expect(first.statistics.first == "record ending 2026-11-30T09:10:07 (packet 1): SpO2 max 98 min 92 avg 95 %, pulse rate max 85 min 63 avg 72 /min (questionable)")
        #expect(first.statistics.count == 3)
        #expect(first.measurements.filter { $0.type == .spo2 }.allSatisfy { $0.status.isEmpty }, "SpO2 is reported as certain")
        #expect(first.mark == DeviceRecordMark(sequenceNumber: 3, deviceTime: CivilTime(year: 2026, month: 11, day: 30, hour: 9, minute: 30, second: 7)))

        let second = try sync(&device, from: first.mark)
        #expect(second.rejected == [] && second.complete && second.measurements.isEmpty && second.mark == nil && second.statistics.isEmpty)
        #expect(device.transfers == 2, "the device re-sent its records")

        device.addRecord(at: time(40))
        let third = try sync(&device, from: first.mark)
        #expect(summary(third) == ["9:40 SpO2 92, pulse 75 questionable"])
        #expect(third.mark?.sequenceNumber == 4 && third.mark?.deviceTime?.minute == 40)
    }

    @Test func aMissingPulsePacketLeavesTheSpO2AndSaysSo() throws {
        var device = BeurerPO60Device()
        device.addRecord(at: time(10))
        device.addRecord(at: time(20)) { $0.omitsPulsePacket = true }
        device.addRecord(at: time(30)) { $0.omitsPulsePacket = true }

        let result = try sync(&device, from: nil)
        #expect(summary(result) == ["9:10 SpO2 95, pulse 72 questionable", "9:20 SpO2 94", "9:30 SpO2 93"])
        #expect(result.rejected == [])
        #expect(result.missingPulse == ["record ending 2026-11-30T09:20:07 (packet 2): no pulse-rate packet before the next E9 packet; its pulse rate is not reported",
                                        "record ending 2026-11-30T09:30:07 (packet 3): no pulse-rate packet within 5 s; its pulse rate is not reported"])
        #expect(result.mark?.sequenceNumber == 3)
    }

    @Test func aPulseRateAbove127IsNotReportedAtAll() throws {
        var device = BeurerPO60Device()
        device.addRecord(at: time(10)) { $0.pulseMax = 140; $0.pulseAvg = 131 }

        let result = try sync(&device, from: nil)
        #expect(summary(result) == ["9:10 SpO2 95"])
        #expect(result.rejected.count == 1 && result.rejected[0].contains("bit 7 set"), "\(result.rejected)")
    }

    @Test func aTransferCutByLinkDownKeepsWhatCameAndMovesTheMarkOnlyPastRecordsSentOldestFirst() throws {
        var device = BeurerPO60Device()
        for minute in [10, 20, 30] { device.addRecord(at: time(minute)) }

        let cut = try sync(&device, from: nil, linkDownAfterNotifications: 3)  // record 1 whole, record 2 without its pulse packet
        #expect(summary(cut) == ["9:10 SpO2 95, pulse 72 questionable", "9:20 SpO2 94"])
        #expect(cut.missingPulse.count == 1 && cut.missingPulse[0].contains("no pulse-rate packet before link down"), "\(cut.missingPulse)")
        #expect(cut.mark?.sequenceNumber == 2, "records 1 and 2 came oldest first: record 3 is still after the mark")

        let next = try sync(&device, from: cut.mark)
        #expect(summary(next) == ["9:30 SpO2 93, pulse 74 questionable"])
    }
}
