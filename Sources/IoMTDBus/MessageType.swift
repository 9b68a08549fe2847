/// The message type byte (spec "Message Format").
public enum DBusMessageType: UInt8, Sendable, Hashable, CustomStringConvertible {
    case methodCall = 1, methodReturn = 2, error = 3, signal = 4

    public var description: String {
        switch self {
        case .methodCall: "method call"
        case .methodReturn: "method return"
        case .error: "error"
        case .signal: "signal"
        }
    }
}

/// The flags byte (spec "Message Format"); unknown bits are kept and ignored.
public struct DBusMessageFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let noReplyExpected = DBusMessageFlags(rawValue: 0x1)
    public static let noAutoStart = DBusMessageFlags(rawValue: 0x2)
    public static let allowInteractiveAuthorization = DBusMessageFlags(rawValue: 0x4)
}
