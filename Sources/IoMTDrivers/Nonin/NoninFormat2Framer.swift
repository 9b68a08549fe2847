/// Frames data format #2 (9600 8N1, 75 frames/s): 5 bytes `01 STATUS PLETH FLOAT CHK`, STATUS has
/// bit 7 set, CHK = (sum of bytes 1-4) mod 256.
///
/// Resynchronises byte by byte: a candidate that breaks the start rule (01, then bit 7 set) or fails
/// the checksum loses its first byte (counted as discarded) and the rest is scanned again, so a frame
/// that follows a torn one is still found.
public struct NoninFormat2Framer: Sendable {
    public static let frameLength = 5
    public static let startByte: UInt8 = 0x01
    private var pending: [UInt8] = []
    public private(set) var discardedBytes = 0
    /// Candidates of 5 bytes that had the right start but a wrong checksum.
    public private(set) var checksumFailures = 0

    public init() {}

    public mutating func push(_ bytes: [UInt8]) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        for byte in bytes {
            pending.append(byte)
            while let verdict = judge() {
                switch verdict {
                case .frame:
                    frames.append(pending)
                    pending = []
                case .dropFirst:
                    pending.removeFirst()
                    discardedBytes += 1
                }
            }
        }
        return frames
    }

    public var pendingByteCount: Int { pending.count }

    private enum Verdict { case frame, dropFirst }

    /// nil: the pending bytes may still become a frame.
    private mutating func judge() -> Verdict? {
        guard let first = pending.first else { return nil }
        if first != Self.startByte { return .dropFirst }
        if pending.count >= 2, pending[1] & 0x80 == 0 { return .dropFirst }
        guard pending.count == Self.frameLength else { return nil }
        if Self.checksum(pending[0..<4]) == pending[4] { return .frame }
        checksumFailures += 1
        return .dropFirst
    }

    public static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt8 { bytes.reduce(0, &+) }
}

/// Groups format #2 frames into 25-frame packets: the first frame of a packet has the SYNC bit
/// (status bit 0). Frames before the first SYNC, and packets cut short by a lost frame, are dropped:
/// the per-frame values are positional, so a packet with a gap cannot be read safely.
public struct NoninPacketAssembler: Sendable {
    public static let framesPerPacket = 25
    private var packets = MarkedRunCollector<[UInt8]>(length: framesPerPacket)
    /// Frames dropped (outside a packet, or in an incomplete packet).
    public var droppedFrames: Int { packets.droppedElements }
    /// Packets cut short (a SYNC frame arrived early).
    public var incompletePackets: Int { packets.runsCutShort }

    public init() {}

    public mutating func push(_ newFrames: [[UInt8]]) -> [[[UInt8]]] {
        newFrames.compactMap { frame in packets.push(frame, as: frame[1] & NoninStatus.sync != 0 ? .mark : .continuation) }
    }

    public var pendingFrameCount: Int { packets.pendingCount }
}
