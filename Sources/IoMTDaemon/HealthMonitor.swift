import IoMTCore

/// Tracks whether the pipeline is healthy, so the systemd watchdog is fed only while it is:
/// the store accepts writes and every device loop is still turning.
public actor HealthMonitor {
    private let clock: any WallClock
    private var lastStoreError: String?
    private var loopHeartbeats: [String: Instant] = [:]
    private let staleAfterMilliseconds: Int64

    public init(clock: any WallClock, staleAfterMilliseconds: Int64 = 10_000) {
        self.clock = clock
        self.staleAfterMilliseconds = staleAfterMilliseconds
    }

    public func storeSucceeded() { lastStoreError = nil }
    public func storeFailed(_ message: String) { lastStoreError = message }
    public func heartbeat(_ loop: String) { loopHeartbeats[loop] = clock.now() }
    public func remove(_ loop: String) { loopHeartbeats[loop] = nil }

    /// nil when healthy, else the reason (for STATUS= and the log).
    public func problem() -> String? {
        if let lastStoreError { return "store failing: \(lastStoreError)" }
        let now = clock.now()
        for (loop, beat) in loopHeartbeats.sorted(by: { $0.key < $1.key }) where now.milliseconds(since: beat) > staleAfterMilliseconds {
            return "\(loop) stalled for \(now.milliseconds(since: beat)) ms"
        }
        return nil
    }
}
