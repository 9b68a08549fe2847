/// A validated D-Bus signature: zero or more single complete types (spec "Valid Signatures").
public struct DBusSignature: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let text: String
    public let types: [DBusType]

    public init(_ text: String) throws(DBusWireError) {
        self.text = text
        self.types = try DBusSignature.parse(text)
    }

    public init(types: [DBusType]) throws(DBusWireError) {
        try self.init(types.map(\.signature).joined())
    }

    /// For signatures written in code; an invalid literal is a programming error.
    public init(stringLiteral value: String) {
        do { try self.init(value) } catch { preconditionFailure("invalid D-Bus signature literal: \(error)") }
    }

    public static let empty: DBusSignature = ""

    public var description: String { text }

    /// Parses a signature into its single complete types, enforcing the length and nesting limits.
    public static func parse(_ text: String) throws(DBusWireError) -> [DBusType] {
        let codes = Array(text.utf8)
        guard codes.count <= DBusLimits.maxSignatureLength else {
            throw .invalidSignature(text, reason: "longer than \(DBusLimits.maxSignatureLength) bytes")
        }
        var parser = SignatureParser(codes: codes, text: text)
        var types: [DBusType] = []
        while parser.position < codes.count {
            types.append(try parser.completeType(arrays: 0, structs: 0, insideArray: false))
        }
        return types
    }

    /// Parses a signature that must hold exactly one complete type (a variant's signature).
    public static func parseSingle(_ text: String) throws(DBusWireError) -> DBusType {
        let types = try parse(text)
        guard types.count == 1 else {
            throw .invalidSignature(text, reason: "expected exactly one complete type, found \(types.count)")
        }
        return types[0]
    }
}

private struct SignatureParser {
    let codes: [UInt8]
    let text: String
    var position = 0

    mutating func completeType(arrays: Int, structs: Int, insideArray: Bool) throws(DBusWireError) -> DBusType {
        guard position < codes.count else { throw .invalidSignature(text, reason: "ends inside a container") }
        let code = codes[position]
        position += 1
        switch code {
        case UInt8(ascii: "y"): return .byte
        case UInt8(ascii: "b"): return .boolean
        case UInt8(ascii: "n"): return .int16
        case UInt8(ascii: "q"): return .uint16
        case UInt8(ascii: "i"): return .int32
        case UInt8(ascii: "u"): return .uint32
        case UInt8(ascii: "x"): return .int64
        case UInt8(ascii: "t"): return .uint64
        case UInt8(ascii: "d"): return .double
        case UInt8(ascii: "h"): return .unixFD
        case UInt8(ascii: "s"): return .string
        case UInt8(ascii: "o"): return .objectPath
        case UInt8(ascii: "g"): return .signature
        case UInt8(ascii: "v"): return .variant
        case UInt8(ascii: "a"):
            guard arrays < DBusLimits.maxArrayNesting else {
                throw .invalidSignature(text, reason: "more than \(DBusLimits.maxArrayNesting) nested arrays")
            }
            return .array(try completeType(arrays: arrays + 1, structs: structs, insideArray: true))
        case UInt8(ascii: "("):
            guard structs < DBusLimits.maxStructNesting else {
                throw .invalidSignature(text, reason: "more than \(DBusLimits.maxStructNesting) nested structs")
            }
            var fields: [DBusType] = []
            while position < codes.count, codes[position] != UInt8(ascii: ")") {
                fields.append(try completeType(arrays: arrays, structs: structs + 1, insideArray: false))
            }
            guard position < codes.count else { throw .invalidSignature(text, reason: "struct is not closed") }
            position += 1
            guard !fields.isEmpty else { throw .invalidSignature(text, reason: "empty struct") }
            return .structure(fields)
        case UInt8(ascii: "{"):
            guard insideArray else { throw .invalidSignature(text, reason: "dict entry outside an array") }
            guard structs < DBusLimits.maxStructNesting else {
                throw .invalidSignature(text, reason: "more than \(DBusLimits.maxStructNesting) nested structs")
            }
            let key = try completeType(arrays: arrays, structs: structs + 1, insideArray: false)
            guard key.isBasic else { throw .invalidSignature(text, reason: "dict entry key \(key) is not a basic type") }
            guard position < codes.count, codes[position] != UInt8(ascii: "}") else {
                throw .invalidSignature(text, reason: "dict entry must hold exactly a key and a value")
            }
            let value = try completeType(arrays: arrays, structs: structs + 1, insideArray: false)
            guard position < codes.count, codes[position] == UInt8(ascii: "}") else {
                throw .invalidSignature(text, reason: "dict entry must hold exactly a key and a value")
            }
            position += 1
            return .dictEntry(key: key, value: value)
        default:
            throw .invalidSignature(text, reason: "unexpected type code \(describe(code)) at index \(position - 1)")
        }
    }

    private func describe(_ code: UInt8) -> String {
        (0x21...0x7e).contains(code) ? "'\(Character(Unicode.Scalar(code)))'" : "0x" + String(code, radix: 16)
    }
}
