import IoMTCore

/// One alert rule. Thresholds watch a measurement's value, missed-measurement rules watch for a reading
/// that did not come, technical rules watch a device or gateway condition (finger out, device unreachable).
/// Every rule may be scoped to a device class (profile `deviceClass`) and to one patient reference.
public struct AlertRule: Sendable, Hashable, Codable {
    public enum Kind: Sendable, Hashable, Codable {
        /// Fires when the value is strictly below `below` or strictly above `above` (both: outside a range).
        case threshold(measurement: String, below: DecimalValue?, above: DecimalValue?)
        /// Fires when no reading of `measurement` arrived for `withinMilliseconds`.
        case missedMeasurement(measurement: String, withinMilliseconds: Int64)
        /// Fires while `condition` holds: a status flag of the readings (`sensor-off`, `probe-error`, …)
        /// or a gateway fact (`device-unreachable`, `storage-nearly-full`, `dom-unreachable`, `battery-low`).
        case technical(condition: String)
        /// Fires when a spirometry reading's z-score against the patient's reference equations is strictly below
        /// `below` or above `above` (docs/spirometry.md); a reading without reference values neither fires nor re-arms.
        case zScore(measurement: String, below: DecimalValue?, above: DecimalValue?)
        /// Fires when a reading falls below the patient's personal best — the highest value of the same measurement in
        /// the `windowMilliseconds` before it — by more than `fallPercent` % or more than `fallBy` (in the reading's
        /// unit); it needs `minimumReadings` earlier readings in the window to judge (docs/alert-rules.md). With a peak-flow
        /// `zone` the limit is that zone's (yellow: below 80 %, red: below 50 % of the personal best) and the event names the zone.
        case baselineFall(measurement: String, fallPercent: DecimalValue?, fallBy: DecimalValue?, windowMilliseconds: Int64, minimumReadings: Int,
                          zone: PeakFlowZone? = nil)
    }

    /// Repetition and escalation while an alert stays unacknowledged (and not silenced).
    public struct Escalation: Sendable, Hashable, Codable {
        /// Announce again every this many milliseconds (0: never repeat).
        public var repeatEveryMilliseconds: Int64
        /// Announce once more as "escalated" after this long unacknowledged (nil: never).
        public var escalateAfterMilliseconds: Int64?
        public init(repeatEveryMilliseconds: Int64, escalateAfterMilliseconds: Int64? = nil) {
            self.repeatEveryMilliseconds = repeatEveryMilliseconds; self.escalateAfterMilliseconds = escalateAfterMilliseconds
        }
    }

    /// At most `maximum` new alerts of this rule per device (or patient) in any `windowMilliseconds`.
    public struct RateLimit: Sendable, Hashable, Codable {
        public var maximum: Int
        public var windowMilliseconds: Int64
        public init(maximum: Int, windowMilliseconds: Int64) { self.maximum = maximum; self.windowMilliseconds = windowMilliseconds }
    }

    public var id: String
    public var kind: Kind
    public var priority: AlertPriority
    /// Applies only to devices of this class (profile `deviceClass`, e.g. `pulse-oximeter`); nil: all.
    public var deviceClass: String?
    /// Applies only to this patient reference (never a PESEL); nil: every patient.
    public var patient: String?
    /// The condition must hold this long (reading time) before the alert fires; 0: at once.
    public var persistenceMilliseconds: Int64
    /// A threshold re-arms only once the value is back inside the limit by this much.
    public var hysteresis: DecimalValue?
    public var escalation: Escalation?
    public var rateLimit: RateLimit?
    /// IEC 60601-1-8 latching: the episode stays announced after its condition cleared, until acknowledged.
    /// nil: the default, latching for high priority only (`latches`).
    public var latching: Bool?
    /// After an episode resolved, no new episode of this rule (same device or patient) opens before this long
    /// has passed; the condition keeps its persistence window meanwhile and fires when the time is up.
    public var reAlarmAfterMilliseconds: Int64

    public init(id: String, kind: Kind, priority: AlertPriority, deviceClass: String? = nil, patient: String? = nil,
                persistenceMilliseconds: Int64 = 0, hysteresis: DecimalValue? = nil, escalation: Escalation? = nil,
                rateLimit: RateLimit? = nil, latching: Bool? = nil, reAlarmAfterMilliseconds: Int64 = 0) {
        self.id = id; self.kind = kind; self.priority = priority; self.deviceClass = deviceClass; self.patient = patient
        self.persistenceMilliseconds = persistenceMilliseconds; self.hysteresis = hysteresis
        self.escalation = escalation; self.rateLimit = rateLimit
        self.latching = latching; self.reAlarmAfterMilliseconds = reAlarmAfterMilliseconds
    }

    /// Whether an episode of this rule latches: as the rule says, else high priority latches (IEC 60601-1-8 6.2).
    public var latches: Bool { latching ?? (priority == .high) }

    /// A plain threshold (the daemon configuration's inline `alerts.rules`).
    public static func threshold(id: String, measurement: String, below: DecimalValue? = nil, above: DecimalValue? = nil,
                                 priority: AlertPriority, latching: Bool? = nil) -> AlertRule {
        AlertRule(id: id, kind: .threshold(measurement: measurement, below: below, above: above), priority: priority, latching: latching)
    }

    /// The measurement code the rule watches (nil for technical rules).
    public var measurement: String? {
        switch kind {
        case let .threshold(measurement, _, _), let .missedMeasurement(measurement, _), let .zScore(measurement, _, _),
             let .baselineFall(measurement, _, _, _, _, _): measurement
        case .technical: nil
        }
    }

    /// The condition this value violates, with the limit crossed; nil when inside the limits.
    /// Limits are exclusive: a value exactly at the limit does not fire.
    public func violation(of value: DecimalValue) -> (condition: String, threshold: DecimalValue)? {
        guard let (below, above) = limits else { return nil }
        if let below, value < below { return ("below", below) }
        if let above, value > above { return ("above", above) }
        return nil
    }

    /// True once a value is far enough inside the limits (by `hysteresis`) for the rule to re-arm.
    public func rearms(at value: DecimalValue) -> Bool {
        guard let (below, above) = limits else { return true }
        let margin = hysteresis ?? DecimalValue(0)
        if let below, value < below.adding(margin) { return false }
        if let above, above.adding(margin.negated) < value { return false }
        return true
    }

    /// The exclusive limits of a threshold (on the value) or a z-score rule (on the z-score).
    var limits: (below: DecimalValue?, above: DecimalValue?)? {
        switch kind {
        case let .threshold(_, below, above), let .zScore(_, below, above): (below, above)
        default: nil
        }
    }

    /// The v3 ObservationInterpretation code a violating value earns: HH/LL for high-priority limits
    /// (critical), H/L otherwise.
    public static func interpretation(condition: String, priority: AlertPriority) -> String? {
        switch condition {
        case "above": priority == .high ? "HH" : "H"
        case "below": priority == .high ? "LL" : "L"
        default: nil
        }
    }
}

extension DecimalValue {
    /// Exact sum (aligned exponents); used for hysteresis bands.
    func adding(_ other: DecimalValue) -> DecimalValue {
        let exponent = min(self.exponent, other.exponent)
        func scaled(_ value: DecimalValue) -> Int64 {
            var result = value.significand
            for _ in 0..<(value.exponent - exponent) { result *= 10 }
            return result
        }
        return DecimalValue(significand: scaled(self) + scaled(other), exponent: exponent)
    }

    var negated: DecimalValue { DecimalValue(significand: -significand, exponent: exponent) }
}
