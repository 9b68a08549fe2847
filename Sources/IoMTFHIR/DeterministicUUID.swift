/// A UUID-shaped name derived from text, so the same batch always gets the same `urn:uuid:` fullUrls
/// (a resent bundle is byte-identical). Two FNV-1a 64-bit hashes with different offset bases give
/// 128 bits; version nibble 8 (custom, RFC 9562 §5.8) and the RFC variant bits are set.
/// Not a security property: fullUrls only link entries inside one bundle.
enum DeterministicUUID {
    static func make(from name: String) -> String {
        let high = fnv1a(name, basis: 0xcbf2_9ce4_8422_2325)
        let low = fnv1a(name, basis: 0x6c62_272e_07bb_0142)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        // 8-4-4-4-12 hex digits, written straight as ASCII (this runs for every bundle entry).
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(Hex.lowercaseDigits[Int(byte >> 4)])
            text.append(Hex.lowercaseDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
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
