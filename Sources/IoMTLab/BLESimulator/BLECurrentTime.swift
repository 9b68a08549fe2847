import Foundation

/// Current Time (0x2A2B, GATT Specification Supplement; CTS 1.1): Date Time (year uint16 LE, month,
/// day, hours, minutes, seconds), Day of Week (1 Monday … 7 Sunday, 0 unknown), Fractions256 and
/// Adjust Reason — 10 bytes. The simulator's own encoder, independent of the gateway's decoder.
public struct BLECurrentTime: Sendable, Hashable, CustomStringConvertible {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    public var dayOfWeek: Int
    public var fractions256: Int
    public var adjustReason: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int,
                dayOfWeek: Int, fractions256: Int = 0, adjustReason: Int = 0) {
        self.year = year; self.month = month; self.day = day; self.hour = hour; self.minute = minute; self.second = second
        self.dayOfWeek = dayOfWeek; self.fractions256 = fractions256; self.adjustReason = adjustReason
    }

    /// What a device whose RTC restarted after a battery change reports: 2000-01-01 00:00:00, a Saturday.
    public static let unsetClock = BLECurrentTime(year: 2000, month: 1, day: 1, hour: 0, minute: 0, second: 0, dayOfWeek: 6)

    /// nil unless exactly 10 bytes (a write of another length is refused by the simulator).
    public init?(bytes: [UInt8]) {
        guard bytes.count == 10 else { return nil }
        self.init(year: Int(bytes[0]) | Int(bytes[1]) << 8, month: Int(bytes[2]), day: Int(bytes[3]), hour: Int(bytes[4]),
                  minute: Int(bytes[5]), second: Int(bytes[6]), dayOfWeek: Int(bytes[7]), fractions256: Int(bytes[8]),
                  adjustReason: Int(bytes[9]))
    }

    public var bytes: [UInt8] {
        [UInt8(year & 0xFF), UInt8(year >> 8 & 0xFF), UInt8(month), UInt8(day), UInt8(hour), UInt8(minute), UInt8(second),
         UInt8(dayOfWeek), UInt8(fractions256), UInt8(adjustReason)]
    }

    /// "2026-11-24T00:12:05" (device-local time: GATT times carry no zone).
    public var description: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let yearText = String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)
        return "\(yearText)-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second))"
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The host's clock now, in UTC: what the simulated devices take as their own clock (their records' times, CurTIME).
    public static func hostClockNow() -> BLECurrentTime {
        BLECurrentTime(year: 2001, month: 1, day: 1, hour: 0, minute: 0, second: 0, dayOfWeek: 1)
            .advanced(bySeconds: Int(Date().timeIntervalSinceReferenceDate))
    }

    /// This time plus `seconds` (a running RTC); fields that are not a real date (year 0) count from 2000-01-01.
    public func advanced(bySeconds seconds: Int) -> BLECurrentTime {
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        let start = (year >= 1582 && (1...12).contains(month) && (1...31).contains(day))
            ? Self.calendar.date(from: components) : nil
        let base = start ?? Self.calendar.date(from: DateComponents(year: 2000, month: 1, day: 1))!
        let moved = base.addingTimeInterval(TimeInterval(seconds))
        let parts = Self.calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: moved)
        // Foundation: 1 Sunday … 7 Saturday; GATT: 1 Monday … 7 Sunday.
        let weekday = parts.weekday ?? 1
        return BLECurrentTime(year: parts.year ?? 2000, month: parts.month ?? 1, day: parts.day ?? 1, hour: parts.hour ?? 0,
                              minute: parts.minute ?? 0, second: parts.second ?? 0, dayOfWeek: weekday == 1 ? 7 : weekday - 1,
                              fractions256: 0, adjustReason: adjustReason)
    }
}

/// The simulated device clock: a base time and the seconds elapsed since it was set.
public struct BLESimulatedClock: Sendable, Hashable {
    public private(set) var base: BLECurrentTime
    public private(set) var setAtSeconds: Double

    public init(base: BLECurrentTime = .unsetClock, setAtSeconds: Double) {
        self.base = base; self.setAtSeconds = setAtSeconds
    }

    public func now(atSeconds seconds: Double) -> BLECurrentTime {
        base.advanced(bySeconds: Int((seconds - setAtSeconds).rounded(.down)))
    }

    public mutating func set(_ time: BLECurrentTime, atSeconds seconds: Double) {
        base = time; setAtSeconds = seconds
    }
}
