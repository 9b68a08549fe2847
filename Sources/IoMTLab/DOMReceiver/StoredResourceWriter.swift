import IoMTCore

/// Writes an accepted resource as the receiver stores it — server metadata set, bundle references resolved —
/// straight into bytes while walking the parsed entry, instead of building a second tree to serialise.
/// Same output as `withServerMetadata` followed by `resolvingReferences` and `serializedBytes()`.
enum StoredResourceWriter {
    /// Appends the stored form to `output` (one buffer per transaction: no array per resource).
    static func append(_ resource: JSONValue, id: String, lastUpdated: String, targets: [String: String], to output: inout [UInt8]) {
        guard case let .object(members) = resource else {
            write(resource, targets: targets, to: &output)
            return
        }
        let meta = resource["meta"]?.objectValue ?? []
        var written = 0
        func member(_ key: String, _ body: (inout [UInt8]) -> Void) {
            output.append(written == 0 ? UInt8(ascii: "{") : UInt8(ascii: ","))
            JSONValue.writeString(key, to: &output)
            output.append(UInt8(ascii: ":"))
            body(&output)
            written += 1
        }
        func metadata() {
            member("id") { JSONValue.writeString(id, to: &$0) }
            member("meta") { output in
                output.append(contentsOf: #"{"lastUpdated":"#.utf8)
                JSONValue.writeString(lastUpdated, to: &output)
                for (key, value) in meta where key != "lastUpdated" {
                    output.append(UInt8(ascii: ","))
                    JSONValue.writeString(key, to: &output)
                    output.append(UInt8(ascii: ":"))
                    write(value, targets: targets, to: &output)
                }
                output.append(UInt8(ascii: "}"))
            }
        }
        var kept = 0
        for (key, value) in members where key != "id" && key != "meta" {
            member(key) { write(value, targets: targets, to: &$0) }
            kept += 1
            if kept == 1 { metadata() }
        }
        if kept == 0 { metadata() }
        output.append(UInt8(ascii: "}"))
    }

    /// Compact JSON with every `"reference"` naming a bundle fullUrl replaced by its `Type/id`.
    static func write(_ value: JSONValue, targets: [String: String], to output: inout [UInt8]) {
        switch value {
        case let .object(members):
            output.append(UInt8(ascii: "{"))
            for (index, (key, member)) in members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONValue.writeString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                if key == "reference", let text = member.stringValue, let target = targets[text] {
                    JSONValue.writeString(target, to: &output)
                } else {
                    write(member, targets: targets, to: &output)
                }
            }
            output.append(UInt8(ascii: "}"))
        case let .array(items):
            output.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                write(item, targets: targets, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        default:
            value.append(to: &output)
        }
    }
}
