import IoMTCore

/// A min/max threshold on one measurement code (first cut; per-patient rules, persistence and
/// escalation come with the alerts issue).
public struct ThresholdRule: Sendable, Hashable {
    public var id: String
    /// MDC reference id of the measurement (or of a component, e.g. MDC_PRESS_BLD_NONINV_SYS).
    public var measurement: String
    /// Fires when the value is strictly below this.
    public var below: DecimalValue?
    /// Fires when the value is strictly above this.
    public var above: DecimalValue?
    public var priority: AlertPriority

    public init(id: String, measurement: String, below: DecimalValue? = nil, above: DecimalValue? = nil, priority: AlertPriority) {
        self.id = id; self.measurement = measurement; self.below = below; self.above = above; self.priority = priority
    }

    /// The condition this value violates, with the limit crossed; nil when inside the limits.
    /// Limits are exclusive: a value exactly at the limit does not fire.
    public func violation(of value: DecimalValue) -> (condition: String, threshold: DecimalValue)? {
        if let below, value < below { return ("below", below) }
        if let above, value > above { return ("above", above) }
        return nil
    }
}

/// An ordered, versioned set of rules with a content hash, so every alert names the exact rules that fired it.
public struct RuleSet: Sendable, Hashable {
    public let rules: [ThresholdRule]
    public let hash: String

    public init(rules: [ThresholdRule]) {
        self.rules = rules
        var canonical = ""
        for rule in rules {
            canonical += "\(rule.id)|\(rule.measurement)|\(rule.below?.description ?? "")|\(rule.above?.description ?? "")|\(rule.priority.rawValue)\n"
        }
        hash = FNV1a64.hex(of: Array(canonical.utf8))
    }
}

/// FNV-1a 64-bit: a stable content fingerprint for traceability (not a security hash).
enum FNV1a64 {
    static func hex(of bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Hex.string((0..<8).reversed().map { UInt8(truncatingIfNeeded: hash >> (UInt64($0) * 8)) })
    }
}
