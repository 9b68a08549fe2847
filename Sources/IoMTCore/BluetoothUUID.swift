/// A Bluetooth UUID (services, characteristics): 128 bits. An assigned number of the Bluetooth SIG (16- or 32-bit,
/// "2A35") is the Bluetooth Base UUID with the number in bits 96-127 (Core Specification Vol 3 Part B §2.5.1:
/// 0000xxxx-0000-1000-8000-00805f9b34fb), so "2A35" and "00002a35-0000-1000-8000-00805f9b34fb" are the same value.
/// Vendor services (Nordic UART 6e400001-b5a3-f393-e0a9-e50e24dcca9e, …) are written in full.
public struct BluetoothUUID: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral {
    /// The first and last 64 bits, big-endian as written.
    public let high: UInt64
    public let low: UInt64

    static let baseHighSuffix: UInt64 = 0x0000_1000 // bits 64-95 of the Base UUID: -0000-1000-
    static let baseLow: UInt64 = 0x8000_0080_5F9B_34FB

    public init(high: UInt64, low: UInt64) { self.high = high; self.low = low }

    /// A 16-bit SIG assigned number in the Base UUID.
    public init(_ assignedNumber: UInt16) { self.init(assignedNumber32: UInt32(assignedNumber)) }
    /// A 32-bit SIG assigned number in the Base UUID.
    public init(assignedNumber32: UInt32) { self.init(high: UInt64(assignedNumber32) << 32 | Self.baseHighSuffix, low: Self.baseLow) }

    public init(integerLiteral value: UInt16) { self.init(value) }

    /// For constants written in the source: a malformed literal is a programming error, found by the first test that loads it.
    public init(stringLiteral value: String) {
        guard let uuid = BluetoothUUID(parsing: value) else { preconditionFailure("not a Bluetooth UUID: \"\(value)\"") }
        self = uuid
    }

    /// "2A35", "2a35", "0x2A35" (16-bit), "0000FE4A" (32-bit) or the 128-bit form "6e400001-b5a3-f393-e0a9-e50e24dcca9e"
    /// (any case; the hyphens at 8-4-4-4-12). Nil for anything else.
    public init?(parsing text: String) {
        var digits = Array(text.lowercased().utf8)
        if digits.count > 2, digits[0] == 48, digits[1] == 120 { digits.removeFirst(2) } // "0x"
        switch digits.count {
        case 4, 8:
            guard let number = Self.hexValue(digits[...]) else { return nil }
            self.init(assignedNumber32: UInt32(number))
        case 36:
            guard [8, 13, 18, 23].allSatisfy({ digits[$0] == 45 }) else { return nil }
            let plain = digits.filter { $0 != 45 }
            guard plain.count == 32, let high = Self.hexValue(plain[0..<16]), let low = Self.hexValue(plain[16..<32]) else { return nil }
            self.init(high: high, low: low)
        default:
            return nil
        }
    }

    private static func hexValue(_ digits: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        for digit in digits {
            let nibble: UInt8
            switch digit {
            case 48...57: nibble = digit - 48
            case 97...102: nibble = digit - 87
            default: return nil
            }
            value = value << 4 | UInt64(nibble)
        }
        return value
    }

    /// The 16-bit assigned number, when this is one in the Base UUID.
    public var assignedNumber: UInt16? {
        guard low == Self.baseLow, high & 0xFFFF_FFFF == Self.baseHighSuffix, high >> 48 == 0 else { return nil }
        return UInt16(truncatingIfNeeded: high >> 32)
    }

    /// The canonical form: lowercase 8-4-4-4-12 (what BlueZ reports in `UUID` properties).
    public var description: String {
        let hex = Self.hex(high, digits: 16) + Self.hex(low, digits: 16)
        let characters = Array(hex)
        return [characters[0..<8], characters[8..<12], characters[12..<16], characters[16..<20], characters[20..<32]]
            .map { String($0) }.joined(separator: "-")
    }

    /// How people write it: "2A35" for a 16-bit assigned number (as the SIG documents do), the canonical form otherwise.
    public var shortText: String { assignedNumber.map { Hex.word($0, uppercase: true) } ?? description }

    /// In messages: "0x2A35", or the canonical form.
    public var displayText: String { assignedNumber == nil ? description : "0x" + shortText }

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: digits - text.count) + text
    }

    public static func < (lhs: BluetoothUUID, rhs: BluetoothUUID) -> Bool { (lhs.high, lhs.low) < (rhs.high, rhs.low) }
}
