import IoMTCore
import IoMTSpirometry

/// The spirometry rule kinds (docs/alert-rules.md, "Spirometry"): a reading's z-score against the patient's reference
/// equations, and its fall from the patient's personal best. Both run through the same episode state machine as
/// thresholds; their events carry the rule id and, in `inputs`, what was compared (z-score and reference values, or the
/// personal best reading and the fall).
extension AlertEngine {
    typealias ReadingPart = (type: MeasurementType, value: DecimalValue?, unit: String, status: MeasurementStatus)

    mutating func evaluateZScore(_ rule: AlertRule, observation: Observation, values: [ReadingPart], source: Source, id: Int64?) -> [AlertEvent] {
        guard case let .zScore(measurement, _, _) = rule.kind else { return [] }
        let demographics = context.demographics.demographics(for: observation)
        var events: [AlertEvent] = []
        for part in values where part.type.mdcRefId == measurement {
            guard let value = part.value, !part.status.contains(.invalid), !part.status.contains(.implausible),
                  case let .success(assessment) = SpirometryAssessment.assess(type: part.type, value: value, unit: part.unit,
                                                                             demographics: demographics, at: observation.correctedTime)
            else { continue } // no reference values: neither fires nor re-arms
            // Compared and reported at two decimals, so the alert shows exactly the number that was compared.
            let z = DecimalValue(significand: Int64((assessment.zScore * 100).rounded()), exponent: -2)
            let violation = rule.violation(of: z)
            let note = "z=\(z) predicted=\(Self.format(assessment.reference.predicted)) LLN=\(assessment.reference.lowerLimitOfNormal.map(Self.format) ?? "-")"
                + " %predicted=\(assessment.percentPredicted.formatted1) equations=\(assessment.equations.rawValue)"
            let detail = "\(measurement) \(value) \(part.unit): z-score \(z) \(violation?.condition ?? "") \(violation?.threshold.description ?? "")"
                + " (\(assessment.equations.title))"
            events += update(rule, source: source, violation: violation, rearm: rule.rearms(at: z),
                             evidence: AlertEvidence(observationId: id, at: observation.correctedTime, measurement: measurement, value: value, note: note),
                             value: z, unit: "{z-score}", measurement: measurement, detail: detail)
        }
        return events
    }

    mutating func evaluateBaselineFall(_ rule: AlertRule, observation: Observation, values: [ReadingPart], source: Source,
                                       patient: String?, id: Int64?) -> [AlertEvent] {
        guard case let .baselineFall(measurement, percent, by, window, minimum, zone) = rule.kind, let patientId = observation.patientId else { return [] }
        // A personal baseline belongs to the patient: keyed by the patient reference where there is one, else by the device,
        // and started afresh when the device's readings belong to another patient (a shared clinic device).
        var scoped = source
        if source.test != true, let patient { scoped.deviceKey = "patient:" + patient }
        let key = Self.key(scope: scoped.scope, rule: rule.id)
        var events: [AlertEvent] = []
        for part in values where part.type.mdcRefId == measurement {
            guard let value = part.value, !part.status.contains(.invalid), !part.status.contains(.implausible) else { continue }
            var history = tracks[key]?.baseline ?? BaselineHistory(patientId: patientId)
            if history.patientId != patientId { history = BaselineHistory(patientId: patientId) }
            let at = observation.correctedTime
            let earlier = history.samples.filter { $0.unit == part.unit && $0.at < at && at.milliseconds(since: $0.at) <= window }
            history.record(BaselineSample(at: at, value: value, unit: part.unit, observationId: id), window: window)
            tracks[key, default: Track()].baseline = history
            // The personal best: the highest earlier value (the earliest of equal ones), once there are enough readings.
            guard earlier.count >= minimum, let best = earlier.max(by: { $0.value < $1.value || ($0.value.isNumericallyEqual(to: $1.value) && $0.at > $1.at) }),
                  let limit = BaselineFall.limit(best: best.value, percent: zone?.fallPercent ?? percent, by: zone == nil ? by : nil) else { continue }
            let fell = value < limit // exclusive, as every limit: a fall of exactly the percentage does not fire
            let rearm = rule.hysteresis.flatMap { BaselineFall.sum(limit, $0) }.map { $0 < value } ?? !fell
            let days = Double(window) / 86_400_000
            let fall = best.value.doubleValue - value.doubleValue
            let fallPercent = best.value.doubleValue > 0 ? 100 * fall / best.value.doubleValue : 0
            let bestEvidence = AlertEvidence(observationId: best.observationId, at: best.at, measurement: measurement, value: best.value,
                                             note: "personal best of \(earlier.count) reading(s) in the \(days.formatted1) d before")
            // A zone rule names the zone the reading is in (it may be worse than the rule's) and the zones' source.
            let zoneNote = zone.map { _ in
                "; \((100 - fallPercent).formatted1) % of personal best: \(PeakFlowZone.of(value, best: best.value).rawValue) zone (\(PeakFlowZone.citation))"
            } ?? ""
            let evidence = AlertEvidence(observationId: id, at: at, measurement: measurement, value: value,
                                         note: "fall \(fallPercent.formatted1) % (\(Self.format(fall)) \(part.unit)) from the personal best; limit \(limit)" + zoneNote)
            let detail = "\(measurement) \(value) \(part.unit) fell \(fallPercent.formatted1) % from the personal best \(best.value) \(part.unit)"
                + " (limit \(limit), best of \(earlier.count) in \(days.formatted1) d)" + zoneNote
            events += update(rule, source: scoped, violation: fell ? ("below-baseline", limit) : nil, rearm: rearm, evidence: evidence,
                             value: value, unit: part.unit, measurement: measurement, earlierEvidence: [bestEvidence], detail: detail)
        }
        return events
    }

