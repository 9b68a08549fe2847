/// Hex text ↔ bytes, for captures, fixtures and the CLI.
public enum Hex {
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let offset: Int
        public let reason: String
        public var description: String { "malformed hex at character \(offset + 1): \(reason)" }
    }

    /// Accepts "a1b2", "A1 B2", "a1:b2", "0xA1 0xB2" and line breaks; each byte is two hex digits.
    public static func bytes(from text: String) throws(ParseError) -> [UInt8] {
        var result: [UInt8] = []
        var high: UInt8? = nil
        let characters = Array(text.utf8)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if high == nil, character == 48, index + 1 < characters.count, characters[index + 1] | 0x20 == 120 {
                index += 2 // "0x" prefix
                continue
            }
            if character == 32 || character == 9 || character == 10 || character == 13 || character == 58 || character == 44 || character == 45 {
                if high != nil { throw ParseError(offset: index, reason: "a byte needs two hex digits") }
                index += 1
                continue
            }
            guard let nibble = nibble(character) else {
                throw ParseError(offset: index, reason: "'\(Character(Unicode.Scalar(character)))' is not a hex digit (expected 0-9, a-f)")
            }
            if let h = high { result.append(h << 4 | nibble); high = nil } else { high = nibble }
            index += 1
        }
        if high != nil { throw ParseError(offset: characters.count - 1, reason: "odd number of hex digits: the last byte is incomplete") }
        return result
    }

    /// A 16-bit value as exactly four hex digits ("10c4", or "2A35" with `uppercase`): USB ids, GATT UUIDs.
    public static func word(_ value: UInt16, uppercase: Bool = false) -> String {
        let digits = String(value, radix: 16, uppercase: uppercase)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    public static func string(_ bytes: some Sequence<UInt8>, separator: String = "") -> String {
        let separatorBytes = Array(separator.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.underestimatedCount * (2 + separatorBytes.count))
        for (index, byte) in bytes.enumerated() {
            if index > 0 { output += separatorBytes }
            output.append(lowercaseDigits[Int(byte >> 4)])
            output.append(lowercaseDigits[Int(byte & 0x0f)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// ASCII `0-9a-f`.
    public static let lowercaseDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }
}
