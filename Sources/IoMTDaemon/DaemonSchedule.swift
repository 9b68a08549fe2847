import IoMTCore
import IoMTStore
import IoMTTransport

/// The daemon's periodic jobs and how often they run. They all wait on the daemon's `SchedulingClock`, so a test
/// moves time by hand and sees each job run when it is due, and not before.
package enum DaemonSchedule {
    /// Alerts stored but not yet dispatched (a channel was down, or the daemon died before) are offered again.
    package static let alertRetryPeriod: Duration = .seconds(5)
    /// Acknowledgements and silences from iomtctl, gateway conditions, then the alert engine's tick (persistence,
    /// missed-measurement and escalation timers); its store query is also the store's liveness probe.
    package static let alertClockPeriod: Duration = .seconds(1)
    /// Retention and the disk bound (StoragePressure.swift).
    package static let storageReliefPeriod = StoragePolicy.reliefInterval
    /// The Prometheus textfile in the state directory.
    package static let metricsPeriod = DeliveryMetrics.interval
    /// The watchdog is fed without systemd's WATCHDOG_USEC at this period.
    package static let watchdogPeriodWithoutSystemd: Duration = .seconds(5)
    /// At a clean stop: how often, and how many times at most, the DOM backlog is checked before the forwarder stops.
    package static let stopDrainPollPeriod: Duration = .milliseconds(100)
    package static let stopDrainPolls = 50

    /// A third of systemd's watchdog interval (a missed feed or two is not fatal), at least 100 ms.
    package static func watchdogPeriod(_ watchdog: SystemdWatchdog?) -> Duration {
        guard let watchdog else { return watchdogPeriodWithoutSystemd }
        return .microseconds(max(watchdog.intervalMicroseconds / 3, 100_000))
    }
}
