import IoMTCore

/// A control message that does not have the shape its side expects: which message, and for every field
/// what was expected and what was found ("status answer: devices[0].state: expected one of …, found \"up\"").
public struct ControlMessageError: Error, CustomStringConvertible, Equatable {
    /// "request", "status answer", …
    public let message: String
    public let problems: [ConfigurationError.Problem]

    public init(message: String, problems: [ConfigurationError.Problem]) { self.message = message; self.problems = problems }

    public init(message: String, field: String, expected: String, found: String?) {
        self.init(message: message, problems: [.init(field: field, expected: expected, found: found)])
    }

    public var description: String { "\(message): " + problems.map(\.description).joined(separator: "; ") }
}

/// Reads one control message with `JSONFieldReader` (the configuration's reader, so field errors read alike) and
/// throws every problem at once when the message is finished.
package struct ControlFieldReader {
    package var fields = JSONFieldReader()
    package let message: String

    package init(message: String) { self.message = message }

    /// `value` must be an object; otherwise the whole message is refused.
    package static func object(_ value: JSONValue?, message: String, path: String = "") throws(ControlMessageError) -> JSONValue {
        guard let value, value.objectValue != nil else {
            throw ControlMessageError(message: message, field: path.isEmpty ? "(top level)" : path, expected: "an object",
                                      found: value.map(JSONFieldReader.describe) ?? "nothing")
        }
        return value
    }

    /// Reads a whole message: `value` must be an object, `fields` reads its members from it, and every problem found
    /// is thrown at once. The message's name ("bind answer") is given once, for both the shape check and the fields.
    package static func read<Value>(_ value: JSONValue, message: String,
                                    _ fields: (inout ControlFieldReader, JSONValue) -> Value) throws(ControlMessageError) -> Value {
        let object = try object(value, message: message)
        var reader = ControlFieldReader(message: message)
        let read = fields(&reader, object)
        try reader.finish()
        return read
    }

    package func finish() throws(ControlMessageError) {
        if !fields.problems.isEmpty { throw ControlMessageError(message: message, problems: fields.problems) }
    }

    /// A string, empty allowed (a unit, a detail); absent or null is a problem.
    package mutating func string(_ parent: JSONValue, _ key: String, path: String = "") -> String? {
        text(parent, key, path: path, required: true)
    }

    /// Absent or null is nil; anything else must be a string.
    package mutating func optionalString(_ parent: JSONValue, _ key: String, path: String = "") -> String? {
        text(parent, key, path: path, required: false)
    }

    private mutating func text(_ parent: JSONValue, _ key: String, path: String, required: Bool) -> String? {
        guard let value = parent[key], !value.isNull else {
            if required { fields.fail(fields.join(path, key), expected: "a string", foundText: "nothing") }
            return nil
        }
        guard let text = value.stringValue else { fields.fail(fields.join(path, key), expected: "a string", found: value); return nil }
        return text
    }

    package mutating func integer(_ parent: JSONValue, _ key: String, path: String = "") -> Int64 {
        optionalInteger(parent, key, path: path, required: true) ?? 0
    }

    package mutating func optionalInteger(_ parent: JSONValue, _ key: String, path: String = "", required: Bool = false) -> Int64? {
        guard let value = parent[key], !value.isNull else {
            if required { fields.fail(fields.join(path, key), expected: "an integer", foundText: "nothing") }
            return nil
        }
        guard let number = value.numberText.flatMap({ Int64($0) }) else {
            fields.fail(fields.join(path, key), expected: "an integer", found: value)
            return nil
        }
        return number
    }

    package mutating func bool(_ parent: JSONValue, _ key: String, path: String = "", default defaultValue: Bool? = nil) -> Bool {
        guard let value = parent[key], !value.isNull else {
            if defaultValue == nil { fields.fail(fields.join(path, key), expected: "true or false", foundText: "nothing") }
            return defaultValue ?? false
        }
        guard let flag = value.boolValue else { fields.fail(fields.join(path, key), expected: "true or false", found: value); return defaultValue ?? false }
        return flag
    }

    /// An ISO 8601 time with an offset; absent or null is nil unless `required`.
    package mutating func instant(_ parent: JSONValue, _ key: String, path: String = "", required: Bool = true) -> Instant? {
        let expected = "an ISO 8601 time with an offset (2026-11-23T10:00:00+01:00)"
        guard let text = fields.string(parent, key, path: path, required: required, expected: expected) else { return nil }
        guard let instant = Instant(iso8601: text) else { fields.fail(fields.join(path, key), expected: expected, foundText: "\"\(text)\""); return nil }
        return instant
    }

    /// One of an enumeration's raw values.
    package mutating func choice<Value: RawRepresentable & CaseIterable>(_ parent: JSONValue, _ key: String, path: String = "",
                                                                        as type: Value.Type) -> Value? where Value.RawValue == String {
        let expected = "one of " + Value.allCases.map(\.rawValue).joined(separator: ", ")
        guard let text = fields.string(parent, key, path: path, required: true, expected: expected) else { return nil }
        guard let value = Value(rawValue: text) else { fields.fail(fields.join(path, key), expected: expected, foundText: "\"\(text)\""); return nil }
        return value
    }

    /// An array whose items are each decoded by `item` (given the item and its path, e.g. `devices[2]`).
    package mutating func array<Item>(_ parent: JSONValue, _ key: String, path: String = "",
                                      item: (inout ControlFieldReader, JSONValue, String) -> Item?) -> [Item] {
        guard let values = fields.array(parent, key, path: path, required: true) else { return [] }
        var items: [Item] = []
        for (index, value) in values.enumerated() {
            let itemPath = fields.join(path, key) + "[\(index)]"
            guard value.objectValue != nil else { fields.fail(itemPath, expected: "an object", found: value); continue }
            if let decoded = item(&self, value, itemPath) { items.append(decoded) }
        }
        return items
    }
}

extension JSONValue {
    /// `.string(text)` or null.
    package static func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
    package static func optional(_ instant: Instant?) -> JSONValue { instant.map { .string($0.iso8601) } ?? .null }
    package static func optional(_ number: Int64?) -> JSONValue { number.map { .number($0) } ?? .null }
}
