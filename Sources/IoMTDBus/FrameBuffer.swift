/// Splits the byte stream after BEGIN into whole messages (spec "Message Format": the fixed header
/// gives the header-field and body lengths).
struct FrameBuffer: Sendable {
    private var bytes: [UInt8] = []
    private var start = 0

    mutating func append(_ more: [UInt8]) {
        // Drop consumed bytes now and then rather than on every frame.
        if start > 65_536 && start * 2 > bytes.count {
            bytes.removeSubrange(0..<start)
            start = 0
        }
        bytes.append(contentsOf: more)
    }

    /// The next complete message's bytes, nil if more must be read first.
    mutating func nextFrame() throws(DBusWireError) -> [UInt8]? {
        guard bytes.count - start >= 16 else { return nil }
        let length = try DBusMessage.frameLength(prefix: bytes[start..<(start + 16)])
        guard bytes.count - start >= length else { return nil }
        let frame = Array(bytes[start..<(start + length)])
        start += length
        return frame
    }

    var leftover: [UInt8] { Array(bytes[start...]) }
}
