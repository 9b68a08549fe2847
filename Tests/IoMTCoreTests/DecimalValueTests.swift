import Testing
@testable import IoMTCore

@Suite struct DecimalValueTests {
    @Test(arguments: ["97", "36.50", "-0.5", "0.05", "120", "0", "-12.000"])
    func roundTripsTextExactly(_ text: String) {
        #expect(DecimalValue(text)?.description == text)
    }

    @Test func keepsSFLOATShapedValues() {
        #expect(DecimalValue(significand: 365, exponent: -1).description == "36.5")
        #expect(DecimalValue(significand: 5, exponent: -3).description == "0.005")
        #expect(DecimalValue(significand: -5, exponent: -3).description == "-0.005")
        #expect(DecimalValue(significand: 12, exponent: 2).description == "1200")
    }

    @Test(arguments: ["", "-", ".", "1.2.3", "1e3", "abc", "12a", "99999999999999999999", ".38", "-.5", "12."])
    func refusesMalformedText(_ text: String) {
        #expect(DecimalValue(text) == nil)
    }

    @Test func comparesAcrossPrecision() {
        #expect(DecimalValue("36.5")!.isNumericallyEqual(to: DecimalValue("36.50")!))
        #expect(DecimalValue("88")! > DecimalValue("87.9")!)
        #expect(DecimalValue("-1")! < DecimalValue("0.001")!)
        #expect(!(DecimalValue("90")! < DecimalValue("90.0")!))
    }
}

@Suite struct InstantTests {
    @Test func formatsAndParsesISO8601() {
        let instant = Instant(millisecondsSinceEpoch: 1_763_893_530_250)
        #expect(instant.iso8601 == "2025-11-23T10:25:30.250Z")
        #expect(Instant(iso8601: "2025-11-23T10:25:30.250Z") == instant)
        #expect(Instant(iso8601: "2025-11-23T11:25:30.250+01:00") == instant)
    }

    @Test func handlesEpochEdgesAndLeapDays() {
        #expect(Instant(millisecondsSinceEpoch: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(Instant(millisecondsSinceEpoch: -1).iso8601 == "1969-12-31T23:59:59.999Z")
        #expect(Instant(iso8601: "2024-02-29T00:00:00Z") != nil)
        #expect(Instant(iso8601: "2023-02-29T00:00:00Z") == nil)
    }

    @Test(arguments: ["2025-13-01T00:00:00Z", "2025-11-23", "2025-11-23T10:25:30", "2025-11-23T10:25:30.Z", "x025-11-23T10:25:30Z"])
    func refusesMalformedInstants(_ text: String) {
        #expect(Instant(iso8601: text) == nil)
    }
}

@Suite struct HexTests {
    @Test func parsesCommonForms() throws {
        #expect(try Hex.bytes(from: "7d81a1") == [0x7d, 0x81, 0xa1])
        #expect(try Hex.bytes(from: "7D 81:A1\n0x80") == [0x7d, 0x81, 0xa1, 0x80])
    }

    @Test func reportsWhereHexIsMalformed() {
        #expect(throws: Hex.ParseError.self) { try Hex.bytes(from: "7d8") }
        do { _ = try Hex.bytes(from: "7d zz") } catch { #expect(error.offset == 3) }
    }
}

@Suite struct JSONValueTests {
    @Test func keepsNumberTextAndKeyOrder() throws {
        let text = #"{"b":36.50,"a":[1,true,null,"x\n"]}"#
        let value = try JSONValue.parse(text)
        #expect(value.serialized() == text)
        #expect(value["b"]?.numberText == "36.50")
    }

    @Test func reportsLineAndColumn() {
        do {
            _ = try JSONValue.parse("{\n  \"a\": tru\n}")
            Issue.record("expected a parse error")
        } catch {
            #expect(error.line == 2)
            #expect(error.column == 8)
        }
    }

    @Test func refusesHostileNesting() {
        let deep = String(repeating: "[", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
    }
}

@Suite struct NormaliserTests {
    let device = DeviceIdentity(profileId: "p", manufacturer: "m", model: "x", serialNumber: "1")

    @Test func usesReceiptTimeWithoutDeviceClock() {
        let received = Instant(millisecondsSinceEpoch: 1000)
        let m = DecodedMeasurement(type: .spo2, value: DecimalValue(97), rawFrame: [1])
        let o = Normaliser().normalise(m, device: device, patientId: "P", receivedAt: received)
        #expect(o.correctedTime == received)
        #expect(o.unit == "%")
    }