    /// Three significant decimals for notes ("3.412").
    static func format(_ value: Double) -> String {
        let thousandths = Int64((value * 1000).rounded())
        let sign = thousandths < 0 ? "-" : ""
        let magnitude = thousandths.magnitude
        let fraction = String(magnitude % 1000)
        return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}

/// One `baseline-fall` rule's earlier readings of a patient, kept for the rule's window (persisted with the engine).
struct BaselineHistory: Hashable, Codable {
    /// Whose readings these are: another patient's reading on the same device starts a new history.
    var patientId: String
    var samples: [BaselineSample] = []

    /// At most this many readings are kept (newest first to go is the oldest): a year of daily tests with room to spare.
    static let maximumSamples = 512

    mutating func record(_ sample: BaselineSample, window: Int64) {
        samples.append(sample)
        samples.sort { $0.at < $1.at }
        // Kept while within the window of the newest reading (readings from a device memory may arrive out of order).
        if let newest = samples.last?.at { samples.removeAll { newest.milliseconds(since: $0.at) > window } }
        if samples.count > Self.maximumSamples { samples.removeFirst(samples.count - Self.maximumSamples) }
    }
}

struct BaselineSample: Hashable, Codable {
    var at: Instant
    var value: DecimalValue
    var unit: String
    var observationId: Int64?
}

/// Exact decimal arithmetic for the fall limit (a fall of exactly 10 % must count as 10 %, not 9.999…).
enum BaselineFall {
    /// The value below which a reading has fallen more than the rule allows: the higher of best·(1 − percent/100) and best − by.
    static func limit(best: DecimalValue, percent: DecimalValue?, by: DecimalValue?) -> DecimalValue? {
        var limits: [DecimalValue] = []
        if let percent, let remaining = sum(DecimalValue(100), DecimalValue(significand: -percent.significand, exponent: percent.exponent)),
           let product = product(best, remaining) {
            limits.append(DecimalValue(significand: product.significand, exponent: product.exponent - 2))
        }
        if let by, let lowered = sum(best, DecimalValue(significand: -by.significand, exponent: by.exponent)) { limits.append(lowered) }
        return limits.max()
    }

    /// a + b exactly; nil when it does not fit (an absurd rule or reading neither fires nor re-arms).
    static func sum(_ a: DecimalValue, _ b: DecimalValue) -> DecimalValue? {
        let exponent = min(a.exponent, b.exponent)
        guard let x = scaled(a, to: exponent), let y = scaled(b, to: exponent) else { return nil }
        let (total, overflow) = x.addingReportingOverflow(y)
        return overflow ? nil : DecimalValue(significand: total, exponent: exponent)
    }

    static func product(_ a: DecimalValue, _ b: DecimalValue) -> DecimalValue? {
        let (value, overflow) = a.significand.multipliedReportingOverflow(by: b.significand)
        return overflow ? nil : DecimalValue(significand: value, exponent: a.exponent + b.exponent)
    }

    private static func scaled(_ value: DecimalValue, to exponent: Int) -> Int64? {
        var result = value.significand
        for _ in 0..<max(0, value.exponent - exponent) {
            let (next, overflow) = result.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            result = next
        }
        return result
    }
}
