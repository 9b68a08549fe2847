import IoMTCore
import IoMTForward

extension ForwarderStatus {
    /// `delivering`, `backoff` (failed attempts, waiting for the next) or `paused` (DOM refuses readings
    /// systemically: `dom-refusing`, one reading offered per probe interval).
    public var state: String { paused != nil ? "paused" : consecutiveFailures > 0 ? "backoff" : "delivering" }

    /// `iomtctl status --json` → `forwarder` (keys in docs/configuration.md, "Status and doctor").
    public func statusJSON(quarantined: Int) -> JSONValue {
        .object([("state", .string(state)), ("domRefusing", .bool(paused != nil)),
                 ("pausedReason", paused.map { .string($0) } ?? .null), ("pausedSince", pausedSince.map { .string($0.iso8601) } ?? .null),
                 ("nextAttempt", nextAttempt.map { .string($0.iso8601) } ?? .null),
                 ("consecutiveFailures", .number(consecutiveFailures)), ("lastFailureKind", lastFailureKind.map { .string($0) } ?? .null),
                 ("quarantined", .number(quarantined))])
    }
}

/// What the running daemon reports as degraded (`status` answer: `store`, `forwarder`), as doctor findings with
/// what to do. Shared by `iomtctl doctor` and the human `iomtctl status`.
public enum DegradedStateFindings {
    public static func findings(status: JSONValue) -> [DoctorFinding] {
        [status["store"].flatMap(store), status["forwarder"].flatMap(forwarder)].compactMap { $0 }
    }

    /// The store refusing writes: why, what waits in memory, what was lost, and the fix for that cause.
    public static func store(_ store: JSONValue) -> DoctorFinding? {
        guard store["writable"]?.boolValue == false else {
            guard let store = store.objectValue, !store.isEmpty else { return nil }
            return DoctorFinding("store writes", .ok, "the store accepts writes")
        }
        let problem = store["problem"]?.stringValue ?? "refuses writes"
        let waiting = store["readingsWaiting"]?.intValue ?? 0, lost = store["readingsLost"]?.intValue ?? 0
        let alerts = store["alertsWaiting"]?.intValue ?? 0
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
    public static func forwarder(_ forwarder: JSONValue) -> DoctorFinding? {
        let quarantined = forwarder["quarantined"]?.intValue ?? 0
        switch forwarder["state"]?.stringValue {
        case "paused":
            let detail = "delivery to DOM PAUSED: DOM refuses readings systemically (\(forwarder["pausedReason"]?.stringValue ?? "?")) since "
                + "\(forwarder["pausedSince"]?.stringValue ?? "?"); readings stay queued, one is offered at each probe (next \(forwarder["nextAttempt"]?.stringValue ?? "soon")); \(quarantined) quarantined"
            return DoctorFinding("delivery", .problem, detail,
                                 fix: "read DOM's reason (iomtctl quarantine list), fix it with DOM's operator or in the gateway's configuration; delivery resumes when DOM accepts; then iomtctl quarantine requeue")
        case "backoff":
            let detail = "delivery to DOM failing: \(forwarder["consecutiveFailures"]?.intValue ?? 0) attempt(s) in a row (\(forwarder["lastFailureKind"]?.stringValue ?? "?")), "
                + "next attempt \(forwarder["nextAttempt"]?.stringValue ?? "soon"); \(quarantined) quarantined"
            return DoctorFinding("delivery", .warning, detail, fix: "see the DOM check; iomtctl status shows failures by kind")
        case "delivering":
            return DoctorFinding("delivery", quarantined > 0 ? .warning : .ok, "delivering to DOM; \(quarantined) quarantined",
                                 fix: quarantined > 0 ? "iomtctl quarantine list" : nil)
        default: return nil
        }
    }
}