    @Test func correctsDeviceClockByKnownOffset() {
        let deviceTime = CivilTime(year: 2026, month: 1, day: 1, hour: 12, minute: 0, second: 0)
        let m = DecodedMeasurement(type: .spo2, value: DecimalValue(97), deviceTime: deviceTime, rawFrame: [])
        // Device clock runs 90 s fast.
        let n = Normaliser(deviceClockOffsetMilliseconds: 90_000)
        let o = n.normalise(m, device: device, patientId: nil, receivedAt: Instant(millisecondsSinceEpoch: 0))
        #expect(o.correctedTime.iso8601 == "2026-01-01T11:58:30.000Z")
    }

    /// A stamp from an unset clock is kept and the reading flagged (held), never re-stamped with the receipt time.
    @Test func unsetDeviceClockIsFlaggedNotRestamped() {
        let m = DecodedMeasurement(type: .spo2, value: DecimalValue(97), status: [.deviceClockNotSet],
                                   deviceTime: CivilTime(year: 2000, month: 1, day: 1), rawFrame: [])
        let received = Instant(millisecondsSinceEpoch: 1_764_000_000_000)
        let o = Normaliser().normalise(m, device: device, patientId: nil, receivedAt: received)
        #expect(o.correctedTime.iso8601 == "2000-01-01T00:00:00.000Z")
        #expect(o.status == [.deviceClockNotSet, .timeUntrusted])
    }

    /// Records received before the gateway set the clock keep the offset measured before the set; after it, the
    /// record number tells which clock stamped a record; a time that fits both clocks is held.
    @Test func recordsAreCorrectedWithTheOffsetOfTheClockThatStampedThem() {
        let read = Instant(millisecondsSinceEpoch: 1_764_000_000_000)
        var n = Normaliser()
        n.clock.clockRead(DeviceClockReading(deviceTime: CivilTime(instant: read.adding(milliseconds: 3_600_000), utcOffsetMinutes: 0),
                                             readAt: read, offsetMilliseconds: 3_600_000, clockUnset: false))
        func stamped(_ at: Instant) -> DecodedMeasurement {
            var time = CivilTime(instant: at, utcOffsetMinutes: 0)
            time.utcOffsetMinutes = nil
            return DecodedMeasurement(type: .spo2, value: DecimalValue(97), deviceTime: time, rawFrame: [])
        }
        let trueTime = read.adding(milliseconds: -600_000)
        let before = n.normalise(stamped(trueTime.adding(milliseconds: 3_600_000)), device: device, patientId: nil,
                                 receivedAt: read.adding(milliseconds: 1_000), sequenceNumber: 7)
        #expect(before.correctedTime == trueTime && before.status.isEmpty)
        n.clock.clockSet(at: read.adding(milliseconds: 2_000), lastSequence: 7)
        let after = read.adding(milliseconds: 3_000)
        let old = n.normalise(stamped(trueTime.adding(milliseconds: 3_600_000)), device: device, patientId: nil, receivedAt: after, sequenceNumber: 6)
        #expect(old.correctedTime == trueTime && old.status.isEmpty)
        let new = n.normalise(stamped(read), device: device, patientId: nil, receivedAt: after, sequenceNumber: 8)
        #expect(new.correctedTime == read && new.status.isEmpty)
        let ambiguous = n.normalise(stamped(read), device: device, patientId: nil, receivedAt: after)
        #expect(ambiguous.status == [.timeUntrusted])
        let future = n.normalise(stamped(read.adding(milliseconds: 3_600_000)), device: device, patientId: nil, receivedAt: after, sequenceNumber: 9)
        #expect(future.status == [.timeUntrusted], "an hour ahead of its receipt")
    }
}

@Suite struct PESELTests {
    @Test func acceptsValidNumbers() throws {
        #expect(try PESEL.validate("44051401359").year == 1944)
        #expect(try PESEL.validate("02270803624").year == 2002) // month 27 → July 2002
    }

    @Test func refusesBadChecksumLengthAndDate() {
        #expect(throws: PESEL.ValidationError.checksum(expected: 9, found: 8)) { try PESEL.validate("44051401358") }
        #expect(throws: PESEL.ValidationError.length(10)) { try PESEL.validate("4405140135") }
        #expect(throws: PESEL.ValidationError.nonDigit) { try PESEL.validate("4405140135x") }
        // 31 February 1944 with a correct check digit.
        #expect(throws: PESEL.ValidationError.birthDate("1944-2-31")) { try PESEL.validate("44023101353") }
    }
}
