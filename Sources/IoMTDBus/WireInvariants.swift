/// The properties the fuzz target (Fuzz/DBusUnmarshaller) checks, shared with the regression tests
/// that replay its findings: any bytes decode or fail with a DBusWireError; a decoded message
/// re-encodes, and decoding that encoding gives the same bytes again.
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
        return nil
    }
}
