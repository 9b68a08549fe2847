import Foundation
import IoMTCore
import IoMTDrivers
import IoMTProfiles
import Testing

/// An EMAY SleepO2 as DEVICES.md §2.1 describes it, written from the published facts (not from the driver): it checks
/// each command's sum rule and builds its live frames `EB 01 05 PR SpO2 7F 00 ck` itself.
struct SleepO2Peer {
    var commands: [[UInt8]] = []
    var badChecksums: [[UInt8]] = []

    static func liveFrame(pulseRate: UInt8, spo2: UInt8) -> [UInt8] {
        let body: [UInt8] = [0xEB, 0x01, 0x05, pulseRate, spo2, 0x7F, 0x00]
        return body + [UInt8(body.reduce(0) { $0 + Int($1) } & 0x7F)]
    }

    mutating func receive(_ output: DeviceOutput) {
        for write in output.writes {
            #expect(write.service == 0xFF12 && write.characteristic == 0xFF01, "write to \(write.characteristic)")
            commands.append(write.value)
            if write.value.count < 2 || Int(write.value.dropLast().reduce(0) { $0 + Int($1) } & 0x7F) != Int(write.value.last!) {
                badChecksums.append(write.value)
            }
        }
    }
}

@Suite struct ContecOximeterBLESessionTests {
    func reader(options: [String: JSONValue] = [:]) throws -> any DeviceReader {
        var profile = try #require(try Repository.catalog().profile(id: "contec-oximeter-ble"))
        profile.driverOptions = options
        return try DriverRegistry.makeReader(for: profile)
    }

    func values(_ output: DeviceOutput, _ type: MeasurementType) -> [String?] {
        output.measurements.filter { $0.type == type }.map { $0.value?.description }
    }

    func notify(_ reader: inout any DeviceReader, _ bytes: [UInt8], at time: Instant) -> DeviceOutput {
        reader.handle(.value(characteristic: 0xFF02, bytes: bytes), at: time)
    }

    @Test func linkUpWritesHelloThenStartWithTheirChecksums() throws {
        var reader = try reader()
        var peer = SleepO2Peer()
        peer.receive(reader.handle(.linkUp, at: .testStart))
        #expect(peer.commands == [[0x89, 0x09], [0x9B, 0x01, 0x1C]])
        #expect(peer.badChecksums.isEmpty)
        guard case let .gatt(profile) = reader.needs else { Issue.record("not a GATT reader"); return }
        #expect(profile.service == 0xFF12)
    }

    /// Two frames a second: each second gives one SpO2 and one pulse rate (the lower median of the window), stamped
    /// with the window's end; the last window is flushed at link down.
    @Test func eachReportingWindowGivesOneReadingPair() throws {
        var reader = try reader()
        var output = reader.handle(.linkUp, at: .testStart)
        let frames: [(UInt8, UInt8)] = [(72, 97), (74, 95), (80, 93), (78, 94), (90, 88), (88, 89)]
        for (index, (pulseRate, spo2)) in frames.enumerated() {
            let time = Instant.test(Int64(index) * 500)
            output.append(notify(&reader, SleepO2Peer.liveFrame(pulseRate: pulseRate, spo2: spo2), at: time))
            output.append(reader.handle(.tick, at: time.adding(milliseconds: 250)))
        }
        output.append(reader.handle(.linkDown, at: .test(3000)))
        #expect(output.rejections.isEmpty, "\(output.rejections)")
        #expect(values(output, .spo2) == ["95", "93", "88"])
        #expect(values(output, .pulseRateOximetry) == ["72", "78", "88"])
        #expect(output.measurements.filter { $0.type == .spo2 }.map(\.takenAt) == [.test(1000), .test(2000), .test(3000)])
        #expect(output.measurements.allSatisfy { $0.status.isEmpty && $0.deviceTime == nil })
    }

