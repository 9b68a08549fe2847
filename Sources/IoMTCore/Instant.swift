/// A point in time as milliseconds since the Unix epoch (UTC).
///
/// Integer milliseconds keep identifiers, ordering and replay deterministic; formatting is
/// written here (proleptic Gregorian calendar) so no locale or time-zone database is involved.
public struct Instant: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch }

    /// Saturates at the ends of Int64 (about ±292 million years) instead of trapping: the operand is
    /// often a delay or a lifetime some peer sent.
    public func adding(milliseconds: Int64) -> Instant { Instant(millisecondsSinceEpoch: millisecondsSinceEpoch.addingSaturated(milliseconds)) }

    public func milliseconds(since other: Instant) -> Int64 { millisecondsSinceEpoch.subtractingSaturated(other.millisecondsSinceEpoch) }

    /// ISO 8601 / FHIR instant in UTC with milliseconds: `2026-11-23T10:15:30.250Z`.
    public var iso8601: String {
        let civil = CivilTime(instant: self, utcOffsetMinutes: 0)
        return civil.iso8601(withOffset: true, fractionDigits: 3)
    }

    public var description: String { iso8601 }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`.
    public init?(iso8601 text: String) {
        guard let civil = CivilTime(iso8601: text), let offset = civil.utcOffsetMinutes else { return nil }
        self = civil.instant(assumingOffsetMinutes: offset)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let millis = try? container.decode(Int64.self) {
            self.init(millisecondsSinceEpoch: millis)
            return
        }
        let text = try container.decode(String.self)
        guard let value = Instant(iso8601: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an ISO 8601 instant such as 2026-11-23T10:00:00Z, got \"\(text)\"")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso8601)
    }
}

/// Calendar fields (proleptic Gregorian), as a device clock or a formatter sees them.
public struct CivilTime: Sendable, Hashable, Codable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var millisecond: Int
    /// Offset from UTC when known; device clocks usually have none (local time of unknown zone).
    public var utcOffsetMinutes: Int?

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
                millisecond: Int = 0, utcOffsetMinutes: Int? = nil) {
        self.year = year; self.month = month; self.day = day
        self.hour = hour; self.minute = minute; self.second = second
        self.millisecond = millisecond; self.utcOffsetMinutes = utcOffsetMinutes
    }

    /// Whether the fields name a real calendar instant (month 1-12, day within month, …).
    public var isValid: Bool {
        guard (1...12).contains(month), (0...23).contains(hour), (0...59).contains(minute),
              (0...60).contains(second), (0...999).contains(millisecond), year >= 1 else { return false }
        return (1...CivilTime.daysIn(month: month, year: year)).contains(day)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public init(instant: Instant, utcOffsetMinutes: Int) {
        let local = instant.millisecondsSinceEpoch.addingSaturated(Int64(utcOffsetMinutes).multipliedSaturated(by: 60_000))
        let days = Int(local.floorDivided(by: 86_400_000))
        let millisOfDay = Int(local - Int64(days) * 86_400_000)
        let (y, m, d) = CivilTime.civil(fromDays: days)
        self.init(year: y, month: m, day: d, hour: millisOfDay / 3_600_000, minute: millisOfDay / 60_000 % 60,
                  second: millisOfDay / 1000 % 60, millisecond: millisOfDay % 1000, utcOffsetMinutes: utcOffsetMinutes)
    }

    /// The instant these fields denote at the given UTC offset.
    /// Fields from outside (an HTTP-date's year, a device clock) may lie far beyond what Int64 milliseconds
    /// hold; such an instant saturates at the end of the range rather than trapping.
    public func instant(assumingOffsetMinutes offset: Int) -> Instant {
        let representable = -CivilTime.representableYears...CivilTime.representableYears
        guard representable.contains(year), representable.contains(month), representable.contains(day) else {
            return Instant(millisecondsSinceEpoch: year < 0 ? .min : .max)
        }
        let days = Int64(CivilTime.days(fromCivil: year, month, day))
        let parts: [(Int64, Int64)] = [(days, 86_400_000), (Int64(hour), 3_600_000), (Int64(minute), 60_000), (Int64(second), 1000),
                                       (Int64(millisecond), 1), (Int64(offset), -60_000)]
        return Instant(millisecondsSinceEpoch: parts.reduce(Int64(0)) { $0.addingSaturated($1.0.multipliedSaturated(by: $1.1)) })
    }

    /// Past this many years from the epoch Int64 milliseconds overflow (≈ 292 million); the day arithmetic
    /// below stays exact well inside it.
    static let representableYears = 300_000_000

    /// `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`.
    public func iso8601(withOffset: Bool = true, fractionDigits: Int = 3) -> String {
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
        if fractionDigits > 0 { text += "." + String(pad(millisecond, 3).prefix(fractionDigits)) }
        if withOffset, let offset = utcOffsetMinutes {
            if offset == 0 { text += "Z" } else {
                text += (offset < 0 ? "-" : "+") + pad(abs(offset) / 60, 2) + ":" + pad(abs(offset) % 60, 2)
            }
        }
        return text
    }

    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<(from + count)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 19, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84 || bytes[10] == 32,
              bytes[13] == 58, bytes[16] == 58,
              let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2),
              let h = number(11, 2), let mi = number(14, 2), let s = number(17, 2) else { return nil }
        var index = 19
        var millis = 0
        if index < bytes.count, bytes[index] == 46 {
            index += 1
            var scale = 100
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                millis += Int(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            if index == start { return nil }
        }
        var offset: Int? = nil
        if index < bytes.count {
            if bytes[index] == 90, index + 1 == bytes.count { offset = 0 } else if bytes[index] == 43 || bytes[index] == 45,
                      index + 6 == bytes.count, bytes[index + 3] == 58,
                      let oh = number(index + 1, 2), let om = number(index + 4, 2) {
                offset = (bytes[index] == 45 ? -1 : 1) * (oh * 60 + om)
            } else { return nil }
        }
        self.init(year: y, month: mo, day: d, hour: h, minute: mi, second: s, millisecond: millis, utcOffsetMinutes: offset)
        guard isValid else { return nil }
    }

    // Days since 1970-01-01 from a civil date and back (Gregorian era arithmetic, 400-year cycles).
    static func days(fromCivil year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// `value` in decimal, zero-padded to `width` digits.
func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
