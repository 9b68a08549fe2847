import IoMTCore

/// Reads and checks a profile's `driverOptions`, reporting each problem with its field path.
struct DriverOptions {
    let profileId: String
    let values: [String: JSONValue]

    init(profileId: String, values: [String: JSONValue]) { self.profileId = profileId; self.values = values }

    func rejectUnknown(allowed: [String]) throws(DriverConfigurationError) {
        for key in values.keys.sorted() where !allowed.contains(key) {
            throw DriverConfigurationError(profileId: profileId, field: "driverOptions.\(key)",
                                           expected: allowed.isEmpty ? "no driverOptions (this driver takes none)"
                                                                     : "a known option (one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")))",
                                           found: "unknown option \"\(key)\"")
        }
    }

    func integer(_ key: String, in range: ClosedRange<Int>, default fallback: Int) throws(DriverConfigurationError) -> Int {
        guard let value = values[key] else { return fallback }
        guard let number = value.intValue, range.contains(number) else {
            let found: String
            switch value {
            case let .number(text): found = text
            case .string: found = value.serialized()
            default: found = value.kindDescription
            }
            throw DriverConfigurationError(profileId: profileId, field: "driverOptions.\(key)",
                                           expected: "an integer from \(range.lowerBound) to \(range.upperBound)", found: found)
        }
        return number
    }
}

extension DriverOptions {
    func boolean(_ key: String, default fallback: Bool) throws(DriverConfigurationError) -> Bool {
        guard let value = values[key] else { return fallback }
        guard let flag = value.boolValue else {
            throw DriverConfigurationError(profileId: profileId, field: "driverOptions.\(key)", expected: "true or false",
                                           found: value.kindDescription == "a string" ? value.serialized() : value.kindDescription)
        }
        return flag
    }
}

extension DriverOptions {
    /// A string option naming one case of `Choice` (its raw value).
    func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, default fallback: Choice) throws(DriverConfigurationError) -> Choice
        where Choice.RawValue == String {
        guard let value = values[key] else { return fallback }
        guard case let .string(text) = value, let chosen = Choice(rawValue: text) else {
            throw DriverConfigurationError(profileId: profileId, field: "driverOptions.\(key)",
                                           expected: "one of " + Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "),
                                           found: value.kindDescription == "a string" ? value.serialized() : value.kindDescription)
        }
        return chosen
    }
}
