/// How a sync-bit stream marks its frames: the first byte of a frame carries bit 7 one way, every other byte
/// of it the other way, and the frame has a fixed length. The CMS50 (both generations) and Nonin format #8
/// streams are framed this way; each declares its layout next to its decoder.
public protocol SyncBitFrameLayout: Sendable {
    static var frameLength: Int { get }
    /// Bit 7 of a frame's first byte: set (CMS50 legacy, Nonin #8) or clear (CMS50 v4.6).
    static var startBitSet: Bool { get }
    /// Whether a byte with the start bit opens a frame this stream reports; one that does not (another packet
    /// type) is dropped with the bytes that follow it. Every start byte opens a frame unless a layout says otherwise.
    static func opensFrame(_ startByte: UInt8) -> Bool
}

extension SyncBitFrameLayout {
    public static func opensFrame(_ startByte: UInt8) -> Bool { true }
}

/// Frames a sync-bit stream (`SyncBitFrameLayout`). Resynchronises on the sync bit: a start byte always
/// begins a new candidate frame, and a candidate cut short (or of a type not reported) is dropped, its bytes
/// counted as discarded. Generic over the layout, so each stream's framer is specialised at compile time.
public struct SyncBitFramer<Layout: SyncBitFrameLayout>: Sendable {
    public static var frameLength: Int { Layout.frameLength }
    private var frames = MarkedRunCollector<UInt8>(length: Layout.frameLength)
    /// Bytes dropped so far (garbage, torn frames, other packet types, noise from a wrong baud rate).
    public var discardedBytes: Int { frames.droppedElements }

    public init() {}

    public mutating func push(_ bytes: [UInt8]) -> [[UInt8]] {
        var complete: [[UInt8]] = []
        for byte in bytes {
            let role: MarkedRunCollector<UInt8>.Role =
                (byte & 0x80 != 0) != Layout.startBitSet ? .continuation : Layout.opensFrame(byte) ? .mark : .ignoredMark
            if let frame = frames.push(byte, as: role) { complete.append(frame) }
        }
        return complete
    }

    /// Bytes held for an incomplete frame (dropped if the stream ends).
    public var pendingByteCount: Int { frames.pendingCount }
}
