import IoMTCore
import IoMTDrivers
import Testing

/// IEEE 11073-20601 SFLOAT/FLOAT, Date Time / Current Time and the Record Access Control Point, from
/// the layouts in BLE/Common/README.md (expected values written from the spec, not from the decoder).
@Suite struct MedicalFloatTests {
    @Test(arguments: [(UInt16(0x07FF), StatusFlag.notANumber), (0x0800, .notAtThisResolution), (0x07FE, .positiveInfinity),
                      (0x0802, .negativeInfinity), (0x0801, .reservedValue)])
    func sfloatSpecialValuesAreNeverNumbers(raw: UInt16, flag: StatusFlag) {
        let float = MedicalFloat(sfloat: raw)
        #expect(float.value == nil)
        #expect(float.status == [flag])
    }

    @Test(arguments: [(UInt32(0x007F_FFFF), StatusFlag.notANumber), (0x0080_0000, .notAtThisResolution), (0x007F_FFFE, .positiveInfinity),
                      (0x0080_0002, .negativeInfinity), (0x0080_0001, .reservedValue)])
    func floatSpecialValuesAreNeverNumbers(raw: UInt32, flag: StatusFlag) {
        #expect(MedicalFloat(float: raw).value == nil)
        #expect(MedicalFloat(float: raw).status == [flag])
    }

    @Test func sfloatSignsAndExponentsAreExact() {
        // 0xF16C: exponent -1, mantissa 0x16C = 364 → 36.4 (the HTS example temperature as an SFLOAT).
        #expect(MedicalFloat(sfloat: 0xF16C).value?.description == "36.4")
        #expect(MedicalFloat(sfloat: 0xFFFF).value?.description == "-0.1")          // exponent -1, mantissa -1
        #expect(MedicalFloat(sfloat: 0x8000).value?.description == "0.00000000")    // exponent -8, mantissa 0: precision kept
        #expect(MedicalFloat(sfloat: 0x7001).value?.description == "10000000")      // exponent +7
        #expect(MedicalFloat(sfloat: 0x0801 ^ 0x1000).value?.description == "-20470") // exponent 1, mantissa -2047
        #expect(MedicalFloat(sfloat: 0xB078).value?.description == "0.00120")       // 120 × 10⁻⁵ kg/L
    }

    @Test func floatSignsAndExponentsAreExact() {
        #expect(MedicalFloat(float: 0xFE00_0E42).value?.description == "36.50")     // exponent -2, mantissa 3650
        #expect(MedicalFloat(float: 0xFF00_0001).value?.description == "0.1")
        #expect(MedicalFloat(float: 0x00FF_FFFF).value?.description == "-1")        // 24-bit mantissa sign
        #expect(MedicalFloat(float: 0x807F_FFFD).value == DecimalValue(significand: 8_388_605, exponent: -128))
    }

    /// Every one of the 65536 SFLOAT patterns either is a special value or re-encodes to itself.
    @Test func everySFLOATPatternRoundTrips() {
        var specials = 0
        for raw in UInt16.min...UInt16.max {
            switch MedicalFloat(sfloat: raw) {
            case let .number(value):
                #expect(MedicalFloat.sfloatBits(mantissa: Int(value.significand), exponent: value.exponent) == raw)
            default: specials += 1
            }
        }
        #expect(specials == 5)
    }
}

@Suite struct GATTTimeTests {
    @Test func dateTimeRoundTripsAndRejectsShortValues() throws {
        let time = GATTDateTime(year: 2026, month: 11, day: 23, hours: 10, minutes: 15, seconds: 30)
        #expect(time.bytes == [0xEA, 0x07, 11, 23, 10, 15, 30])
        #expect(try GATTDateTime.decode(time.bytes) == time)
        #expect(!time.isClockUnset)
        #expect(throws: GATTDecodingError.self) { try GATTDateTime.decode([0xEA, 0x07, 11]) }
    }

    @Test(arguments: [(0, 0, 0), (0, 11, 23), (2026, 0, 23), (2026, 11, 0), (2000, 1, 1), (1999, 12, 31), (2026, 2, 30), (2026, 13, 1)])
    func unsetOrImpossibleClocksAreDetected(year: Int, month: Int, day: Int) {
        #expect(GATTDateTime(year: year, month: month, day: day, hours: 0, minutes: 0, seconds: 0).isClockUnset)
    }

    @Test func currentTimeSetsTheClockAndMeasuresItsOffset() throws {
        // 2026-11-23 was a Monday (day of week 1); 10:00:00.500 UTC, written for a UTC+01:00 device.
        let now = try #require(Instant(iso8601: "2026-11-23T10:00:00.500Z"))
        let write = GATTCurrentTime(setting: now, utcOffsetMinutes: 60)
        #expect(write.bytes == [0xEA, 0x07, 11, 23, 11, 0, 0, 1, 128, 0x02])
        let read = try GATTCurrentTime.decode(write.bytes)
        #expect(read == write)
        // The gateway reads that value 2 s after it was written: the device clock is 2 s behind.
        #expect(read.clockOffsetMilliseconds(readAt: now.adding(milliseconds: 2000), assumingUTCOffsetMinutes: 60) == -2000)
        let unset = GATTCurrentTime(dateTime: GATTDateTime(year: 2000, month: 1, day: 1, hours: 0, minutes: 0, seconds: 9), dayOfWeek: 6,
                                    fractions256: 0, adjustReason: 0)
        #expect(unset.clockOffsetMilliseconds(readAt: now, assumingUTCOffsetMinutes: 0) == nil)
    }
}

