import IoMTLab
import Testing

@Suite struct BLECurrentTimeTests {
    @Test func unsetClockIs2000OnASaturday() {
        #expect(BLECurrentTime.unsetClock.bytes == [0xD0, 0x07, 1, 1, 0, 0, 0, 6, 0, 0])
        #expect(BLECurrentTime.unsetClock.description == "2000-01-01T00:00:00")
    }

    @Test func bytesRoundTripAndOtherLengthsAreRefused() throws {
        let bytes: [UInt8] = [0xEA, 0x07, 11, 24, 0, 12, 5, 2, 0x80, 0x01]
        let time = try #require(BLECurrentTime(bytes: bytes))
        #expect(time.year == 2026 && time.month == 11 && time.day == 24 && time.dayOfWeek == 2 && time.fractions256 == 128)
        #expect(time.adjustReason == 1 && time.bytes == bytes && time.description == "2026-11-24T00:12:05")
        #expect(BLECurrentTime(bytes: Array(bytes.prefix(9))) == nil)
        #expect(BLECurrentTime(bytes: bytes + [0]) == nil)
    }

    @Test func theClockRunsAcrossMonthAndYearAndKeepsTheWeekday() {
        let newYearsEve = BLECurrentTime(year: 2026, month: 12, day: 31, hour: 23, minute: 59, second: 58, dayOfWeek: 4)
        let later = newYearsEve.advanced(bySeconds: 3)
        #expect(later.description == "2027-01-01T00:00:01")
        #expect(later.dayOfWeek == 5) // 2027-01-01 is a Friday
        // A Sunday is 7 in GATT (Foundation's 1).
        #expect(BLECurrentTime(year: 2026, month: 11, day: 28, hour: 23, minute: 0, second: 0, dayOfWeek: 6).advanced(bySeconds: 3600).dayOfWeek == 7)
        // Year 0 ("not known") runs from 2000-01-01.
        #expect(BLECurrentTime(year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, dayOfWeek: 0).advanced(bySeconds: 60).description
                == "2000-01-01T00:01:00")
    }

    @Test func simulatedClockReportsBasePlusElapsedAndCanBeSet() {
        var clock = BLESimulatedClock(setAtSeconds: 10)
        #expect(clock.now(atSeconds: 70.9).description == "2000-01-01T00:01:00")
        let set = BLECurrentTime(year: 2026, month: 11, day: 24, hour: 1, minute: 0, second: 0, dayOfWeek: 2)
        clock.set(set, atSeconds: 100)
        #expect(clock.now(atSeconds: 100) == set.advanced(bySeconds: 0))
        #expect(clock.now(atSeconds: 130.5).description == "2026-11-24T01:00:30")
    }
}
