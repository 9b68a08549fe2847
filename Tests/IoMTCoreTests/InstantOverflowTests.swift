import IoMTCore
import Testing

/// Instants built from outside values (an HTTP-date year, a device clock, a lifetime added to now) saturate at
/// the ends of Int64 milliseconds instead of trapping.
@Suite struct InstantOverflowTests {
    @Test func addingAndSubtractingSaturate() {
        let latest = Instant(millisecondsSinceEpoch: .max), earliest = Instant(millisecondsSinceEpoch: .min)
        #expect(latest.adding(milliseconds: 1) == latest)
        #expect(earliest.adding(milliseconds: -1) == earliest)
        #expect(latest.milliseconds(since: earliest) == .max)
        #expect(earliest.milliseconds(since: latest) == .min)
        #expect(Instant(millisecondsSinceEpoch: 1000).adding(milliseconds: -250).millisecondsSinceEpoch == 750)
    }

    @Test func civilTimesBeyondTheRangeSaturate() {
        #expect(CivilTime(year: 99999, month: 1, day: 1).instant(assumingOffsetMinutes: 0).iso8601 == "99999-01-01T00:00:00.000Z")
        #expect(CivilTime(year: 999_999_999_999, month: 1, day: 1).instant(assumingOffsetMinutes: 0).millisecondsSinceEpoch == .max)
        #expect(CivilTime(year: 292_000_000, month: 1, day: 1).instant(assumingOffsetMinutes: -200_000_000_000).millisecondsSinceEpoch == .max)
        #expect(CivilTime(year: -999_999_999_999, month: 1, day: 1).instant(assumingOffsetMinutes: 0).millisecondsSinceEpoch == .min)
        // Formatting the far end does not trap either.
        #expect(!Instant(millisecondsSinceEpoch: .max).iso8601.isEmpty)
        #expect(!CivilTime(instant: Instant(millisecondsSinceEpoch: .max), utcOffsetMinutes: 840).iso8601().isEmpty)
    }
}
