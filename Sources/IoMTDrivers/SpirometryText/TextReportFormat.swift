import IoMTCore

/// How a device prints its reports, read from the profile's `driverOptions` (README.md, "Options").
public struct TextReportFormat: Sendable, Hashable {
    public struct Field: Sendable, Hashable {
        /// Text before the separator, compared exactly after trimming spaces ("FEV1").
        public var label: String
        public var type: MeasurementType
        /// UCUM unit of the value; a unit printed after the number must be this one.
        public var unit: String
        /// Most decimal places a value may carry (more means a garbled line); nil: no limit.
        public var decimals: Int?
    }

    /// Line that opens a report; nil: a report opens with its first field line.
    public var reportStart: String?
    /// Line that closes a report; only then are its values emitted.
    public var reportEnd: String
    public var separator: String
    public var fields: [Field]
    /// Label of the line carrying the device's quality grade, if the device prints one.
    public var qualityLabel: String?
    /// Grade → status flags added to every value of the report; a grade not listed adds `questionable`.
    public var qualityGrades: [String: MeasurementStatus]
    /// Value texts the device prints for "not measured" ("---").
    public var missingValues: Set<String>
    /// Longer lines are noise (a wrong baud rate, a binary stream) and are dropped.
    public var maxLineLength: Int

    public init(reportStart: String?, reportEnd: String, separator: String = ":", fields: [Field], qualityLabel: String? = nil,
                qualityGrades: [String: MeasurementStatus] = [:], missingValues: Set<String> = ["---"], maxLineLength: Int = 120) {
        self.reportStart = reportStart; self.reportEnd = reportEnd; self.separator = separator; self.fields = fields
        self.qualityLabel = qualityLabel; self.qualityGrades = qualityGrades; self.missingValues = missingValues
        self.maxLineLength = maxLineLength
    }

    static let optionNames = ["reportStart", "reportEnd", "separator", "fields", "qualityLabel", "qualityGrades",
                              "missingValues", "maxLineLength"]

    /// Reads and checks the options; every error names the option path and what was found.
    static func parse(_ options: DriverOptions) throws(DriverConfigurationError) -> TextReportFormat {
        func fail(_ field: String, _ expected: String, _ found: JSONValue?) -> DriverConfigurationError {
            DriverConfigurationError(profileId: options.profileId, field: "driverOptions.\(field)", expected: expected,
                                     found: found.map { $0.kindDescription == "a string" ? $0.serialized() : $0.kindDescription } ?? "nothing")
        }
        func text(_ key: String, required: Bool) throws(DriverConfigurationError) -> String? {
            guard let value = options.values[key] else {
                if required { throw fail(key, "a non-empty string", nil) }
                return nil
            }
            guard let string = value.stringValue, !string.trimmed.isEmpty else { throw fail(key, "a non-empty string", value) }
            return string.trimmed
        }
        let reportEnd = try text("reportEnd", required: true)!
        let reportStart = try text("reportStart", required: false)
        let separator = options.values["separator"] == nil ? ":" : try text("separator", required: true)!
        let qualityLabel = try text("qualityLabel", required: false)

        guard let fieldValues = options.values["fields"]?.arrayValue, !fieldValues.isEmpty else {
            throw fail("fields", "a non-empty array of {\"label\", \"type\", \"unit\", \"decimals\"}", options.values["fields"])
        }
        var fields: [Field] = []
        for (index, value) in fieldValues.enumerated() {
            let path = "fields[\(index)]"
            guard let members = value.objectValue else { throw fail(path, "an object", value) }
            for (key, member) in members where !["label", "type", "unit", "decimals"].contains(key) {
                throw fail("\(path).\(key)", "a known member (label, type, unit, decimals)", member)
            }
            guard let label = value["label"]?.stringValue?.trimmed, !label.isEmpty, !label.contains(separator) else {
                throw fail("\(path).label", "a non-empty string without the separator \"\(separator)\"", value["label"])
            }
            guard let refId = value["type"]?.stringValue, let type = MeasurementType.byRefId(refId) else {
                throw fail("\(path).type", "an MDC reference id the gateway knows (e.g. \"MDC_VOL_AWAY_EXP_FORCED_1S\")", value["type"])
            }
            var unit = type.defaultUnit
            if let unitValue = value["unit"] {
                guard let string = unitValue.stringValue, !string.isEmpty, !string.contains(" ") else {
                    throw fail("\(path).unit", "a UCUM unit code such as \"L\" or \"L/s\"", unitValue)
                }
                unit = string
            }
            var decimals: Int? = nil
            if let decimalsValue = value["decimals"] {
                guard let number = decimalsValue.intValue, (0...6).contains(number) else {
                    throw fail("\(path).decimals", "an integer from 0 to 6", decimalsValue)
                }
                decimals = number
            }
            if fields.contains(where: { $0.label == label }) { throw fail("\(path).label", "a label no other field uses", value["label"]) }
            fields.append(Field(label: label, type: type, unit: unit, decimals: decimals))
        }

        var grades: [String: MeasurementStatus] = [:]
        if let gradesValue = options.values["qualityGrades"] {
            guard let members = gradesValue.objectValue else { throw fail("qualityGrades", "an object grade → [status flags]", gradesValue) }
            for (grade, flagsValue) in members {
                guard let names = flagsValue.arrayValue else { throw fail("qualityGrades.\(grade)", "an array of status flag names", flagsValue) }
                var flags: MeasurementStatus = []
                for name in names {
                    guard let raw = name.stringValue, let flag = StatusFlag(rawValue: raw) else {
                        throw fail("qualityGrades.\(grade)", "status flag names (\(StatusFlag.allCases.map(\.rawValue).joined(separator: ", ")))", name)
                    }
                    flags.insert(flag)
                }
                grades[grade] = flags
            }
        }
        var missing: Set<String> = ["---"]
        if let missingValue = options.values["missingValues"] {
            guard let items = missingValue.arrayValue, items.allSatisfy({ $0.stringValue?.isEmpty == false }) else {
                throw fail("missingValues", "an array of non-empty strings", missingValue)
            }
            missing = Set(items.compactMap(\.stringValue))
        }
        let maxLineLength = try options.integer("maxLineLength", in: 16...4096, default: 120)
        return TextReportFormat(reportStart: reportStart, reportEnd: reportEnd, separator: separator, fields: fields,
                                qualityLabel: qualityLabel, qualityGrades: grades, missingValues: missing, maxLineLength: maxLineLength)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmed: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
