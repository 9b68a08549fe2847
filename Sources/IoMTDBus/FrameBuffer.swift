/// Splits the byte stream after BEGIN into whole messages (spec "Message Format": the fixed header
/// gives the header-field and body lengths). A message longer than `maxFrameLength` (but within the
/// spec's 128 MiB) is skipped as its bytes arrive, never buffered or decoded: decoding costs about
/// 40 bytes of memory per array element, so a hostile 64 MiB byte array would need gigabytes.
struct FrameBuffer: Sendable {
    let maxFrameLength: Int
    private var bytes: [UInt8] = []
    private var start = 0
    /// Bytes of a skipped message still to be discarded.
    private var skipping = 0
    private(set) var skippedFrames = 0

    init(maxFrameLength: Int = DBusLimits.maxMessageLength) {
        self.maxFrameLength = maxFrameLength
    }

    mutating func append(_ more: [UInt8]) {
        var more = more[...]
        if skipping > 0 {
            let dropped = min(skipping, more.count)
            skipping -= dropped
            more = more.dropFirst(dropped)
        }
        // Drop consumed bytes now and then rather than on every frame.
        if start > 65_536 && start * 2 > bytes.count {
            bytes.removeSubrange(0..<start)
            start = 0
        }
        bytes.append(contentsOf: more)
    }

    /// The next complete message's bytes, nil if more must be read first.
    mutating func nextFrame() throws(DBusWireError) -> [UInt8]? {
        while true {
            guard bytes.count - start >= 16 else { return nil }
            let length = try DBusMessage.frameLength(prefix: bytes[start..<(start + 16)])
            if length > maxFrameLength {
                let available = min(length, bytes.count - start)
                start += available
                skipping = length - available
                skippedFrames += 1
                if skipping > 0 { return nil }
                continue
            }
            guard bytes.count - start >= length else { return nil }
            let frame = Array(bytes[start..<(start + length)])
            start += length
            return frame
        }
    }

    var leftover: [UInt8] { Array(bytes[start...]) }
}
