/// Reads typed fields out of a JSON object while collecting every problem with its JSON path,
/// so one run reports all mistakes in a file rather than the first.
package struct JSONFieldReader {
    package private(set) var problems: [ConfigurationError.Problem] = []

    package init() {}

    /// A configuration file's text as a JSON object; otherwise the error naming the file (syntax, or not an object).
    package static func parseObject(_ text: String, file: String) throws(ConfigurationError) -> JSONValue {
        let root: JSONValue
        do { root = try JSONValue.parse(text) } catch {
            throw ConfigurationError(file: file, problems: [.init(field: "(syntax)", expected: "valid JSON", found: error.description)])
        }
        guard root.objectValue != nil else {
            throw ConfigurationError(file: file, problems: [.init(field: "(top level)", expected: "an object", found: root.kindDescription)])
        }
        return root
    }

    package mutating func fail(_ field: String, expected: String, found: JSONValue?) {
        problems.append(.init(field: field, expected: expected, found: found.map(Self.describe)))
    }

    package mutating func fail(_ field: String, expected: String, foundText: String?) {
        problems.append(.init(field: field, expected: expected, found: foundText))
    }

    package static func describe(_ value: JSONValue) -> String {
        switch value {
        case let .string(s): return "\"\(s)\""
        case let .number(n): return n
        default: return value.kindDescription
        }
    }

    /// Reports members not in `allowed` (typos must not pass silently).
    package mutating func checkKnownKeys(_ object: JSONValue, path: String, allowed: Set<String>) {
        guard let members = object.objectValue else { return }
        for (key, _) in members where !allowed.contains(key) {
            fail(join(path, key), expected: "one of " + allowed.sorted().joined(separator: ", "), foundText: "unknown field")
        }
    }

    package mutating func object(_ parent: JSONValue, _ key: String, path: String, required: Bool) -> JSONValue? {
        guard let value = parent[key], !value.isNull else {
            if required { fail(join(path, key), expected: "an object", foundText: "nothing") }
            return nil
        }
        guard value.objectValue != nil else { fail(join(path, key), expected: "an object", found: value); return nil }
        return value
    }

    package mutating func array(_ parent: JSONValue, _ key: String, path: String, required: Bool) -> [JSONValue]? {
        guard let value = parent[key], !value.isNull else {
            if required { fail(join(path, key), expected: "an array", foundText: "nothing") }
            return nil
        }
        guard let items = value.arrayValue else { fail(join(path, key), expected: "an array", found: value); return nil }
        return items
    }

    package mutating func string(_ parent: JSONValue, _ key: String, path: String, required: Bool, expected: String = "a string") -> String? {
        guard let value = parent[key], !value.isNull else {
            if required { fail(join(path, key), expected: expected, foundText: "nothing") }
            return nil
        }
        guard let text = value.stringValue, !text.isEmpty else { fail(join(path, key), expected: expected, found: value); return nil }
        return text
    }

    package mutating func integer(_ parent: JSONValue, _ key: String, path: String, range: ClosedRange<Int>, default defaultValue: Int) -> Int {
        guard let value = parent[key], !value.isNull else { return defaultValue }
        guard let number = value.intValue, range.contains(number) else {
            fail(join(path, key), expected: "an integer from \(range.lowerBound) to \(range.upperBound)", found: value)
            return defaultValue
        }
        return number
    }

    /// A decimal given as a JSON number or a string ("90", 90, "36.5").
    package mutating func decimal(_ parent: JSONValue, _ key: String, path: String) -> DecimalValue? {
        guard let value = parent[key], !value.isNull else { return nil }
        let text = value.numberText ?? value.stringValue
        guard let text, let decimal = DecimalValue(text) else {
            fail(join(path, key), expected: "a decimal number such as 90 or \"36.5\"", found: value)
            return nil
        }
        return decimal
    }

    package func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }
}
