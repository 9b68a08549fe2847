import IoMTCore

/// Date Time (0x2A08, GATT Specification Supplement §3.70): year uint16 (1582-9999, 0 = not known),
/// month uint8 (1-12, 0 = not known), day uint8 (1-31, 0 = not known), hours, minutes, seconds.
/// Also the leading 7 bytes of Day Date Time, Exact Time 256 and Current Time (0x2A2B), and the
/// "Base Time" / "Time Stamp" fields of the health measurements.
public struct GATTDateTime: Sendable, Hashable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hours: Int
    public var minutes: Int
    public var seconds: Int

    public init(year: Int, month: Int, day: Int, hours: Int, minutes: Int, seconds: Int) {
        self.year = year; self.month = month; self.day = day; self.hours = hours; self.minutes = minutes; self.seconds = seconds
    }

    public init(_ civil: CivilTime) {
        self.init(year: civil.year, month: civil.month, day: civil.day, hours: civil.hour, minutes: civil.minute, seconds: civil.second)
    }

    /// The device clock as the gateway keeps it; the zone is unknown (GATT times are local).
    public var civilTime: CivilTime { CivilTime(year: year, month: month, day: day, hour: hours, minute: minutes, second: seconds) }

    /// Whether the device clock was evidently never set: a field "not known" (0), a date that does not
    /// exist, or a year no earlier than 2000 — the reset value of many devices' RTCs (battery change).
    public var isClockUnset: Bool {
        year == 0 || month == 0 || day == 0 || !civilTime.isValid || year <= Self.lastResetYear
    }

    /// Devices restart their clocks at 2000-01-01 (or earlier); readings stamped in or before this year
    /// are treated as "clock not set" and the normaliser uses the receipt time.
    public static let lastResetYear = 2000

    /// The 7-byte encoding (year little-endian).
    public var bytes: [UInt8] {
        [UInt8(year & 0xFF), UInt8(year >> 8 & 0xFF), UInt8(month), UInt8(day), UInt8(hours), UInt8(minutes), UInt8(seconds)]
    }

    public static func decode(_ value: [UInt8]) throws(GATTDecodingError) -> GATTDateTime {
        var reader = GATTValueReader(characteristic: GATTCharacteristic.dateTime, bytes: value)
        return try reader.dateTime("Date Time")
    }
}

/// Current Time (0x2A2B, GATT Specification Supplement "Current Time"): Exact Time
/// 256 (Day Date Time + Fractions256) and Adjust Reason. Read to learn the device clock's offset, and
/// written to set it.
public struct GATTCurrentTime: Sendable, Hashable {
    public var dateTime: GATTDateTime
    /// 1 = Monday … 7 = Sunday, 0 = unknown.
    public var dayOfWeek: Int
    /// 1/256 s.
    public var fractions256: Int
    /// bit 0 manual time update, bit 1 external reference time update, bit 2 change of time zone, bit 3 change of DST.
    public var adjustReason: UInt8

    public init(dateTime: GATTDateTime, dayOfWeek: Int, fractions256: Int, adjustReason: UInt8) {
        self.dateTime = dateTime; self.dayOfWeek = dayOfWeek; self.fractions256 = fractions256; self.adjustReason = adjustReason
    }

    /// The value that sets a device clock to `time` in the zone `utcOffsetMinutes` (adjust reason:
    /// external reference time update).
    public init(setting time: Instant, utcOffsetMinutes: Int) {
        let civil = CivilTime(instant: time, utcOffsetMinutes: utcOffsetMinutes)
        // 1970-01-01 was a Thursday (ISO weekday 4).
        let days = time.adding(milliseconds: Int64(utcOffsetMinutes) * 60_000).millisecondsSinceEpoch.floorDividedByDay
        let weekday = Int(((days % 7) + 7 + 3) % 7) + 1
        self.init(dateTime: GATTDateTime(civil), dayOfWeek: weekday, fractions256: civil.millisecond * 256 / 1000, adjustReason: 0x02)
    }

    public var bytes: [UInt8] { dateTime.bytes + [UInt8(dayOfWeek), UInt8(fractions256), adjustReason] }

    public static func decode(_ value: [UInt8]) throws(GATTDecodingError) -> GATTCurrentTime {
        var reader = GATTValueReader(characteristic: GATTCharacteristic.currentTime, bytes: value)
        let dateTime = try reader.dateTime("Exact Time 256")
        let weekday = try reader.uint8("Day of Week"), fractions = try reader.uint8("Fractions256")
        let reason = try reader.uint8("Adjust Reason")
        return GATTCurrentTime(dateTime: dateTime, dayOfWeek: Int(weekday), fractions256: Int(fractions), adjustReason: reason)
    }

    /// Device clock minus gateway clock in milliseconds, for `Normaliser.deviceClockOffsetMilliseconds`
    /// (nil when the device clock is not set).
    public func clockOffsetMilliseconds(readAt gatewayTime: Instant, assumingUTCOffsetMinutes offset: Int) -> Int64? {
        guard !dateTime.isClockUnset else { return nil }
        var civil = dateTime.civilTime
        civil.millisecond = fractions256 * 1000 / 256
        return civil.instant(assumingOffsetMinutes: offset).milliseconds(since: gatewayTime)
    }
}

extension GATTCurrentTime {
    /// The read as the gateway records it: the offset also for an unset clock (it has run since its reset;
    /// `clockUnset` tells that the time is not to be trusted).
    public func reading(readAt gatewayTime: Instant, assumingUTCOffsetMinutes offset: Int) -> DeviceClockReading {
        var civil = dateTime.civilTime
        civil.millisecond = fractions256 * 1000 / 256
        let offsetMs = civil.isValid ? civil.instant(assumingOffsetMinutes: offset).milliseconds(since: gatewayTime) : 0
        return DeviceClockReading(deviceTime: civil, readAt: gatewayTime, offsetMilliseconds: offsetMs, clockUnset: dateTime.isClockUnset)
    }
}

extension Int64 {
    fileprivate var floorDividedByDay: Int64 {
        let quotient = self / 86_400_000
        return (self % 86_400_000 != 0 && self < 0) ? quotient - 1 : quotient
    }
}

/// A decoded time stamp as it goes into a `DecodedMeasurement`: the device's time, and the status
/// that tells the normaliser not to trust it.
extension GATTDateTime {
    var measurementStatus: MeasurementStatus { isClockUnset ? [.deviceClockNotSet] : [] }
}