    @Test func reportIntervalOptionWidensTheWindow() throws {
        var reader = try reader(options: ["reportIntervalMs": .number("5000")])
        _ = reader.handle(.linkUp, at: .testStart)
        var output = DeviceOutput()
        for second in 0..<10 {
            output.append(notify(&reader, SleepO2Peer.liveFrame(pulseRate: UInt8(60 + second), spo2: 96), at: .test(Int64(second) * 1000)))
        }
        output.append(reader.handle(.tick, at: .test(10_000)))
        #expect(values(output, .pulseRateOximetry) == ["62", "67"])
        #expect(throws: DriverConfigurationError.self) { _ = try self.reader(options: ["reportIntervalMs": .number("50")]) }
        #expect(throws: DriverConfigurationError.self) { _ = try self.reader(options: ["keepAliveIntervalMs": .number("5000")]) }
    }

    /// The stream stays alive on the connection's one-second ticks: one HEARTBEAT `9A 1A` a second, however often ticked.
    @Test func heartbeatIsWrittenOnTicksOnceASecond() throws {
        var reader = try reader()
        var peer = SleepO2Peer()
        peer.receive(reader.handle(.linkUp, at: .testStart))
        peer.commands = []
        for step in 1...20 {  // ten seconds ticked twice a second, a live frame each second
            let time = Instant.test(Int64(step) * 500)
            if step % 2 == 0 { peer.receive(notify(&reader, SleepO2Peer.liveFrame(pulseRate: 70, spo2: 97), at: time)) }
            peer.receive(reader.handle(.tick, at: time))
        }
        #expect(peer.commands == Array(repeating: [0x9A, 0x1A], count: 10))
        #expect(peer.badChecksums.isEmpty)
        _ = reader.handle(.linkDown, at: .test(10_000))
        peer.commands = []
        peer.receive(reader.handle(.tick, at: .test(12_000)))
        #expect(peer.commands.isEmpty, "no heartbeat after link down")
    }

    /// A device that stops streaming (a lost START, the stream timing out) is started again after 5 s of silence.
    @Test func aSilentStreamIsStartedAgain() throws {
        var reader = try reader()
        var peer = SleepO2Peer()
        peer.receive(reader.handle(.linkUp, at: .testStart))
        peer.commands = []
        var output = DeviceOutput()
        for second in 1...5 { output.append(reader.handle(.tick, at: .test(Int64(second) * 1000))) }
        peer.receive(output)
        #expect(peer.commands == Array(repeating: [0x9A, 0x1A], count: 4) + [[0x89, 0x09], [0x9B, 0x01, 0x1C]])
        #expect(output.events.contains(.deviceInfo(key: "liveStream", value: "no live frame for 5 s; START written again")))
    }

    /// The wall clock steps back an hour mid-session: the heartbeat goes on each second and a silence is still noticed
    /// 5 s after the step, not an hour later.
    @Test func aClockSteppedBackKeepsHeartbeatAndRestart() throws {
        var reader = try reader()
        var peer = SleepO2Peer()
        peer.receive(reader.handle(.linkUp, at: .test(3_600_000)))
        peer.commands = []
        // The silence is counted from the first tick after the step (1 s): the restart falls due at 6 s.
        for second in 1...6 { peer.receive(reader.handle(.tick, at: .test(Int64(second) * 1000))) }
        #expect(peer.commands == Array(repeating: [0x9A, 0x1A], count: 5) + [[0x89, 0x09], [0x9B, 0x01, 0x1C]])
    }

