import IoMTCore
import IoMTTransport

/// When to try again to open a store that could not be opened at start: 1 s after start, then 2 s, 4 s … up to
/// a minute apart. Measured on the daemon's injected clock, so tests move it instead of sleeping.
struct StoreReopenSchedule {
    static let backoff = Backoff(initialMilliseconds: 1000, maximumMilliseconds: 60_000, jitterFraction: 0)
    private(set) var failedAttempts = 0
    private(set) var nextAttempt: Instant

    init(startingAt now: Instant) { nextAttempt = now.adding(milliseconds: Self.backoff.baseDelay(attempt: 0)) }

    func isDue(_ now: Instant) -> Bool { now >= nextAttempt }

    mutating func failed(at now: Instant) {
        failedAttempts += 1
        nextAttempt = now.adding(milliseconds: Self.backoff.baseDelay(attempt: failedAttempts))
    }
}
