import IoMTControl
import IoMTCore

/// What the running daemon reports as degraded (`status` answer: `store`, `forwarder`), as doctor findings with
/// what to do. Shared by `iomtctl doctor` and the human `iomtctl status`.
public enum DegradedStateFindings {
    public static func findings(status: DaemonStatus) -> [DoctorFinding] {
        [status.store.flatMap(store), status.forwarder.flatMap(forwarder)].compactMap { $0 }
    }

    /// The store refusing writes: why, what waits in memory, what was lost, and the fix for that cause.
    public static func store(_ store: StoreWriteStatus) -> DoctorFinding? {
        guard let problem = store.problem else { return DoctorFinding("store writes", .ok, "the store accepts writes") }
        let waiting = store.readingsWaiting, lost = store.readingsLost, alerts = store.alertsWaiting
        let detail = "DEGRADED, the store cannot write (\(cause(problem))): \(waiting) reading(s) and \(alerts) alert(s) wait in memory (up to 100,000 readings), "
            + "\(lost) lost; alarms still go out on the local channels. \(problem)"
        return DoctorFinding("store writes", .problem, detail, fix: fix(problem))
    }

    static func cause(_ problem: String) -> String {
        let text = problem.lowercased()
        if text.contains("full") { return "full" }
        if text.contains("read-only") || text.contains("readonly") { return "read-only" }
        if text.contains("unable to open") || text.contains("cannot create") || text.contains("not a directory") { return "cannot be opened" }
        if text.contains("lock") || text.contains("busy") { return "locked" }
        return "write error"
    }

    static func fix(_ problem: String) -> String {
        switch cause(problem) {
        case "full": return "free space on the state directory's file system (df -h /var/lib/iomtd; journalctl --vacuum-size=…), or lower store.maxMegabytes; readings are stored by themselves once there is room"
        case "read-only": return "remount the state directory read-write (mount -o remount,rw …; check dmesg for the I/O error that made it read-only) or fix its ownership (chown -R iomtd /var/lib/iomtd); iomtd opens the store by itself"
        case "cannot be opened": return "create the state directory, writable by iomtd (systemd StateDirectory=iomtd), or fix stateDirectory in iomtd.json; iomtd retries by itself"
        case "locked": return "find the process holding the store open (fuser -v /var/lib/iomtd/iomtd.sqlite) and stop it"
        default: return "iomtctl store check; journalctl -u iomtd -n 50"
        }
    }

    /// Delivery paused because DOM refuses readings systemically, or backing off after failures.
    public static func forwarder(_ forwarder: ForwarderReport) -> DoctorFinding? {
        let quarantined = forwarder.quarantined
        switch forwarder.state {
        case .paused:
            let detail = "delivery to DOM PAUSED: DOM refuses readings systemically (\(forwarder.pausedReason ?? "?")) since "
                + "\(forwarder.pausedSince?.iso8601 ?? "?"); readings stay queued, one is offered at each probe (next \(forwarder.nextAttempt?.iso8601 ?? "soon")); \(quarantined) quarantined"
            return DoctorFinding("delivery", .problem, detail,
                                 fix: "read DOM's reason (iomtctl quarantine list), fix it with DOM's operator or in the gateway's configuration; delivery resumes when DOM accepts; then iomtctl quarantine requeue")
        case .backoff:
            let detail = "delivery to DOM failing: \(forwarder.consecutiveFailures) attempt(s) in a row (\(forwarder.lastFailureKind ?? "?")), "
                + "next attempt \(forwarder.nextAttempt?.iso8601 ?? "soon"); \(quarantined) quarantined"
            return DoctorFinding("delivery", .warning, detail, fix: "see the DOM check; iomtctl status shows failures by kind")
        case .delivering:
            return DoctorFinding("delivery", quarantined > 0 ? .warning : .ok, "delivering to DOM; \(quarantined) quarantined",
                                 fix: quarantined > 0 ? "iomtctl quarantine list" : nil)
        }
    }
}
