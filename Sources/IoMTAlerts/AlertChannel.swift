import IoMTCore
import IoMTStore

/// Somewhere an alert is announced. `deliver` returns true once the channel has taken the alert;
/// false leaves it undispatched so the next pass retries it.
public protocol AlertChannel: Sendable {
    var name: String { get }
    /// Whether the channel also takes test alerts nobody asked to announce (`AlertTest.recorded`). Only the log
    /// does: the exec hook, the webhook and DOM are real alarm channels (issue 12.6).
    var takesRecordedTests: Bool { get }
    func deliver(_ alert: StoredAlert) async -> Bool
}

extension AlertChannel {
    public var takesRecordedTests: Bool { false }

    /// Whether this channel announces `alert` at all (real alarms always; test alarms when announced, or on the log).
    func takes(_ alert: AlertEvent) -> Bool { alert.test != .recorded || takesRecordedTests }
}

/// Writes the alert to the log (the journal under systemd). No patient identifiers.
public struct LogAlertChannel: AlertChannel {
    public let name = "log"
    public var takesRecordedTests: Bool { true }
    public init() {}
    public func deliver(_ alert: StoredAlert) async -> Bool {
        let e = alert.event
        let kind: String
        switch e.test {
        case nil: kind = "ALERT"
        case .announced?: kind = "TEST ALERT (test data, announced on request)"
        case .recorded?: kind = "TEST ALERT (test data, recorded only: not sent to the exec hook, webhook or DOM)"
        }
        Log.warning("\(kind) \(alert.event.identifier) \(e.priority.rawValue) \(e.occurrence.rawValue) \(e.message) device=\(e.deviceKey) at=\(e.observedAt.iso8601) rules=\(e.ruleSetVersion)/\(e.ruleSetHash)\(e.readingNotStored ? " reading-NOT-stored" : "")", "alerts")
        return true
    }
}
