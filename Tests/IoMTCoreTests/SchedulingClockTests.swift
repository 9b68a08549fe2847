import IoMTCore
import Synchronization
import Testing

/// The hand-moved scheduling clock runs exactly the work that is due when time is advanced, in deadline order,
/// and nothing before: timer behaviour is tested by moving time, never by sleeping.
@Suite struct SchedulingClockTests {
    /// What the tasks under test recorded, shared with them.
    final class Recorded<Value: Sendable>: Sendable {
        private let values = Mutex<[Value]>([])
        func append(_ value: Value) { values.withLock { $0.append(value) } }
        var all: [Value] { values.withLock { $0 } }
    }

    @Test func aSleeperWakesOnlyOnceItsDeadlineHasCome() async throws {
        let clock = ManualSchedulingClock()
        let woke = Recorded<Bool>()
        let task = Task { try await clock.sleep(for: .seconds(10)); woke.append(true) }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(9))
        #expect(clock.sleeperCount == 1)
        #expect(woke.all.isEmpty)
        clock.advance(by: .seconds(1))
        try await task.value
        #expect(woke.all == [true])
        #expect(clock.sleeperCount == 0)
    }

    @Test func aPeriodicJobRunsOncePerPeriodAsTimeAdvances() async {
        let clock = ManualSchedulingClock()
        let runs = Recorded<Instant>()
        let start = clock.now()
        let job = Task { await clock.every(.seconds(5)) { runs.append(clock.now()) } }
        for _ in 0..<3 {
            await clock.waitForSleepers(1)
            clock.advance(by: .seconds(5))
        }
        await clock.waitForSleepers(1) // the third run is done once the job waits again
        #expect(runs.all.map { $0.milliseconds(since: start) } == [5_000, 10_000, 15_000])
        job.cancel()
        await job.value
        #expect(clock.sleeperCount == 0)
    }

    @Test func dueSleepersWakeEarliestDeadlineFirst() async throws {
        let clock = ManualSchedulingClock()
        let order = Recorded<Int>()
        var tasks: [Task<Void, any Error>] = []
        for seconds in [30, 10, 20] {
            tasks.append(Task { try await clock.sleep(for: .seconds(seconds)); order.append(seconds) })
            await clock.waitForSleepers(tasks.count) // park one at a time so each deadline is set from the same now
        }
        clock.advance(by: .seconds(15))
        try await tasks[1].value
        clock.advance(by: .seconds(15))
        try await tasks[2].value
        try await tasks[0].value
        #expect(order.all == [10, 20, 30])
    }

    @Test func cancellingASleeperEndsItsWaitWithCancellation() async {
        let clock = ManualSchedulingClock()
        let task = Task { try await clock.sleep(for: .seconds(60)) }
        await clock.waitForSleepers(1)
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(clock.sleeperCount == 0)
    }

    @Test func durationsBecomeWholeMillisecondsWithoutOverflow() {
        #expect(Duration.milliseconds(1_500).wholeMilliseconds == 1_500)
        #expect(Duration.seconds(Int64.max).wholeMilliseconds == .max)
        #expect(Duration.seconds(Int64.min).wholeMilliseconds == .min)
    }
}
