import Synchronization

/// Elements every bounded stream of this process lost to overflow, by kind, since start: the daemon appends it to
/// metrics.prom. Kept process-wide because streams come and go with their devices (hotplug, Bluetooth links), and a
/// Prometheus counter must not fall when one of them ends.
public enum StreamOverflowTally {
    private final class Counts: Sendable {
        let lost = Mutex<[StreamOverflowPolicy: Int]>([:])
    }
    private static let counts = Counts()

    static func add(_ policy: StreamOverflowPolicy) {
        counts.lost.withLock { $0[policy, default: 0] += 1 }
    }

    /// Lost so far under `policy`.
    public static func lost(_ policy: StreamOverflowPolicy) -> Int { counts.lost.withLock { $0[policy] ?? 0 } }

    /// Prometheus text: `kind="device-data"` (refused and reported in order: readings are missing, see the log and
    /// the device board) and `kind="control"` (older state events replaced by newer ones).
    public static var metricsText: String {
        """
        # HELP iomtd_stream_elements_lost_total Elements a bounded internal stream could not buffer because its consumer was behind.
        # TYPE iomtd_stream_elements_lost_total counter
        iomtd_stream_elements_lost_total{kind="device-data"} \(lost(.refuseNewestAndMark))
        iomtd_stream_elements_lost_total{kind="control"} \(lost(.dropOldest))

        """
    }
}
