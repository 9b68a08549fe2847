/// Why bytes are not a valid D-Bus message or value. Every check of the unmarshaller ends here,
/// never in a trap: the bytes come from another process.
public enum DBusWireError: Error, Sendable, Hashable, CustomStringConvertible {
    case truncated(offset: Int, needed: Int, available: Int)
    case nonZeroPadding(offset: Int)
    case invalidBoolean(offset: Int, value: UInt32)
    case missingNulTerminator(offset: Int)
    case embeddedNul(offset: Int)
    case invalidUTF8(offset: Int)
    case invalidObjectPath(String)
    case invalidSignature(String, reason: String)
    case invalidName(kind: String, name: String)
    case arrayTooLong(offset: Int, length: Int)
    case arrayLengthMismatch(offset: Int, declared: Int)
    case nestingTooDeep(offset: Int)
    case messageTooLong(length: Int)
    case invalidEndianness(UInt8)
    case unsupportedProtocolVersion(UInt8)
    /// The spec says unknown message types must be ignored; the connection skips these.
    case unknownMessageType(UInt8)
    case zeroSerial
    case invalidHeaderField(code: UInt8, reason: String)
    case missingHeaderField(String, messageType: String)
    case bodyLengthMismatch(declared: Int, actual: Int)
    case trailingBytes(offset: Int, count: Int)
    case valueTypeMismatch(expected: String, found: String)

    public var description: String {
        switch self {
        case let .truncated(offset, needed, available):
            "truncated at byte \(offset): \(needed) byte(s) needed, \(available) available"
        case let .nonZeroPadding(offset): "alignment padding at byte \(offset) is not zero"
        case let .invalidBoolean(offset, value): "boolean at byte \(offset) is \(value), expected 0 or 1"
        case let .missingNulTerminator(offset): "string ending at byte \(offset) has no nul terminator"
        case let .embeddedNul(offset): "string at byte \(offset) contains a nul byte"
        case let .invalidUTF8(offset): "string at byte \(offset) is not valid UTF-8"
        case let .invalidObjectPath(path): "invalid object path \"\(path)\""
        case let .invalidSignature(signature, reason): "invalid signature \"\(signature)\": \(reason)"
        case let .invalidName(kind, name): "invalid \(kind) \"\(name)\""
        case let .arrayTooLong(offset, length): "array at byte \(offset) is \(length) bytes long, the limit is 64 MiB"
        case let .arrayLengthMismatch(offset, declared): "array at byte \(offset) declares \(declared) bytes, its elements do not end there"
        case let .nestingTooDeep(offset): "containers nest deeper than 64 levels at byte \(offset)"
        case let .messageTooLong(length): "message is \(length) bytes long, the limit is 128 MiB"
        case let .invalidEndianness(byte): "endianness byte is \(byte), expected 'l' or 'B'"
        case let .unsupportedProtocolVersion(version): "protocol version \(version), expected 1"
        case let .unknownMessageType(type): "unknown message type \(type)"
        case .zeroSerial: "message serial is 0"
        case let .invalidHeaderField(code, reason): "header field \(code): \(reason)"
        case let .missingHeaderField(field, type): "\(type) message lacks its required \(field) header field"
        case let .bodyLengthMismatch(declared, actual): "body declares \(declared) bytes, its signature covers \(actual)"
        case let .trailingBytes(offset, count): "\(count) byte(s) left over at byte \(offset)"
        case let .valueTypeMismatch(expected, found): "value of type \(found) where \(expected) was expected"
        }
    }
}
