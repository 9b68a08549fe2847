/// A per-minute summary that replaced the raw readings of a continuous stream when the store ran short of
/// room (IoMTStore/StoragePressure.swift): the mean is the reading's value; this carries the rest.
public struct ReadingSummary: Sendable, Hashable, Codable {
    public var count: Int
    public var minimum, maximum: DecimalValue
    /// End of the summarised period (exclusive); the reading's corrected time is its start.
    public var periodEnd: Instant

    public init(count: Int, minimum: DecimalValue, maximum: DecimalValue, periodEnd: Instant) {
        self.count = count; self.minimum = minimum; self.maximum = maximum; self.periodEnd = periodEnd
    }

    /// Count, minimum, maximum and mean of exact decimals. The mean keeps one digit more than the finest
    /// input (97 and 96 → 96.5; 97, 97, 96 → 96.7), rounded half away from zero. Nil for no values or
    /// values too large to sum exactly.
    public static func summarise(_ values: [DecimalValue]) -> (mean: DecimalValue, minimum: DecimalValue, maximum: DecimalValue)? {
        guard let minimum = values.min(), let maximum = values.max(), let finest = values.map(\.exponent).min() else { return nil }
        var sum: Int64 = 0
        for value in values {
            guard let scaled = value.significand(atExponent: finest) else { return nil }
            let (next, overflow) = sum.addingReportingOverflow(scaled)
            guard !overflow else { return nil }
            sum = next
        }
        let (tenfold, overflow) = sum.multipliedReportingOverflow(by: 10)
        guard !overflow else { return nil }
        let count = Int64(values.count)
        let quotient = tenfold / count, remainder = tenfold % count
        let rounded = 2 * abs(remainder) >= count ? quotient + (tenfold < 0 ? -1 : 1) : quotient
        return (DecimalValue(significand: rounded, exponent: finest - 1), minimum, maximum)
    }
}

extension DecimalValue {
    /// The significand at a smaller exponent (97 at −1 is 970); nil if it does not fit.
    func significand(atExponent target: Int) -> Int64? {
        var result = significand
        var steps = exponent - target
        guard steps >= 0 else { return nil }
        while steps > 0 {
            let (next, overflow) = result.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            result = next
            steps -= 1
        }
        return result
    }
}

extension MeasurementType {
    /// Types that oximeters and heart-rate monitors stream every second or so. Under storage pressure old
    /// undelivered readings of these may be compacted into per-minute summaries; every other type is a spot
    /// measurement (blood pressure, spirometry, glucose, weight, temperature) and is never compacted or dropped.
    public static let continuousStreamRefIds: Set<String> = [
        MeasurementType.spo2.mdcRefId, MeasurementType.pulseRateOximetry.mdcRefId,
        MeasurementType.perfusionIndex.mdcRefId, MeasurementType.heartRate.mdcRefId,
    ]
}
