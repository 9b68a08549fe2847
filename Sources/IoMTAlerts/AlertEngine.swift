import IoMTCore

/// Evaluates observations against the rule set. Pure and deterministic: the same readings in the
/// same order give the same alerts. An alert fires once when a (device, rule) pair goes out of
/// limits and re-arms only after a value back inside the limits, so a 20-second dip at 1 Hz is one
/// alert, not twenty.
public struct AlertEngine: Sendable {
    public let ruleSet: RuleSet
    /// (device key, rule id) pairs currently out of limits.
    private var active: Set<String> = []

    public init(ruleSet: RuleSet) { self.ruleSet = ruleSet }

    public mutating func evaluate(_ observation: Observation, observationId: Int64?, now: Instant) -> [AlertEvent] {
        var events: [AlertEvent] = []
        for rule in ruleSet.rules {
            for (type, value, unit) in Self.values(of: observation) where type.mdcRefId == rule.measurement {
                let key = observation.device.key + "\u{1F}" + rule.id
                guard let value else { continue } // no value (finger out): neither fires nor re-arms
                guard let (condition, threshold) = rule.violation(of: value) else {
                    active.remove(key)
                    continue
                }
                guard !active.contains(key) else { continue }
                active.insert(key)
                events.append(AlertEvent(
                    ruleId: rule.id, ruleSetHash: ruleSet.hash, priority: rule.priority, condition: condition,
                    measurement: type.mdcRefId, value: value, unit: unit, threshold: threshold,
                    patientId: observation.patientId, deviceKey: observation.device.key,
                    observedAt: observation.correctedTime, createdAt: now, observationId: observationId,
                    message: "\(type.mdcRefId) \(value) \(unit) \(condition) \(threshold) (rule \(rule.id), \(rule.priority.rawValue) priority)"))
            }
        }
        return events
    }

    /// The observation's own value and its components' values.
    static func values(of observation: Observation) -> [(MeasurementType, DecimalValue?, String)] {
        [(observation.type, observation.value, observation.unit)] + observation.components.map { ($0.type, $0.value, $0.unit) }
    }
}
