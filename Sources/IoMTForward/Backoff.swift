import IoMTCore

/// Exponential backoff with full jitter (delay uniform in 0...min(cap, base·2^(n-1))), so many gateways
/// that lost DOM at the same moment do not return in lockstep.
public struct BackoffPolicy: Sendable, Hashable {
    public var baseMilliseconds: Int64
    public var capMilliseconds: Int64

    public init(baseMilliseconds: Int64 = 500, capMilliseconds: Int64 = 60_000) {
        self.baseMilliseconds = baseMilliseconds; self.capMilliseconds = capMilliseconds
    }

    /// Upper bound of the delay after `failures` consecutive failures (≥ 1).
    public func ceiling(failures: Int) -> Int64 {
        let doublings = min(max(failures - 1, 0), 40)
        let (scaled, overflow) = baseMilliseconds.multipliedReportingOverflow(by: Int64(1) << Int64(doublings))
        return overflow ? capMilliseconds : min(capMilliseconds, scaled)
    }

    public func delay(failures: Int, using generator: inout SeededRandom) -> Int64 {
        Int64.random(in: 0...ceiling(failures: failures), using: &generator)
    }
}

/// `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date; returns milliseconds from `now`.
/// Whatever the server sends (`99999999999999999`, a date in year 99999) yields a number, never a trap;
/// the caller clamps it (`ForwarderConfiguration.maxRetryAfterMilliseconds`).
public enum RetryAfter {
    public static func milliseconds(_ value: String, now: Instant) -> Int64? {
        let text = value.trimmingCharacters(in: " \t")
        if let seconds = Int64(saturatingDigits: text) { return seconds.multipliedSaturated(by: 1000) }
        guard let date = httpDate(text) else { return nil }
        return max(0, date.milliseconds(since: now))
    }

    /// IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT` (the form servers must send).
    static func httpDate(_ text: String) -> Instant? {
        // ["Sun,", "06", "Nov", "1994", "08:49:37", "GMT"]
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]) else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let monthIndex = months.firstIndex(of: String(parts[2])) else { return nil }
        let hms = parts[4].split(separator: ":")
        guard hms.count == 3, let hour = Int(hms[0]), let minute = Int(hms[1]), let second = Int(hms[2]) else { return nil }
        let civil = CivilTime(year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second, utcOffsetMinutes: 0)
        guard civil.isValid else { return nil }
        return civil.instant(assumingOffsetMinutes: 0)
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, set.contains(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, set.contains(last) { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
