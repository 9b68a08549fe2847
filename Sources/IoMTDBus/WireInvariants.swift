/// The properties the fuzz target (Tests/Fuzz/DBusUnmarshaller) checks, shared with the regression tests
/// that replay its findings: any bytes decode or fail with a DBusWireError; a decoded message
/// re-encodes, and decoding that encoding gives the same bytes again; the stream framer gives the
/// same frames however the bytes are chunked, and never a frame over its limit.
public enum DBusWireInvariants {
    /// nil when every property holds, else what broke.
    public static func violation(in bytes: [UInt8]) -> String? {
        if let message = try? DBusMessage.decode(bytes) {
            let endianness: DBusEndianness = bytes[0] == DBusEndianness.big.rawValue ? .big : .little
            let encoded: [UInt8]
            do { encoded = try message.encoded(serial: message.serial, endianness: endianness) } catch {
                return "decoded message does not re-encode: \(error)"
            }
            guard let again = try? DBusMessage.decode(encoded) else { return "re-encoded message does not decode" }
            guard (try? again.encoded(serial: again.serial, endianness: endianness)) == encoded else {
                return "re-encoded message decodes to different bytes"
            }
        }
        // The same bytes as a signature (first byte: its length) followed by values, in both byte orders.
        if let length = bytes.first.map(Int.init), bytes.count > length {
            let text = String(decoding: bytes[1..<(1 + length)], as: UTF8.self)
            if let signature = try? DBusSignature(text) {
                for endianness in [DBusEndianness.little, .big] {
                    var reader = DBusUnmarshaller(bytes: bytes, endianness: endianness, position: 1 + length)
                    _ = try? reader.read(signature.types)
                }
            }
        }
        if let framing = framingViolation(in: bytes) { return framing }
        return nil
    }

    private static func frames(of bytes: [UInt8], chunk: Int) -> (frames: [[UInt8]], failed: Bool) {
        var buffer = FrameBuffer(maxFrameLength: 512)
        var frames: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            buffer.append(Array(bytes[offset..<min(offset + chunk, bytes.count)]))
            offset += chunk
            do {
                while let frame = try buffer.nextFrame() { frames.append(frame) }
            } catch {
                return (frames, true)
            }
        }
        return (frames, false)
    }

    private static func framingViolation(in bytes: [UInt8]) -> String? {
        let whole = frames(of: bytes, chunk: max(bytes.count, 1))
        let chunked = frames(of: bytes, chunk: Int(bytes.first ?? 0) % 7 + 1)
        if whole.frames != chunked.frames || whole.failed != chunked.failed { return "framing depends on chunking" }
        if let frame = whole.frames.first(where: { $0.count < 16 || $0.count > 512 }) { return "frame of \(frame.count) bytes" }
        return nil
    }
}
