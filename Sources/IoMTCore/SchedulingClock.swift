import Synchronization

/// Time as a dependency that also schedules: what time it is, and waiting for time to pass. Periodic jobs, retries,
/// backoff and timeouts wait through it, so a test moves time by hand and sees the due work run, without sleeping
/// (like swift-nio's `EmbeddedEventLoop.advanceTime(by:)`).
public protocol SchedulingClock: WallClock {
    /// Returns once `duration` has passed on this clock; throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

extension SchedulingClock {
    /// Runs `job` every `period` until the task is cancelled; the first run is one period after the call.
    public func every(_ period: Duration, _ job: () async -> Void) async {
        while !Task.isCancelled {
            do { try await sleep(for: period) } catch { return }
            await job()
        }
    }

    /// Runs `job` at once, then every `period` until the task is cancelled.
    public func nowAndEvery(_ period: Duration, _ job: () async -> Void) async {
        guard !Task.isCancelled else { return }
        await job()
        await every(period, job)
    }
}

/// The system clocks: wall time from CLOCK_REALTIME, waiting on the monotonic clock (`Task.sleep`: a stepped wall
/// clock neither stretches nor skips a wait).
extension SystemClock: SchedulingClock {
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

extension Duration {
    /// Whole milliseconds, saturating (for JSON/SQL boundaries and `Instant` arithmetic).
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (fromSeconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflowAdding) = fromSeconds.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        return overflowAdding ? (seconds < 0 ? .min : .max) : total
    }
}

/// A clock moved by hand that also runs what waits on it: `advance(by:)` resumes every sleeper whose deadline has come,
/// earliest first; `waitForSleepers(_:)` lets a test wait until the code under test is parked again, i.e. has done
/// the work that was due. Deterministic: nothing depends on how long anything really takes.
/// `ManualClock` is the same clock: a test that only reads "now" moves it the same way.
public final class ManualSchedulingClock: SchedulingClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }
    private struct State {
        var now: Instant
        var nextId: UInt64 = 0
        var sleepers: [Sleeper] = []
        var parkWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }
    private let state: Mutex<State>

    public init(_ start: Instant = Instant(millisecondsSinceEpoch: 1_763_900_000_000)) { state = Mutex(State(now: start)) }

    public func now() -> Instant { state.withLock { $0.now } }

    /// How many tasks wait on this clock now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(for duration: Duration) async throws {
        let id = state.withLock { state -> UInt64 in state.nextId += 1; return state.nextId }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (due, parked) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
                    let deadline = state.now.adding(milliseconds: max(0, duration.wholeMilliseconds))
                    if Task.isCancelled { return (true, []) }
                    if duration <= .zero { return (true, []) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return (false, Self.takeSatisfiedParkWaiters(&state))
                }
                for waiter in parked { waiter.resume() }
                if due {
                    if Task.isCancelled { continuation.resume(throwing: CancellationError()) } else { continuation.resume() }
                }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and resumes, earliest deadline first, every sleeper that is due.
    public func advance(by duration: Duration) {
        move { $0.adding(milliseconds: max(0, duration.wholeMilliseconds)) }
    }

    /// Moves time forward by `milliseconds` (negative: back, as a stepped wall clock does; nobody wakes).
    public func advance(milliseconds: Int64) { move { $0.adding(milliseconds: milliseconds) } }

    /// Sets the time (a stepped wall clock); sleepers whose deadline it reaches wake.
    public func set(_ instant: Instant) { move { _ in instant } }

    private func move(_ change: (Instant) -> Instant) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = change(state.now)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.sorted { ($0.deadline, $0.id) < ($1.deadline, $1.id) }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Returns once at least `count` tasks wait on this clock (the code under test finished what was due and parked).
    public func waitForSleepers(_ count: Int = 1) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.sleepers.count >= count { return true }
                state.parkWaiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private static func takeSatisfiedParkWaiters(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        let count = state.sleepers.count
        let ready = state.parkWaiters.filter { $0.count <= count }.map(\.continuation)
        state.parkWaiters.removeAll { $0.count <= count }
        return ready
    }
}
