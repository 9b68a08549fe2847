/// A UUID-shaped name derived from text, so the same batch always gets the same `urn:uuid:` fullUrls
/// (a resent bundle is byte-identical). Two FNV-1a 64-bit hashes with different offset bases give
/// 128 bits; version nibble 8 (custom, RFC 9562 §5.8) and the RFC variant bits are set.
/// Not a security property: fullUrls only link entries inside one bundle.
enum DeterministicUUID {
    static func make(from name: String) -> String {
        let high = fnv1a(name, basis: 0xcbf2_9ce4_8422_2325)
        let low = fnv1a(name, basis: 0x6c62_272e_07bb_0142)
        var bytes: [UInt8] = []
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Hex.string(bytes)
        let characters = Array(hex)
        func part(_ range: Range<Int>) -> String { String(characters[range]) }
        return "\(part(0..<8))-\(part(8..<12))-\(part(12..<16))-\(part(16..<20))-\(part(20..<32))"
    }

    private static func fnv1a(_ text: String, basis: UInt64) -> UInt64 {
        var hash = basis
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

import IoMTCore
