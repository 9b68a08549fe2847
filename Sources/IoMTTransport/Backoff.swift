/// Reconnect delays: exponential growth from `initialMilliseconds` to `maximumMilliseconds`, with
/// ±`jitterFraction` random spread so many gateways rebooting together do not retry in lockstep.
/// Pure: the random source is a parameter.
public struct Backoff: Sendable, Hashable {
    public var initialMilliseconds: Int64
    public var maximumMilliseconds: Int64
    public var multiplier: Int64
    /// 0 ≤ fraction < 1; 0.2 spreads each delay uniformly over [0.8 × base, 1.2 × base] (capped).
    public var jitterFraction: Double

    public init(initialMilliseconds: Int64 = 250, maximumMilliseconds: Int64 = 30_000, multiplier: Int64 = 2, jitterFraction: Double = 0.2) {
        precondition(initialMilliseconds > 0 && maximumMilliseconds >= initialMilliseconds && multiplier >= 1)
        precondition(jitterFraction >= 0 && jitterFraction < 1)
        self.initialMilliseconds = initialMilliseconds; self.maximumMilliseconds = maximumMilliseconds
        self.multiplier = multiplier; self.jitterFraction = jitterFraction
    }

    /// The delay before the base for attempt `attempt` (0 = first retry), without jitter.
    public func baseDelay(attempt: Int) -> Int64 {
        var delay = initialMilliseconds
        var step = 0
        while step < attempt, delay < maximumMilliseconds {
            let (next, overflow) = delay.multipliedReportingOverflow(by: multiplier)
            delay = overflow ? maximumMilliseconds : next
            step += 1
        }
        return min(delay, maximumMilliseconds)
    }

    /// The jittered delay for `attempt`, never above `maximumMilliseconds` and never below 1 ms.
    public func delay(attempt: Int, using random: inout some RandomNumberGenerator) -> Int64 {
        let base = Double(baseDelay(attempt: max(0, attempt)))
        let spread = base * jitterFraction
        let jittered = spread > 0 ? Double.random(in: (base - spread)...(base + spread), using: &random) : base
        return max(1, min(maximumMilliseconds, Int64(jittered.rounded())))
    }
}

