/// The CLI/export JSON contract for one observation (`iomtctl decode`, `readings export`):
/// `{"code":"MDC_PULS_OXIM_SAT_O2","mdc":150456,"value":"97","unit":"%","loinc":"2708-6","status":[],"deviceTime":null}`.
/// `value` is a string holding the decimal at the device's precision. Every driver keeps this contract.
extension DecodedMeasurement {
    public var contractJSON: JSONValue {
        var members: [(String, JSONValue)] = [
            ("code", .string(type.mdcRefId)),
            ("mdc", .number(Int(type.mdcCode))),
            ("value", value.map { .string($0.description) } ?? .null),
            ("unit", .string(unit)),
            ("loinc", type.loinc.map { .string($0) } ?? .null),
            ("status", .array(status.sortedNames.map { .string($0) })),
            ("deviceTime", deviceTime.map { .string($0.iso8601(withOffset: true, fractionDigits: 3)) } ?? .null),
        ]
        if !components.isEmpty {
            members.append(("components", .array(components.map { component in
                .object([
                    ("code", .string(component.type.mdcRefId)),
                    ("mdc", .number(Int(component.type.mdcCode))),
                    ("value", component.value.map { .string($0.description) } ?? .null),
                    ("unit", .string(component.unit)),
                    ("loinc", component.type.loinc.map { .string($0) } ?? .null),
                    ("status", .array(component.status.sortedNames.map { .string($0) })),
                ])
            })))
        }
        if !series.isEmpty {
            // A sample array (an overnight oximetry session): one entry per sample, null where none was valid.
            members.append(("series", .array(series.map { series in
                .object([
                    ("code", .string(series.type.mdcRefId)),
                    ("mdc", .number(Int(series.type.mdcCode))),
                    ("unit", .string(series.unit)),
                    ("periodMs", .number(Int(series.periodMilliseconds))),
                    ("samples", .array(series.samples.map { $0.map { .number($0) } ?? .null })),
                ])
            })))
        }
        return .object(members)
    }
}
