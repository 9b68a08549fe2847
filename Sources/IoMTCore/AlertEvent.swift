/// Alarm priority, after IEC 60601-1-8 (high, medium, low).
public enum AlertPriority: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case high, medium, low

    /// Lower rank = more urgent, for ordering queues.
    public var rank: Int { switch self { case .high: 0; case .medium: 1; case .low: 2 } }
    public static func < (lhs: AlertPriority, rhs: AlertPriority) -> Bool { lhs.rank < rhs.rank }
}

/// A fired alert: which rule fired, on which input, and why. Stored durably before dispatch.
public struct AlertEvent: Sendable, Hashable, Codable {
    public var ruleId: String
    /// Hash of the rule set in force, so an alert can be traced to the exact rules.
    public var ruleSetHash: String
    public var priority: AlertPriority
    /// "above", "below", or a technical condition name.
    public var condition: String
    public var measurement: String
    public var value: DecimalValue?
    public var unit: String
    public var threshold: DecimalValue?
    public var patientId: String?
    public var deviceKey: String
    /// When the triggering reading was taken (corrected time).
    public var observedAt: Instant
    public var createdAt: Instant
    /// Store row id of the observation that fired it, when there is one.
    public var observationId: Int64?
    /// Human-readable text, free of patient identifiers (it goes to logs).
    public var message: String
    /// Names the episode (rule, device or patient reference, first firing time); repeats share it.
    public var episode: String
    public var occurrence: AlertOccurrence
    /// The rule file's declared `version`.
    public var ruleSetVersion: String
    /// The inputs that fired it, as a JSON array (observation ids, times, values).
    public var inputs: String
    /// v3 ObservationInterpretation code (H, L, HH, LL) for threshold alerts.
    public var interpretation: String?
    /// Identifies this alert everywhere (webhook Idempotency-Key, IOMT_ALERT_ID, DOM Communication): a random
    /// UUID given when the alert is raised, unlike the store's row id unique across store restores and gateways.
    /// Empty until `AlertDispatcher.raise` assigns it.
    public var identifier: String = ""
    /// The reading that fired it could not be stored when the alert was raised (store full, read-only, …).
    public var readingNotStored: Bool = false
    /// Fired by test or demonstration data (a replay, a device in test mode); nil for a real alarm. Such an alert
    /// belongs to an episode of its own, never to a real one, and reaches the alarm channels only when announced.
    /// Optional so saved engine states and recent events from before it decode unchanged.
    public var test: AlertTest? = nil

    public init(ruleId: String, ruleSetHash: String, priority: AlertPriority, condition: String, measurement: String,
                value: DecimalValue?, unit: String, threshold: DecimalValue?, patientId: String?, deviceKey: String,
                observedAt: Instant, createdAt: Instant, observationId: Int64?, message: String,
                episode: String = "", occurrence: AlertOccurrence = .fired, ruleSetVersion: String = "", inputs: String = "[]",
                interpretation: String? = nil) {
        self.ruleId = ruleId; self.ruleSetHash = ruleSetHash; self.priority = priority; self.condition = condition
        self.measurement = measurement; self.value = value; self.unit = unit; self.threshold = threshold
        self.patientId = patientId; self.deviceKey = deviceKey; self.observedAt = observedAt
        self.createdAt = createdAt; self.observationId = observationId; self.message = message
        self.episode = episode; self.occurrence = occurrence; self.ruleSetVersion = ruleSetVersion; self.inputs = inputs
        self.interpretation = interpretation
    }
}

/// How an alert fired by test or demonstration data is treated (docs/alert-rules.md, "Test data").
public enum AlertTest: String, Sendable, Hashable, Codable, CaseIterable {
    /// Evaluated and stored (so the technician sees what would have fired) and logged as a test; the exec hook,
    /// the webhook and DOM never see it.
    case recorded
    /// The technician asked for the alarm channels (`iomtctl replay --alarms`, audited): every channel carries it,
    /// each flagged as a test (IOMT_ALERT_TEST=1, webhook `"test": true`, DOM meta.security HTEST, "TEST" in the log).
    case announced
}

/// Why an alert is announced: first firing, a repetition while unacknowledged, the escalation, or the end of
/// the episode (`resolved`: its condition cleared and, for a latching alarm, a clinician acknowledged it).
public enum AlertOccurrence: String, Sendable, Hashable, Codable, CaseIterable {
    case fired, repeated, escalated, resolved
}
