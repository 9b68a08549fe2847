import Glibc

/// A source of wall-clock time, injected so rules, backoff and windows are testable without sleeping.
public protocol WallClock: Sendable {
    func now() -> Instant
}

/// The system's real-time clock (CLOCK_REALTIME).
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Instant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Instant(millisecondsSinceEpoch: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }
}

/// Monotonic nanoseconds (CLOCK_MONOTONIC), for latency measurement and timeouts.
public func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// A clock moved by hand, for deterministic tests of time-dependent rules; it also runs what waits on it when moved
/// (SchedulingClock.swift).
public typealias ManualClock = ManualSchedulingClock

/// CLOCK_MONOTONIC as instants (milliseconds since boot, not a date): for deadlines and liveness, which
/// must not jump when NTP or a technician steps the wall clock.
public struct MonotonicClock: WallClock {
    public init() {}
    public func now() -> Instant { Instant(millisecondsSinceEpoch: Int64(monotonicNanoseconds() / 1_000_000)) }
}
