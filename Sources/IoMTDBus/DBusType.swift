/// A D-Bus type, as a signature describes it (spec "Type System": basic types, ARRAY, STRUCT,
/// DICT_ENTRY, VARIANT).
public indirect enum DBusType: Hashable, Sendable, CustomStringConvertible {
    case byte, boolean, int16, uint16, int32, uint32, int64, uint64, double, unixFD
    case string, objectPath, signature
    case variant
    case array(DBusType)
    case structure([DBusType])
    case dictEntry(key: DBusType, value: DBusType)

    /// Natural alignment on the wire (spec "Summary of D-Bus marshalling"); structs and dict
    /// entries always start on an 8-byte boundary.
    public var alignment: Int {
        switch self {
        case .byte, .signature, .variant: 1
        case .int16, .uint16: 2
        case .boolean, .int32, .uint32, .unixFD, .string, .objectPath, .array: 4
        case .int64, .uint64, .double, .structure, .dictEntry: 8
        }
    }

    /// Basic types are the only ones allowed as dict-entry keys.
    public var isBasic: Bool {
        switch self {
        case .variant, .array, .structure, .dictEntry: false
        default: true
        }
    }

    /// The signature text of this single complete type, e.g. "a{sv}".
    public var signature: String {
        switch self {
        case .byte: "y"
        case .boolean: "b"
        case .int16: "n"
        case .uint16: "q"
        case .int32: "i"
        case .uint32: "u"
        case .int64: "x"
        case .uint64: "t"
        case .double: "d"
        case .unixFD: "h"
        case .string: "s"
        case .objectPath: "o"
        case .signature: "g"
        case .variant: "v"
        case .array(let element): "a" + element.signature
        case .structure(let fields): "(" + fields.map(\.signature).joined() + ")"
        case .dictEntry(let key, let value): "{" + key.signature + value.signature + "}"
        }
    }

    public var description: String { signature }

    /// Container nesting this type adds: (arrays, structs) at its deepest point.
    var nesting: (arrays: Int, structs: Int) {
        switch self {
        case .array(let element):
            let inner = element.nesting
            return (inner.arrays + 1, inner.structs)
        case .structure(let fields):
            let inner = fields.map(\.nesting)
            return (inner.map(\.arrays).max() ?? 0, (inner.map(\.structs).max() ?? 0) + 1)
        case .dictEntry(let key, let value):
            let inner = [key.nesting, value.nesting]
            return (inner.map(\.arrays).max() ?? 0, (inner.map(\.structs).max() ?? 0) + 1)
        default:
            return (0, 0)
        }
    }
}
