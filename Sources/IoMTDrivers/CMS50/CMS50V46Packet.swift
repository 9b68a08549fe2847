/// Every package of the v4.6 / V7.0 protocol (Contec "Communication Protocol of Pulse Oximeter V7.0" [12], §3.2): byte 0
/// the type (bit 7 clear), byte 1 the "high byte" (bit 7 set) whose bit n is bit 7 of byte n + 2, every other byte with
/// bit 7 set on the wire. The length depends on the type (Table 2).
public enum CMS50V46Packet {
    /// Uplink package lengths by type, from Table 2 of [12]. A type not listed cannot be framed (its length is unknown).
    public static let lengths: [UInt8: Int] = [
        0x01: 9, 0x04: 9, 0x05: 9, 0x07: 8, 0x08: 8, 0x09: 6, 0x0A: 4, 0x0B: 4, 0x0C: 2, 0x0D: 3, 0x0E: 3,
        0x0F: 8, 0x10: 3, 0x11: 9, 0x12: 8, 0x15: 9,
    ]

    /// The package with bit 7 of bytes 2… restored from the high byte (byte 1).
    public static func restore(_ packet: [UInt8]) -> [UInt8] {
        guard packet.count > 2 else { return packet }
        var bytes = packet
        for index in 2..<packet.count {
            bytes[index] = packet[index] & 0x7F | ((packet[1] >> UInt8(index - 2)) & 1) << 7
        }
        return bytes
    }

    /// A control command (type 0x7D, 9 bytes, Table 7 of [12]): the command code and up to six additional bytes (unused
    /// ones are 0), each sent with bit 7 set and its own bit 7 in the high byte — so `7D 81 A1 80 80 80 80 80 80` for A1.
    public static func command(_ code: UInt8, _ parameters: [UInt8] = []) -> [UInt8] {
        precondition(parameters.count <= 6)
        let payload = [code] + parameters + Array(repeating: 0, count: 6 - parameters.count)
        var high: UInt8 = 0x80
        for (index, byte) in payload.enumerated() where byte & 0x80 != 0 { high |= 1 << UInt8(index) }
        return [0x7D, high] + payload.map { $0 | 0x80 }
    }
}

/// Splits the v4.6 stream into packages of any type (`CMS50V46Packet.lengths`). A type byte always opens a new package;
/// a package cut short, a type of unknown length and bytes outside a package are dropped and counted. Pure.
public struct CMS50V46PacketFramer: Sendable {
    private var pending: [UInt8] = []
    private var expected = 0
    /// Bytes dropped so far.
    public private(set) var discardedBytes = 0

    public init() {}

    /// Bytes held for an incomplete package.
    public var pendingByteCount: Int { pending.count }

    public mutating func push(_ bytes: [UInt8]) -> [[UInt8]] {
        var packets: [[UInt8]] = []
        for byte in bytes {
            if byte & 0x80 == 0 {
                discardedBytes += pending.count
                pending = []
                guard let length = CMS50V46Packet.lengths[byte] else { discardedBytes += 1; continue }
                pending = [byte]; expected = length
            } else {
                guard !pending.isEmpty else { discardedBytes += 1; continue }
                pending.append(byte)
            }
            if pending.count == expected {
                packets.append(pending)
                pending = []
            }
        }
        return packets
    }
}