@Suite struct RecordAccessControlPointTests {
    @Test func requestsFollowTheOpCodeOperatorOperandLayout() throws {
        #expect(RACPRequest.reportAllRecords.bytes == [0x01, 0x01])
        #expect(RACPRequest.reportRecordsFromSequenceNumber(0x1234).bytes == [0x01, 0x03, 0x01, 0x34, 0x12])
        let time = GATTDateTime(year: 2026, month: 11, day: 23, hours: 0, minutes: 0, seconds: 0)
        #expect(RACPRequest.reportRecordsFromUserFacingTime(time).bytes == [0x01, 0x03, 0x02, 0xEA, 0x07, 11, 23, 0, 0, 0])
        #expect(RACPRequest.reportNumberOfAllRecords.bytes == [0x04, 0x01])
        #expect(RACPRequest.reportNumberOfRecordsFromSequenceNumber(7).bytes == [0x04, 0x03, 0x01, 0x07, 0x00])
        #expect(RACPRequest.deleteAllRecords.bytes == [0x02, 0x01])
        #expect(RACPRequest.abort.bytes == [0x03, 0x00])
    }

    @Test func responsesDecode() throws {
        #expect(try RACPResponse.decode([0x05, 0x00, 0x2C, 0x01]) == .numberOfRecords(300))
        #expect(try RACPResponse.decode([0x06, 0x00, 0x01, 0x01]) == .response(requestOpCode: 0x01, code: .success))
        #expect(try RACPResponse.decode([0x06, 0x00, 0x01, 0x06]) == .response(requestOpCode: 0x01, code: .noRecordsFound))
        #expect(RACPResponseCode(rawValue: 0x0A).description == "reserved response code 0x0A")
    }

    @Test func malformedResponsesAreRejectedWithTheField() {
        for (value, field) in [([UInt8](), "Op Code"), ([0x06, 0x00, 0x01], "Response Code Value"), ([0x05, 0x01, 0, 0], "Operator"),
                               ([0x01, 0x00], "Op Code"), ([0x05, 0x00, 0x01], "Number of Records")] {
            #expect { try RACPResponse.decode(value) } throws: { error in
                (error as? GATTDecodingError)?.field == field
            }
        }
    }
}

@Suite struct BluetoothUUIDTests {
    @Test func parsesShortPrefixedAndFullForms() {
        #expect(BluetoothUUID(parsing: "2A35") == 0x2A35)
        #expect(BluetoothUUID(parsing: "0x2a36") == 0x2A36)
        #expect(BluetoothUUID(parsing: "00002a37-0000-1000-8000-00805f9b34fb") == 0x2A37)
        #expect(BluetoothUUID(parsing: "00002A37-0000-1000-8000-00805F9B34FB") == 0x2A37)
        #expect(BluetoothUUID(parsing: "2A3") == nil)
        #expect(BluetoothUUID(parsing: "zz35") == nil)
        #expect(BluetoothUUID(0x1810).description == "00001810-0000-1000-8000-00805f9b34fb")
    }

    /// Vendor services are 128-bit: parsed, printed canonical (lowercase 8-4-4-4-12) and never taken for an assigned number.
    @Test func vendorUUIDsRoundTripInCanonicalForm() throws {
        let nordic = try #require(BluetoothUUID(parsing: "6E400001-B5A3-F393-E0A9-E50E24DCCA9E"))
        #expect(nordic.description == "6e400001-b5a3-f393-e0a9-e50e24dcca9e")
        #expect(nordic.assignedNumber == nil && nordic.shortText == nordic.description)
        #expect(BluetoothUUID(parsing: nordic.description) == nordic)
        #expect(nordic != BluetoothUUID(parsing: "6e400002-b5a3-f393-e0a9-e50e24dcca9e"))
        #expect(BluetoothUUID(parsing: "14839ac4-7d7e-415c-9a42-167340cf2339")?.assignedNumber == nil)
        // A 32-bit assigned number is in the Base UUID too; only a 16-bit one is printed short.
        #expect(BluetoothUUID(parsing: "0000fe4a")?.description == "0000fe4a-0000-1000-8000-00805f9b34fb")
        #expect(BluetoothUUID(parsing: "1234fe4a")?.assignedNumber == nil)
        #expect(BluetoothUUID(0x181D).shortText == "181D" && BluetoothUUID(0x181D).displayText == "0x181D")
    }

    @Test func rejectsMalformedFullForms() {
        #expect(BluetoothUUID(parsing: "6e400001b5a3-f393-e0a9-e50e24dcca9e0") == nil) // hyphens elsewhere
        #expect(BluetoothUUID(parsing: "6e400001-b5a3-f393-e0a9-e50e24dcca9g") == nil)
        #expect(BluetoothUUID(parsing: "6e400001-b5a3-f393-e0a9-e50e24dcca9") == nil)
        #expect(BluetoothUUID(parsing: "") == nil && BluetoothUUID(parsing: "0x") == nil)
    }
}
