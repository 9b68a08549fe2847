import IoMTCore

/// A versioned rule set: default rules (optionally per device class) and per-patient rules. A patient's
/// rule with the same id as a default replaces it for that patient only. The content hash goes into every
/// alert, so an alert names the exact rules that fired it.
public struct RuleSet: Sendable, Hashable {
    /// The `version` the file declares (clinician-facing, e.g. "2026-11-23.1").
    public let version: String
    public let rules: [AlertRule]
    public let hash: String

    public init(version: String = "inline", rules: [AlertRule]) {
        self.version = version
        self.rules = rules
        hash = FNV1a64.hex(of: Array(Self.canonicalText(version: version, rules: rules).utf8))
    }

    /// The rules in force for one device and patient, in file order.
    /// `anyClass`: ignore device-class scopes (missed-measurement rules watch a patient, whatever device measures).
    public func rules(deviceClass: String?, patient: String?, anyClass: Bool = false) -> [AlertRule] {
        let overridden = Set(rules.filter { $0.patient != nil && $0.patient == patient }.map(\.id))
        return rules.filter { rule in
            if !anyClass, let scope = rule.deviceClass, scope != deviceClass { return false }
            if let owner = rule.patient { return owner == patient }
            return !overridden.contains(rule.id)
        }
    }

    /// One line per rule with every field that changes behaviour; the hash is over this text.
    static func canonicalText(version: String, rules: [AlertRule]) -> String {
        var text = "version=\(version)\n"
        for rule in rules { text += rule.canonicalLine + "\n" }
        return text
    }
}

extension AlertRule {
    var canonicalLine: String {
        var fields = ["id=\(id)", "priority=\(priority.rawValue)"]
        switch kind {
        case let .threshold(measurement, below, above):
            fields += ["threshold=\(measurement)", "below=\(below?.description ?? "")", "above=\(above?.description ?? "")"]
        case let .missedMeasurement(measurement, within):
            fields += ["missed=\(measurement)", "within=\(within)"]
        case let .technical(condition):
            fields += ["technical=\(condition)"]
        case let .zScore(measurement, below, above):
            fields += ["z-score=\(measurement)", "below=\(below?.description ?? "")", "above=\(above?.description ?? "")"]
        case let .baselineFall(measurement, percent, by, window, minimum, zone):
            fields += ["baseline-fall=\(measurement)", "percent=\(percent?.description ?? "")", "by=\(by?.description ?? "")",
                       "window=\(window)", "minimum=\(minimum)"]
            // Appended only when set, so baseline-fall rules without a zone keep their hash.
            if let zone { fields.append("zone=\(zone.rawValue)") }
        }
        fields += ["class=\(deviceClass ?? "")", "patient=\(patient ?? "")", "for=\(persistenceMilliseconds)",
                   "hysteresis=\(hysteresis?.description ?? "")",
                   "repeat=\(escalation.map { String($0.repeatEveryMilliseconds) } ?? "")",
                   "escalate=\(escalation?.escalateAfterMilliseconds.map(String.init) ?? "")",
                   "rate=\(rateLimit.map { "\($0.maximum)/\($0.windowMilliseconds)" } ?? "")"]
        // Appended only when set, so rule sets written before latching existed keep their hash.
        if let latching { fields.append("latching=\(latching)") }
        if reAlarmAfterMilliseconds > 0 { fields.append("reAlarmAfter=\(reAlarmAfterMilliseconds)") }
        return fields.joined(separator: "|")
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
