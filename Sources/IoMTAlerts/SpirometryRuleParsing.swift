import IoMTCore
import IoMTSpirometry

/// The rule file's spirometry kinds (docs/alert-rules.md, "Spirometry"): `z-score` and `baseline-fall`.
extension RuleFileParser.Reader {
    mutating func zScoreKind(_ item: JSONValue, path: String, rule: String) -> AlertRule.Kind? {
        let measurement = self.measurement(item, path: path, rule: rule)
        if let measurement, let type = MeasurementType.byRefId(measurement), SpirometryAssessment.parameter(of: type) == nil {
            fail(rule, path + ".measurement", "a measurement with GLI reference equations (FEV1, FVC, FEV1/FVC, FEV6, FEF25-75)", .string(measurement))
            return nil
        }
        let below = decimal(item, "below", path: path, rule: rule)
        let above = decimal(item, "above", path: path, rule: rule)
        if item["below"] == nil, item["above"] == nil {
            fail(rule, path, "at least one of \"below\" or \"above\" (z-scores, e.g. \"below\": -2.5)", nil)
        }
        if let below, let above, !(below < above) { fail(rule, path + ".above", "a limit greater than below (\(below))", .number(above.description)) }
        guard let measurement else { return nil }
        return .zScore(measurement: measurement, below: below, above: above)
    }

    /// Days of personal best by default: 28 (a four-week window, as home spirometry programmes after lung
    /// transplantation and asthma action plans use; docs/alert-rules.md).
    static let defaultBaselineWindow: Int64 = 28 * 86_400_000

    mutating func baselineFallKind(_ item: JSONValue, path: String, rule: String) -> AlertRule.Kind? {
        let measurement = self.measurement(item, path: path, rule: rule)
        let percent = decimal(item, "fallPercent", path: path, rule: rule)
        let by = decimal(item, "fallBy", path: path, rule: rule)
        let zone = peakFlowZone(item, path: path, rule: rule)
        if item["zone"] != nil, item["fallPercent"] != nil || item["fallBy"] != nil {
            fail(rule, path + ".zone", "either a peak-flow \"zone\" (whose limit is its own) or \"fallPercent\"/\"fallBy\", not both", item["zone"])
        }
        if item["zone"] == nil, item["fallPercent"] == nil, item["fallBy"] == nil {
            fail(rule, path, "at least one of \"fallPercent\" (e.g. 10) or \"fallBy\" (in the reading's unit, e.g. 0.2 for 200 mL),"
                 + " or a peak-flow \"zone\" (yellow or red)", nil)
        }
        if let percent, !(DecimalValue(0) < percent && percent < DecimalValue(100)) {
            fail(rule, path + ".fallPercent", "a percentage above 0 and below 100", .number(percent.description))
        }
        if let by, !(DecimalValue(0) < by) { fail(rule, path + ".fallBy", "an amount above 0", .number(by.description)) }
        let window = duration(item, "baselineWindow", path: path, rule: rule, required: false) ?? Self.defaultBaselineWindow
        if window <= 0 { fail(rule, path + ".baselineWindow", "a duration above zero, e.g. \"28d\"", item["baselineWindow"]) }
        var minimum = 1
        if let value = item["minimumBaselineReadings"], !value.isNull {
            if let number = value.intValue, (1...100).contains(number) { minimum = number } else {
                fail(rule, path + ".minimumBaselineReadings", "an integer from 1 to 100", value)
            }
        }
        guard let measurement else { return nil }
        return .baselineFall(measurement: measurement, fallPercent: percent, fallBy: by, windowMilliseconds: window, minimumReadings: minimum,
                             zone: zone)
    }

    /// `zone`: the NAEPP peak-flow zone the rule alerts on (and below); green is where no alert is due.
    mutating func peakFlowZone(_ item: JSONValue, path: String, rule: String) -> PeakFlowZone? {
        guard let value = item["zone"], !value.isNull else { return nil }
        guard let name = value.stringValue, let zone = PeakFlowZone(rawValue: name), zone != .green else {
            fail(rule, path + ".zone", "one of yellow (below 80 % of the personal best), red (below 50 %)", value)
            return nil
        }
        return zone
    }
}
