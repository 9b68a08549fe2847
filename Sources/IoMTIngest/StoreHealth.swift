import IoMTControl
import IoMTCore

/// The store's health as the daemon reports it (`iomtctl status`, metrics.prom): degraded while it refuses
/// writes, with what waits in memory for it and what could not be kept.
public struct StoreHealth: Sendable, Hashable {
    public var problem: String?
    public var readingsWaiting: Int
    public var readingsLost: Int
    public var alertsWaiting: Int
    public var alertsNotStored: Int

    /// As the `status` answer carries it.
    public var report: StoreWriteStatus {
        StoreWriteStatus(problem: problem, readingsWaiting: Int64(readingsWaiting), readingsLost: Int64(readingsLost),
                         alertsWaiting: Int64(alertsWaiting), alertsNotStored: Int64(alertsNotStored))
    }

    /// Prometheus lines appended to metrics.prom.
    public var metricsText: String {
        """
        # HELP iomtd_store_writable 1 while the store accepts writes, 0 while it refuses them (degraded).
        # TYPE iomtd_store_writable gauge
        iomtd_store_writable \(problem == nil ? 1 : 0)
        # HELP iomtd_store_waiting_readings Readings kept in memory until the store accepts writes again.
        # TYPE iomtd_store_waiting_readings gauge
        iomtd_store_waiting_readings \(readingsWaiting)
        # HELP iomtd_store_lost_readings_total Readings lost because the in-memory queue for the store was full.
        # TYPE iomtd_store_lost_readings_total counter
        iomtd_store_lost_readings_total \(readingsLost)
        # HELP iomtd_store_waiting_alerts Alerts announced and kept in memory until the store accepts writes again.
        # TYPE iomtd_store_waiting_alerts gauge
        iomtd_store_waiting_alerts \(alertsWaiting)

        """
    }
}
