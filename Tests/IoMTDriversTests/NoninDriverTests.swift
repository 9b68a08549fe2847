import IoMTCore
import IoMTDrivers
import IoMTProfiles
import Testing

/// Builds Nonin frames from the published layouts (Nonin/README.md), independently of the driver.
enum NoninEncoder {
    static func format2Frame(status: UInt8, pleth: UInt8 = 90, float: UInt8 = 0) -> [UInt8] {
        let head: [UInt8] = [0x01, 0x80 | status, pleth, float]
        return head + [head.reduce(0, &+)]
    }

    static func format2Packet(spo2: Int, pulse: Int, status: UInt8 = 0) -> [[UInt8]] {
        (0..<25).map { index in
            let float: UInt8 = switch index {
            case 0: UInt8(pulse >> 7 & 0x03)
            case 1: UInt8(pulse & 0x7F)
            case 2: UInt8(spo2)
            default: 0
            }
            return format2Frame(status: status | (index == 0 ? 0x01 : 0), pleth: UInt8(40 + index), float: float)
        }
    }

    static func format8(spo2: Int, pulse: Int, status: UInt8 = 0, status2: UInt8 = 0) -> [UInt8] {
        [0x80 | status | UInt8(pulse >> 7 & 0x03), UInt8(pulse & 0x7F), UInt8(spo2), status2]
    }
}

@Suite struct NoninFramerTests {
    @Test func format2FramerFindsTheFrameAfterATornOne() {
        let good = NoninEncoder.format2Frame(status: 0x01, float: 7)
        var framer = NoninFormat2Framer()
        let frames = framer.push(Array(good.prefix(3)) + good + [0x01, 0x80] + good)
        #expect(frames == [good, good])
        #expect(framer.discardedBytes == 5)
        #expect(framer.pendingByteCount == 0)
    }

    @Test func format2ChecksumFailureIsRejectedAndCounted() {
        var bad = NoninEncoder.format2Frame(status: 0x00, float: 9)
        bad[4] &+= 1
        let good = NoninEncoder.format2Frame(status: 0x00, float: 9)
        var framer = NoninFormat2Framer()
        #expect(framer.push(bad + good) == [good])
        #expect(framer.checksumFailures == 1)
        #expect(framer.discardedBytes == 5)
    }

    @Test func format2FramesDoNotDependOnChunking() {
        var random = SeededRandom(seed: 11)
        var stream: [UInt8] = []
        for index in 0..<200 {
            if index % 17 == 0 { stream += (0..<3).map { _ in UInt8.random(in: 0...255, using: &random) } }
            let frame = NoninEncoder.format2Frame(status: UInt8(index % 25 == 0 ? 1 : 0), pleth: UInt8(index % 200), float: UInt8(index % 100))
            stream += index % 23 == 0 ? Array(frame.prefix(2)) : frame
        }
        var whole = NoninFormat2Framer()
        let reference = whole.push(stream)
        #expect(reference.count > 150)
        for size in [1, 2, 3, 7, 64] {
            var framer = NoninFormat2Framer()
            var frames: [[UInt8]] = []
            var index = 0
            while index < stream.count { frames += framer.push(Array(stream[index..<min(stream.count, index + size)])); index += size }
            #expect(frames == reference, "chunk size \(size)")
            #expect(framer.discardedBytes == whole.discardedBytes)
        }
    }

    @Test func packetWithALostFrameIsDropped() {
        var packet = NoninEncoder.format2Packet(spo2: 85, pulse: 110)
        packet.remove(at: 12)
        let next = NoninEncoder.format2Packet(spo2: 97, pulse: 72)
        var assembler = NoninPacketAssembler()
        let packets = assembler.push(packet + next)
        #expect(packets == [next])
        #expect(assembler.incompletePackets == 1)
        #expect(packets.compactMap(NoninFormat2Decoder.decode).map(\.spo2) == [97])
    }

    @Test func format8FramerResynchronisesOnTheSyncBit() {
        let frame = NoninEncoder.format8(spo2: 96, pulse: 300)
        var framer = NoninFormat8Framer()
        let frames = framer.push([0x12, 0x34] + frame.prefix(2) + frame + frame.prefix(3))
        #expect(frames == [frame])
        #expect(framer.discardedBytes == 4)
        #expect(framer.pendingByteCount == 3)
        #expect(NoninFormat8Decoder.decode(frame)?.pulseRate == 300)
    }

