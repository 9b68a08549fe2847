/// A D-Bus value. Arrays carry their element type so that an empty array still has a signature;
/// a dictionary is an array of `.dictEntry` values (spec "Container types").
public indirect enum DBusValue: Hashable, Sendable {
    case byte(UInt8)
    case boolean(Bool)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case double(Double)
    /// An index into the file descriptors that accompany the message.
    case unixFD(UInt32)
    case string(String)
    case objectPath(DBusObjectPath)
    case signature(DBusSignature)
    case array(element: DBusType, [DBusValue])
    case structure([DBusValue])
    case dictEntry(DBusValue, DBusValue)
    case variant(DBusValue)

    public var type: DBusType {
        switch self {
        case .byte: .byte
        case .boolean: .boolean
        case .int16: .int16
        case .uint16: .uint16
        case .int32: .int32
        case .uint32: .uint32
        case .int64: .int64
        case .uint64: .uint64
        case .double: .double
        case .unixFD: .unixFD
        case .string: .string
        case .objectPath: .objectPath
        case .signature: .signature
        case .array(let element, _): .array(element)
        case .structure(let fields): .structure(fields.map(\.type))
        case .dictEntry(let key, let value): .dictEntry(key: key.type, value: value.type)
        case .variant: .variant
        }
    }
}

// MARK: - Building values

extension DBusValue {
    /// An `a{kv}` dictionary from key/value pairs (in the given order).
    public static func dictionary(key: DBusType, value: DBusType, _ entries: [(DBusValue, DBusValue)]) -> DBusValue {
        .array(element: .dictEntry(key: key, value: value), entries.map { .dictEntry($0.0, $0.1) })
    }

    /// An `a{sv}` dictionary (property maps, BlueZ option dictionaries); keys are sorted for stable output.
    public static func stringVariantDictionary(_ entries: [String: DBusValue]) -> DBusValue {
        dictionary(key: .string, value: .variant, entries.sorted { $0.key < $1.key }.map { (.string($0.key), .variant($0.value)) })
    }

    public static func byteArray(_ bytes: [UInt8]) -> DBusValue { .array(element: .byte, bytes.map { .byte($0) }) }
    public static func stringArray(_ strings: [String]) -> DBusValue { .array(element: .string, strings.map { .string($0) }) }
    public static func objectPathArray(_ paths: [DBusObjectPath]) -> DBusValue { .array(element: .objectPath, paths.map { .objectPath($0) }) }
}

// MARK: - Typed accessors (nil when the value has another type)

extension DBusValue {
    public var byteValue: UInt8? { if case .byte(let v) = self { v } else { nil } }
    public var boolValue: Bool? { if case .boolean(let v) = self { v } else { nil } }
    public var int16Value: Int16? { if case .int16(let v) = self { v } else { nil } }
    public var uint16Value: UInt16? { if case .uint16(let v) = self { v } else { nil } }
    public var int32Value: Int32? { if case .int32(let v) = self { v } else { nil } }
    public var uint32Value: UInt32? { if case .uint32(let v) = self { v } else { nil } }
    public var int64Value: Int64? { if case .int64(let v) = self { v } else { nil } }
    public var uint64Value: UInt64? { if case .uint64(let v) = self { v } else { nil } }
    public var doubleValue: Double? { if case .double(let v) = self { v } else { nil } }
    public var stringValue: String? { if case .string(let v) = self { v } else { nil } }
    public var objectPathValue: DBusObjectPath? { if case .objectPath(let v) = self { v } else { nil } }
    public var signatureValue: DBusSignature? { if case .signature(let v) = self { v } else { nil } }
    public var arrayValue: [DBusValue]? { if case .array(_, let v) = self { v } else { nil } }
    public var structureFields: [DBusValue]? { if case .structure(let v) = self { v } else { nil } }
    /// The content of a variant (one level).
    public var variantContent: DBusValue? { if case .variant(let v) = self { v } else { nil } }

    /// Any integer type widened to Int64 (UInt64 only when it fits).
    public var integerValue: Int64? {
        switch self {
        case .byte(let v): Int64(v)
        case .int16(let v): Int64(v)
        case .uint16(let v): Int64(v)
        case .int32(let v): Int64(v)
        case .uint32(let v): Int64(v)
        case .int64(let v): v
        case .uint64(let v): Int64(exactly: v)
        default: nil
        }
    }

    /// The value with any number of variant wrappers removed.
    public var unwrapped: DBusValue {
        var value = self
        while case .variant(let inner) = value { value = inner }
        return value
    }

    /// `ay` as bytes.
    public var bytesValue: [UInt8]? {
        guard case .array(.byte, let elements) = self else { return nil }
        return elements.compactMap(\.byteValue)
    }

    /// `as` as strings.
    public var stringArrayValue: [String]? {
        guard case .array(.string, let elements) = self else { return nil }
        return elements.compactMap(\.stringValue)
    }

    /// `ao` as object paths.
    public var objectPathArrayValue: [DBusObjectPath]? {
        guard case .array(.objectPath, let elements) = self else { return nil }
        return elements.compactMap(\.objectPathValue)
    }

    /// The key/value pairs of any `a{..}`, in wire order.
    public var dictionaryEntries: [(key: DBusValue, value: DBusValue)]? {
        guard case .array(.dictEntry, let elements) = self else { return nil }
        return elements.compactMap { element in
            if case .dictEntry(let key, let value) = element { (key, value) } else { nil }
        }
    }

    /// `a{sv}` as a Swift dictionary of the variants' contents (the last of duplicate keys wins).
    public var stringVariantDictionary: [String: DBusValue]? {
        guard case .array(.dictEntry(key: .string, value: .variant), _) = self, let entries = dictionaryEntries else { return nil }
        var result: [String: DBusValue] = [:]
        for (key, value) in entries {
            guard let name = key.stringValue, let content = value.variantContent else { return nil }
            result[name] = content
        }
        return result
    }
}
