/// Frames the v4.6 firmware's stream (115200 8N1): a packet starts with a type byte with bit 7 clear,
/// and every following byte has bit 7 set. Live data packets are 9 bytes of type 0x01.
///
/// A byte with bit 7 clear always starts a new candidate; a candidate that is not a complete live
/// packet (other packet types, torn frames, noise) is dropped and counted as discarded.
public struct CMS50V46Framer: Sendable {
    public static let frameLength = 9
    public static let liveDataType: UInt8 = 0x01
    private var pending: [UInt8] = []
    public private(set) var discardedBytes = 0

    public init() {}

    public mutating func push(_ bytes: [UInt8]) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        for byte in bytes {
            if byte & 0x80 == 0 {
                discardedBytes += pending.count
                if byte == Self.liveDataType {
                    pending = [byte]
                } else {
                    pending = []
                    discardedBytes += 1
                }
            } else if pending.isEmpty {
                discardedBytes += 1
            } else {
                pending.append(byte)
                if pending.count == Self.frameLength {
                    frames.append(pending)
                    pending = []
                }
            }
        }
        return frames
    }

    public var pendingByteCount: Int { pending.count }
}
