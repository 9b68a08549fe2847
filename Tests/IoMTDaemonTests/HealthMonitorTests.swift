import IoMTCore
import IoMTDaemon
import IoMTIngest
import Testing

/// What feeds the watchdog, on an injected clock: real progress of each component, not a ticker.
@Suite struct HealthMonitorTests {
    @Test func aComponentThatStopsProgressingStarvesTheWatchdog() async {
        let clock = ManualClock()
        let health = HealthMonitor(clock: clock)
        await health.register("store", staleAfterMilliseconds: 20_000)
        await health.register("device sn:a", staleAfterMilliseconds: 10_000)
        for _ in 0..<19 {
            clock.advance(milliseconds: 1_000)
            await health.progressed("device sn:a")
        }
        #expect(await health.problem() == nil, "the store is within its 20 s")
        clock.advance(milliseconds: 2_000)
        await health.progressed("device sn:a")
        #expect(await health.problem() == "store stalled for 21000 ms")
        await health.progressed("store")
        #expect(await health.problem() == nil)
    }

    @Test func aDeviceLoopThatTurnsWhileItsDeviceFailsFeedsTheWatchdogAndIsReported() async {
        let clock = ManualClock()
        let health = HealthMonitor(clock: clock)
        await health.register("device sn:unplugged")
        for _ in 0..<120 {
            clock.advance(milliseconds: 1_000)
            await health.progressed("device sn:unplugged")
            await health.failing("device sn:unplugged", "not connected (unavailable: no such file)")
        }
        #expect(await health.problem() == nil)
        #expect(await health.failures() == ["device sn:unplugged: not connected (unavailable: no such file)"])
        #expect(await health.statusLine(running: "running, 1 device(s)")
            == "running, 1 device(s); degraded: device sn:unplugged: not connected (unavailable: no such file)")
        await health.failing("device sn:unplugged", nil)
        #expect(await health.statusLine(running: "running") == "running")
    }

    @Test func aLoopThatEndedForGoodIsReportedButNotWaitedFor() async {
        let clock = ManualClock()
        let health = HealthMonitor(clock: clock)
        await health.register("device sn:broken")
        await health.ended("device sn:broken", reason: "not read: failed: not a tty")
        clock.advance(milliseconds: 3_600_000)
        #expect(await health.problem() == nil)
        #expect(await health.failures() == ["device sn:broken: not read: failed: not a tty"])
        await health.remove("device sn:broken")
        #expect(await health.failures().isEmpty)
    }

    /// Readings wait in memory while the store refuses writes: a restart would lose them, so it is degraded, not hung.
    @Test func theStoreRefusingWritesIsDegradedNotHung() async {
        let health = HealthMonitor(clock: ManualClock())
        await health.storeFailed("full")
        #expect(await health.problem() == nil)
        #expect(await health.failures() == ["store writes: full"])
        await health.storeSucceeded()
        #expect(await health.failures().isEmpty)
    }
}