    @Test func findingsAndFixturesKeepTheInvariants() throws {
        let hostile: [[UInt8]] = [[], [0x01], [0x01, 0x80], Array(repeating: 0x01, count: 50), Array(repeating: 0x81, count: 50),
                                  Array((0...255).map { UInt8($0) }), NoninEncoder.format2Packet(spo2: 97, pulse: 72).flatMap { $0 }]
        for input in hostile + FuzzCrashRegressionTests.inputs(target: "NoninFormat2Framer") {
            #expect(NoninInvariants.violation(in: input, format: .format2) == nil, "input \(input.prefix(32))")
        }
        for input in hostile + FuzzCrashRegressionTests.inputs(target: "NoninFormat8Framer") {
            #expect(NoninInvariants.violation(in: input, format: .format8) == nil, "input \(input.prefix(32))")
        }
        for fixture in FixtureCase.all() {
            let bytes = try fixture.capture()
            #expect(NoninInvariants.violation(in: bytes, format: .format2) == nil, "\(fixture)")
            #expect(NoninInvariants.violation(in: bytes, format: .format8) == nil, "\(fixture)")
        }
    }
}

@Suite struct NoninSessionTests {
    @Test func selectFormatSendsTheCommandOnlyWhenAsked() throws {
        var quiet = try DriverRegistry.makeSession(for: profile(driver: NoninRegistration.format2Id))
        #expect(quiet.start(at: .test(0)).byteCommands.isEmpty)
        var selecting = try DriverRegistry.makeSession(for: profile(driver: NoninRegistration.format2Id, options: ["selectFormat": .bool(true)]))
        #expect(selecting.start(at: .test(0)).byteCommands == [[0x02, 0x70, 0x02, 0x02, 0x02, 0x03]])
        var format8 = try DriverRegistry.makeSession(for: profile(driver: NoninRegistration.format8Id, options: ["selectFormat": .bool(true)]))
        #expect(format8.start(at: .test(0)).byteCommands == [[0x02, 0x70, 0x02, 0x02, 0x08, 0x03]])
    }

    @Test func selectFormatMustBeABoolean() {
        #expect(throws: DriverConfigurationError(profileId: "test-nonin-serial-format8", field: "driverOptions.selectFormat",
                                                 expected: "true or false", found: "\"yes\"")) {
            try DriverRegistry.makeSession(for: profile(driver: NoninRegistration.format8Id, options: ["selectFormat": .string("yes")]))
        }
    }

    /// Format #2 bytes still in flight after the format-select command are never read as format #8.
    @Test func format8SkipsBytesUntilTheAck() {
        var session = NoninFormat8Session(reportIntervalMs: 1000, selectsFormat: true)
        _ = session.start(at: .test(0))
        // A format #2 frame whose bytes pass the format #8 sync rule (80 28 00 29 would read as pulse 40).
        let inFlight = NoninEncoder.format2Frame(status: 0x00, pleth: 0x28, float: 0x00)
        var output = session.ingest(inFlight + inFlight, at: .test(100))
        output.append(session.ingest([0x06] + NoninEncoder.format8(spo2: 95, pulse: 64), at: .test(200)))
        output.append(session.finish(at: .test(300)))
        #expect(output.measurements.map { $0.value?.description } == ["95", "64"])
    }

    @Test func format8ReadsAnywayWhenNoAckArrives() {
        var session = NoninFormat8Session(reportIntervalMs: 1000, selectsFormat: true)
        _ = session.start(at: .test(0))
        var output = session.ingest(NoninEncoder.format8(spo2: 91, pulse: 70), at: .test(500))
        output.append(session.ingest(NoninEncoder.format8(spo2: 92, pulse: 71), at: .test(2500)))
        output.append(session.finish(at: .test(2600)))
        #expect(output.measurements.map { $0.value?.description } == ["92", "71"])
    }

    @Test func windowsFollowTheReportInterval() {
        var session = NoninFormat8Session(reportIntervalMs: 2000, selectsFormat: false)
        var output = DeviceOutput()
        for second in 0..<6 {
            output.append(session.ingest(NoninEncoder.format8(spo2: 90 + second, pulse: 60 + second), at: .test(Int64(second) * 1000)))
        }
        output.append(session.finish(at: .test(6000)))
        // Windows [0,2) [2,4) [4,6): lower medians 90/60, 92/62, 94/64.
        #expect(output.measurements.map { $0.value?.description } == ["90", "60", "92", "62", "94", "64"])
    }
}
