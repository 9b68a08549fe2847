import IoMTCore
import IoMTDrivers
import Testing

/// Nonin data format #13 (the 9560 Onyx II's spot-checks) beyond the fixture cases: commands, events and bounds.
/// Packets here are built from the specification's layout (see scripts/make-nonin-df13-fixtures.py), not by the driver.
struct NoninFormat13Tests {
    static func packet(spo2: UInt8 = 97, pulse: Int = 72, statusLSB: UInt8 = 0, length: Int = 14) -> [UInt8] {
        var data: [UInt8] = [0x20, 0x26, 0x12, 0x04, 0x10, 0x15, 0x30, 0x00, 0x02, statusLSB, UInt8(pulse >> 8), UInt8(pulse & 0xFF), 0x00, spo2]
        data += [UInt8](repeating: 0x11, count: max(0, length - 14))
        let sum = data.reduce(UInt8(0)) { $0 &+ $1 }
        return [0x00, 0x02, 0x00, 0x0D, UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data + [sum, 0x03]
    }

    @Test func selectingFormat13IsTheNoninSelectCommandWithOD() throws {
        var reader = try DriverRegistry.makeReader(for: profile(driver: NoninRegistration.format13Id, options: ["selectFormat": .bool(true)]))
        #expect(reader.handle(.linkUp, at: .testStart).byteCommands == [[0x02, 0x70, 0x02, 0x02, 0x0D, 0x03]])
        var quiet = try DriverRegistry.makeReader(for: profile(driver: NoninRegistration.format13Id))
        #expect(quiet.handle(.linkUp, at: .testStart).byteCommands.isEmpty)
    }

    @Test func eachSpotCheckIsReportedAsItArrivesWithTheDeviceTime() throws {
        var reader = try DriverRegistry.makeReader(for: profile(driver: NoninRegistration.format13Id))
        let output = reader.handle(.bytes(Self.packet()), at: .testStart)
        #expect(output.measurements.map(\.value) == [DecimalValue(97), DecimalValue(72)], "no window: reported at once")
        #expect(output.measurements.allSatisfy { $0.deviceTime == CivilTime(year: 2026, month: 12, day: 4, hour: 10, minute: 15, second: 30) })
        #expect(reader.handle(.tick, at: .test(5_000)).measurements.isEmpty)
    }

    @Test func lowBatteryIsADeviceEventNotAReadingFlag() throws {
        var reader = try DriverRegistry.makeReader(for: profile(driver: NoninRegistration.format13Id))
        let output = reader.handle(.bytes(Self.packet(statusLSB: 0x01)), at: .testStart)
        #expect(output.events.contains(.deviceInfo(key: "battery", value: "low")))
        #expect(output.measurements.allSatisfy { $0.status.isEmpty })
    }

    @Test func aCorruptLengthIsRejectedAndTheNextPacketStillRead() throws {
        var reader = try DriverRegistry.makeReader(for: profile(driver: NoninRegistration.format13Id))
        let corrupt: [UInt8] = [0x00, 0x02, 0x00, 0x0D, 0xFF, 0xFF] // 65,535 data bytes: never waited for
        let output = reader.handle(.bytes(corrupt + Self.packet(spo2: 95)), at: .testStart)
        #expect(output.rejections.contains { $0.contains("data length 65535") })
        #expect(output.measurements.first?.value == DecimalValue(95))
    }

    @Test func longerDataFromANewerFirmwareIsReadUpToTheBound() throws {
        var reader = try DriverRegistry.makeReader(for: profile(driver: NoninRegistration.format13Id))
        #expect(reader.handle(.bytes(Self.packet(length: 255)), at: .testStart).measurements.count == 2)
        #expect(reader.handle(.bytes(Self.packet(length: 256)), at: .testStart).measurements.isEmpty)
    }
}

/// Session end (the current, MEM-clear spot-check ends a session; a link closing after stored ones only ends it too):
/// the driver's `session` events over each format #13 fixture capture, then the link closing, equal the case's
/// `sessionEvents` (written by scripts/make-nonin-df13-fixtures.py from the MEM bits it sent), in any chunking.
struct NoninFormat13SessionEndTests {
    static func sessionEvents(_ events: [DriverEvent]) -> [String] {
        events.compactMap { if case let .deviceInfo(key, value) = $0, key == NoninFormat13Session.sessionEventKey { value } else { nil } }
    }

    @Test(arguments: FixtureCase.all().filter { $0.description.hasPrefix("nonin-df13/") })
    func sessionEndsMatchTheFixture(_ fixture: FixtureCase) throws {
        let wanted = (try JSONValue.parse(try fixture.text("case.json"))["sessionEvents"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(!wanted.isEmpty, "\(fixture): case.json has no sessionEvents (regenerate with scripts/make-nonin-df13-fixtures.py)")
        let bytes = try fixture.capture()
        for size in [bytes.count, 1, 7] {
            var reader = try DriverRegistry.makeReader(for: profile(driver: NoninRegistration.format13Id))
            var events = reader.handle(.linkUp, at: .testStart).events
            var offset = 0
            while offset < bytes.count {
                events += reader.handle(.bytes(Array(bytes[offset..<min(bytes.count, offset + size)])), at: .testStart).events
                offset += size
            }
            events += reader.handle(.linkDown, at: .testStart).events
            #expect(Self.sessionEvents(events) == wanted, "\(fixture), chunks of \(size)")
        }
    }

    @Test func aNewLinkStartsANewSessionAfterStoredOnesWereCutOff() throws {
        var reader = try DriverRegistry.makeReader(for: profile(driver: NoninRegistration.format13Id))
        _ = reader.handle(.linkUp, at: .testStart)
        _ = reader.handle(.bytes(NoninFormat13Tests.packet(statusLSB: 0x10)), at: .testStart)
        #expect(Self.sessionEvents(reader.handle(.linkDown, at: .testStart).events)
                == ["link closed after 1 stored spot-check without the current one"])
        _ = reader.handle(.linkUp, at: .test(60_000))
        let next = reader.handle(.bytes(NoninFormat13Tests.packet()), at: .test(61_000))
        #expect(Self.sessionEvents(next.events) == ["ended after 1 spot-check (0 from memory)"], "counted afresh, not 2")
        #expect(Self.sessionEvents(reader.handle(.linkDown, at: .test(62_000)).events).isEmpty)
    }
}

/// The fuzz target's invariants over hostile inputs, its saved findings and every fixture capture.
struct NoninFormat13InvariantTests {
    @Test func findingsAndFixturesKeepTheInvariants() throws {
        let packet = NoninFormat13Tests.packet()
        let hostile: [[UInt8]] = [[], [0x00], [0x00, 0x02, 0x00, 0x0D], [0x00, 0x02, 0x00, 0x0D, 0x00, 0x0E] + [UInt8](repeating: 0, count: 13),
                                  Array(repeating: 0x00, count: 64), Array((0...255).map { UInt8($0) }), packet + packet.prefix(9) + packet,
                                  Array(packet.dropLast()) + [0x04] + packet]
        for input in hostile + FuzzCrashRegressionTests.inputs(target: "NoninFormat13Framer") {
            #expect(NoninFormat13Invariants.violation(in: input) == nil, "input \(input.prefix(32))")
        }
        for fixture in FixtureCase.all() {
            #expect(NoninFormat13Invariants.violation(in: try fixture.capture()) == nil, "\(fixture)")
        }
    }
}
