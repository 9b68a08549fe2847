import IoMTCore
import IoMTStore

/// Somewhere an alert is announced. `deliver` returns true once the channel has taken the alert;
/// false leaves it undispatched so the next pass retries it.
public protocol AlertChannel: Sendable {
    var name: String { get }
    func deliver(_ alert: StoredAlert) async -> Bool
}

/// Writes the alert to the log (the journal under systemd). No patient identifiers.
public struct LogAlertChannel: AlertChannel {
    public let name = "log"
    public init() {}
    public func deliver(_ alert: StoredAlert) async -> Bool {
        let e = alert.event
        Log.warning("ALERT \(alert.event.identifier) \(e.priority.rawValue) \(e.occurrence.rawValue) \(e.message) device=\(e.deviceKey) at=\(e.observedAt.iso8601) rules=\(e.ruleSetVersion)/\(e.ruleSetHash)\(e.readingNotStored ? " reading-NOT-stored" : "")", "alerts")
        return true
    }
}
