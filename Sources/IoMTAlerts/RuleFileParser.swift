import IoMTCore

/// Reads a rule file (format in docs/alert-rules.md): `version`, default `rules` (optionally per
/// `deviceClass`) and per-patient `patients.<reference>.rules` that replace defaults of the same id.
/// Reports every problem at once, naming file, rule and field.
public enum RuleFileParser {
    static let ruleKeys: Set<String> = ["id", "kind", "measurement", "below", "above", "condition", "within", "priority",
                                        "deviceClass", "for", "hysteresis", "escalation", "rateLimit", "latching", "reAlarmAfter", "source", "comment",
                                        "fallPercent", "fallBy", "baselineWindow", "minimumBaselineReadings", "zone"]

    public static func parse(_ text: String, file: String) throws(RuleFileError) -> RuleSet {
        var reader = Reader()
        let root: JSONValue
        do { root = try JSONValue.parse(text) } catch {
            throw RuleFileError(file: file, problems: [.init(rule: nil, field: "(syntax)", expected: "valid JSON", found: error.description)])
        }
        guard root.objectValue != nil else {
            throw RuleFileError(file: file, problems: [.init(rule: nil, field: "(top level)", expected: "an object", found: root.kindDescription)])
        }
        reader.knownKeys(root, path: "", rule: nil, allowed: ["version", "comment", "rules", "patients"])
        var version = ""
        switch root["version"] {
        case let .string(text)? where !text.isEmpty: version = text
        case let .number(text)?: version = text
        case let other: reader.fail(nil, "version", "a version such as \"2026-11-23.1\" or 3", other)
        }
        var rules: [AlertRule] = []
        var ids: Set<String> = []
        for (index, item) in (reader.array(root, "rules", path: "") ?? []).enumerated() {
            if let rule = reader.rule(item, path: "rules[\(index)]", patient: nil) {
                if !ids.insert(rule.id).inserted { reader.fail(rule.id, "rules[\(index)].id", "a unique rule id", .string(rule.id)) }
                rules.append(rule)
            }
        }
        if let patients = root["patients"] {
            if let members = patients.objectValue {
                for (reference, body) in members {
                    let path = "patients.\(reference)"
                    if reference.count == 11, reference.allSatisfy(\.isNumber) {
                        reader.fail(nil, path, "a patient reference (not a PESEL: rule files and logs carry no identifiers)", .string("11 digits"))
                        continue
                    }
                    guard body.objectValue != nil else { reader.fail(nil, path, "an object with \"rules\"", body); continue }
                    reader.knownKeys(body, path: path, rule: nil, allowed: ["rules", "comment"])
                    var patientIds: Set<String> = []
                    for (index, item) in (reader.array(body, "rules", path: path) ?? []).enumerated() {
                        if let rule = reader.rule(item, path: "\(path).rules[\(index)]", patient: reference) {
                            if !patientIds.insert(rule.id).inserted {
                                reader.fail(rule.id, "\(path).rules[\(index)].id", "a unique rule id for this patient", .string(rule.id))
                            }
                            rules.append(rule)
                        }
                    }
                }
            } else {
                reader.fail(nil, "patients", "an object keyed by patient reference", patients)
            }
        }
        guard reader.problems.isEmpty else { throw RuleFileError(file: file, problems: reader.problems) }
        return RuleSet(version: version, rules: rules)
    }

