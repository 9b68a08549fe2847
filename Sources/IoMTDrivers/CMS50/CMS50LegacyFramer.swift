/// Frames the older firmware's live stream (19200 8O1, 60 frames/s): 5 bytes, only the first has bit 7 set.
///
/// Resynchronises on the sync bit: a byte with bit 7 set always starts a new candidate frame, and a
/// candidate is dropped (its bytes counted as discarded) when the sync rule breaks before 5 bytes.
public struct CMS50LegacyFramer: Sendable {
    public static let frameLength = 5
    private var pending: [UInt8] = []
    /// Bytes dropped so far (garbage, torn frames, noise from a wrong baud rate).
    public private(set) var discardedBytes = 0

    public init() {}

    public mutating func push(_ bytes: [UInt8]) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        for byte in bytes {
            if byte & 0x80 != 0 {
                discardedBytes += pending.count
                pending = [byte]
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

    /// Bytes held for an incomplete frame (dropped if the stream ends).
    public var pendingByteCount: Int { pending.count }
}