    /// 0 and 0xFF mean "no value": a window of them gives null readings marked not-available, never a number; a window
    /// with some valid frames keeps the value and marks it questionable; a valid pulse rate stands beside a missing SpO2.
    @Test func noValueMarkersGiveNotAvailableReadings() throws {
        var reader = try reader()
        var output = reader.handle(.linkUp, at: .testStart)
        output.append(notify(&reader, SleepO2Peer.liveFrame(pulseRate: 0xFF, spo2: 0xFF), at: .testStart))
        output.append(notify(&reader, SleepO2Peer.liveFrame(pulseRate: 0, spo2: 0), at: .test(500)))
        output.append(notify(&reader, SleepO2Peer.liveFrame(pulseRate: 66, spo2: 0xFF), at: .test(1000)))
        output.append(notify(&reader, SleepO2Peer.liveFrame(pulseRate: 68, spo2: 96), at: .test(1500)))
        output.append(reader.handle(.linkDown, at: .test(2000)))
        #expect(output.rejections.isEmpty)
        #expect(values(output, .spo2) == [nil, "96"])
        #expect(values(output, .pulseRateOximetry) == [nil, "66"])
        let first = output.measurements.prefix(2)
        #expect(first.allSatisfy { $0.status == [.notAvailable] })
        #expect(output.measurements.first { $0.type == .spo2 && $0.value != nil }?.status == [.questionable])
        #expect(output.measurements.first { $0.type == .pulseRateOximetry && $0.value != nil }?.status == [])
    }

    /// Whatever arrives — another characteristic, nothing, noise, a torn or corrupted frame, a byte stream — is a
    /// rejected frame naming what was wrong, never a reading or a crash; the next good frame reads normally.
    @Test func hostileNotificationsAreRejectedAndReadingGoesOn() throws {
        var reader = try reader()
        _ = reader.handle(.linkUp, at: .testStart)
        let good = SleepO2Peer.liveFrame(pulseRate: 72, spo2: 97)
        let hostile: [(DeviceInput, String)] = [
            (.value(characteristic: 0xFF01, bytes: good), "FF02"),
            (.value(characteristic: 0xFF02, bytes: []), ""),
            (.value(characteristic: 0xFF02, bytes: [0x00, 0x01, 0x02]), "unknown frame 0x00"),
            (.value(characteristic: 0xFF02, bytes: Array(good.prefix(5))), "truncated"),
            (.value(characteristic: 0xFF02, bytes: Array(good.prefix(7)) + [good[7] ^ 0x01]), "checksum"),
            (.value(characteristic: 0xFF02, bytes: [0xEB, 0x01, 0x06, 72, 97, 0x7F, 0x00, 0x1A]), "eb 01 06"),
            (.value(characteristic: 0xFF02, bytes: SleepO2Peer.liveFrame(pulseRate: 72, spo2: 0x80)), "SpO2 128"),
            (.value(characteristic: 0xFF02, bytes: Array(repeating: 0xEB, count: 20)), "eb eb eb"),
            (.bytes(good), "byte stream"),
        ]
        var all = DeviceOutput()
        for (input, reason) in hostile {
            let output = reader.handle(input, at: .test(100))
            all.append(output)
            if !reason.isEmpty { #expect(output.rejections.contains { $0.contains(reason) }, "\(input): \(output.rejections)") }
        }
        all.append(reader.handle(.tick, at: .test(2000)))
        #expect(all.measurements.isEmpty)
        var output = notify(&reader, good + good, at: .test(2500))
        output.append(reader.handle(.linkDown, at: .test(3000)))
        #expect(output.rejections.isEmpty)
        #expect(values(output, .spo2) == ["97"])
    }

    @Test func hostileStreamsAndFuzzFindingsKeepTheInvariants() {
        let random = (0..<64).map { seed in (0..<200).map { UInt8(truncatingIfNeeded: ($0 &* 131 &+ seed &* 17) ^ ($0 >> 3)) } }
        let live = SleepO2Peer.liveFrame(pulseRate: 72, spo2: 97)
        let streams: [[UInt8]] = FuzzCrashRegressionTests.hostileStreams + random + [
            [0x07] + Array(repeating: live, count: 30).flatMap { $0 }, [0xE7] + Array(repeating: live, count: 30).flatMap { $0 },
            [0x00] + Array(repeating: 0xEB, count: 100), [0xFF] + live + [0xFF, 0xFF] + live,
        ]
        for input in streams + FuzzCrashRegressionTests.inputs(target: "ContecOximeterBLE") {
            #expect(ContecOximeterBLEInvariants.violation(in: input) == nil, "input \(input.prefix(32))")
        }
    }
}