    /// Parses "15s", "2m", "26h", "1d", "500ms" into milliseconds.
    public static func duration(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            // A duration too long for Int64 milliseconds is malformed, reported like any other (never a trap).
            if let value = Int64(number), value >= 0, !number.hasPrefix("+") {
                let (milliseconds, overflow) = value.multipliedReportingOverflow(by: scale)
                return overflow ? nil : milliseconds
            }
        }
        return nil
    }

    struct Reader {
        var problems: [RuleFileError.Problem] = []

        mutating func fail(_ rule: String?, _ field: String, _ expected: String, _ found: JSONValue?) {
            let text: String
            switch found {
            case nil: text = "nothing"
            case let .string(s)?: text = "\"\(s)\""
            case let .number(n)?: text = n
            case let value?: text = value.kindDescription
            }
            problems.append(.init(rule: rule, field: field, expected: expected, found: text))
        }

        mutating func knownKeys(_ object: JSONValue, path: String, rule: String?, allowed: Set<String>) {
            for (key, _) in object.objectValue ?? [] where !allowed.contains(key) {
                problems.append(.init(rule: rule, field: path.isEmpty ? key : path + "." + key,
                                      expected: "one of " + allowed.sorted().joined(separator: ", "), found: "unknown field"))
            }
        }

        mutating func array(_ object: JSONValue, _ key: String, path: String) -> [JSONValue]? {
            guard let value = object[key], !value.isNull else { return nil }
            guard let items = value.arrayValue else { fail(nil, path.isEmpty ? key : path + "." + key, "an array", value); return nil }
            return items
        }

        mutating func rule(_ item: JSONValue, path: String, patient: String?) -> AlertRule? {
            guard item.objectValue != nil else { fail(nil, path, "a rule object", item); return nil }
            let id = item["id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            if id == nil { fail(nil, path + ".id", "a rule id", item["id"]) }
            let name = id ?? path
            knownKeys(item, path: path, rule: name, allowed: RuleFileParser.ruleKeys)

            let priorityText = item["priority"]?.stringValue
            let priority = priorityText.flatMap(AlertPriority.init(rawValue:))
            if priority == nil { fail(name, path + ".priority", "one of high, medium, low (IEC 60601-1-8)", item["priority"]) }
            let deviceClass = optionalString(item, "deviceClass", path: path, rule: name)

            let kindText = item["kind"]?.stringValue ?? "threshold"
            var kind: AlertRule.Kind?
            switch kindText {
            case "threshold":
                let measurement = self.measurement(item, path: path, rule: name)
                let below = decimal(item, "below", path: path, rule: name)
                let above = decimal(item, "above", path: path, rule: name)
                if item["below"] == nil, item["above"] == nil {
                    fail(name, path, "at least one of \"below\" or \"above\" (both: outside a range)", nil)
                }
                if let below, let above, !(below < above) {
                    fail(name, path + ".above", "a limit greater than below (\(below))", .number(above.description))
                }
                if let measurement { kind = .threshold(measurement: measurement, below: below, above: above) }
            case "missed-measurement":
                let measurement = self.measurement(item, path: path, rule: name)
                let within = duration(item, "within", path: path, rule: name, required: true)
                if let measurement, let within {
                    if within <= 0 { fail(name, path + ".within", "a duration above zero", item["within"]) }
                    kind = .missedMeasurement(measurement: measurement, withinMilliseconds: within)
                }
            case "technical":
                let conditions = StatusFlag.allCases.map(\.rawValue) + AlertRule.readingConditions + AlertRule.gatewayConditions
                let condition = item["condition"]?.stringValue
                if let condition, conditions.contains(condition) { kind = .technical(condition: condition) } else {
                    fail(name, path + ".condition", "one of " + conditions.joined(separator: ", "), item["condition"])
                }
            case "z-score":
                kind = zScoreKind(item, path: path, rule: name)
            case "baseline-fall":
                kind = baselineFallKind(item, path: path, rule: name)
            default:
                fail(name, path + ".kind", "one of threshold, missed-measurement, technical, z-score, baseline-fall", item["kind"])
            }

            let persistence = duration(item, "for", path: path, rule: name, required: false) ?? 0
            let hysteresis = decimal(item, "hysteresis", path: path, rule: name)
            if let hysteresis, hysteresis < DecimalValue(0) { fail(name, path + ".hysteresis", "a margin of zero or more", .number(hysteresis.description)) }
            var escalation: AlertRule.Escalation?
            if let e = item["escalation"] {
                if e.objectValue != nil {
                    knownKeys(e, path: path + ".escalation", rule: name, allowed: ["repeatEvery", "escalateAfter"])
                    let repeatEvery = duration(e, "repeatEvery", path: path + ".escalation", rule: name, required: false) ?? 0
                    let after = duration(e, "escalateAfter", path: path + ".escalation", rule: name, required: false)
                    if repeatEvery == 0 && after == nil {
                        fail(name, path + ".escalation", "\"repeatEvery\" and/or \"escalateAfter\"", e)
                    }
                    escalation = AlertRule.Escalation(repeatEveryMilliseconds: repeatEvery, escalateAfterMilliseconds: after)
                } else { fail(name, path + ".escalation", "an object", e) }
            }
            var rateLimit: AlertRule.RateLimit?
            if let r = item["rateLimit"] {
                if r.objectValue != nil {
                    knownKeys(r, path: path + ".rateLimit", rule: name, allowed: ["max", "per"])
                    let maximum = r["max"]?.intValue
                    if maximum == nil || maximum! < 1 { fail(name, path + ".rateLimit.max", "an integer of 1 or more", r["max"]) }
                    let window = duration(r, "per", path: path + ".rateLimit", rule: name, required: true)
                    if let maximum, maximum >= 1, let window { rateLimit = AlertRule.RateLimit(maximum: maximum, windowMilliseconds: window) }
                } else { fail(name, path + ".rateLimit", "an object {\"max\": N, \"per\": \"1h\"}", r) }
            }
            var latching: Bool?
            switch item["latching"] {
            case nil, .null?: break
            case .bool(let value)?: latching = value
            case let other?: fail(name, path + ".latching", "true or false (default: true for high priority)", other)
            }
            let reAlarmAfter = duration(item, "reAlarmAfter", path: path, rule: name, required: false) ?? 0
            guard let id, let kind, let priority else { return nil }
            return AlertRule(id: id, kind: kind, priority: priority, deviceClass: deviceClass, patient: patient,
                             persistenceMilliseconds: persistence, hysteresis: hysteresis, escalation: escalation, rateLimit: rateLimit,
                             latching: latching, reAlarmAfterMilliseconds: reAlarmAfter)
        }

        mutating func measurement(_ item: JSONValue, path: String, rule: String) -> String? {
            let text = item["measurement"]?.stringValue
            guard let text, MeasurementType.byRefId(text) != nil else {
                fail(rule, path + ".measurement", "a known MDC reference id (" + MeasurementType.all.map(\.mdcRefId).joined(separator: ", ") + ")",
                     item["measurement"])
                return nil
            }
            return text
        }

        mutating func optionalString(_ item: JSONValue, _ key: String, path: String, rule: String) -> String? {
            guard let value = item[key], !value.isNull else { return nil }
            guard let text = value.stringValue, !text.isEmpty else { fail(rule, path + "." + key, "a string", value); return nil }
            return text
        }

        mutating func decimal(_ item: JSONValue, _ key: String, path: String, rule: String) -> DecimalValue? {
            guard let value = item[key], !value.isNull else { return nil }
            guard let text = value.numberText ?? value.stringValue, let decimal = DecimalValue(text) else {
                fail(rule, path + "." + key, "a decimal number such as 90 or 36.5", value)
                return nil
            }
            return decimal
        }

        mutating func duration(_ item: JSONValue, _ key: String, path: String, rule: String, required: Bool) -> Int64? {
            guard let value = item[key], !value.isNull else {
                if required { fail(rule, path + "." + key, "a duration such as \"15s\", \"5m\", \"26h\"", nil) }
                return nil
            }
            guard let text = value.stringValue, let milliseconds = RuleFileParser.duration(text) else {
                fail(rule, path + "." + key, "a duration such as \"15s\", \"5m\", \"26h\"", value)
                return nil
            }
            return milliseconds
        }
    }
}

extension AlertRule {
    /// Technical conditions the gateway itself reports (as opposed to reading status flags).
    public static let gatewayConditions = ["device-unreachable", "device-no-frames", "storage-nearly-full", "store-full", "dom-unreachable", "dom-refusing", "store-unwritable", "store-replaced", "battery-low", "cuff-loose"]
    /// Technical conditions derived from readings: `device-fault` holds while a reading carries a physiologically
    /// impossible value (status `implausible`, ranges in the measurement catalogue).
    public static let readingConditions = ["device-fault"]
}
