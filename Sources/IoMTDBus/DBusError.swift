/// Errors of the connection layer. A remote error reply keeps its D-Bus error name
/// (e.g. "org.bluez.Error.InProgress") so callers can switch on it.
public enum DBusError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The peer answered with an ERROR message.
    case remote(name: String, message: String)
    /// No reply within the call's timeout.
    case timeout(member: String, destination: String?, milliseconds: Int64)
    /// The connection is closed or was lost; pending calls and subscriptions end with this.
    case disconnected(reason: String)
    /// A signal subscription's consumer fell `capacity` signals behind; the subscription ended (subscribe again).
    case subscriptionOverflowed(rule: String, capacity: Int)
    case invalidAddress(String, reason: String)
    case connectFailed(address: String, reason: String)
    case authenticationFailed(String)
    /// The peer sent bytes that are not a valid message (the connection is then closed).
    case protocolViolation(String)
    /// A message we were asked to send cannot be encoded.
    case invalidMessage(DBusWireError)
    /// A reply's body does not have the shape the helper expected.
    case unexpectedReply(member: String, expected: String, found: String)

    public var description: String {
        switch self {
        case let .remote(name, message): "\(name): \(message)"
        case let .timeout(member, destination, milliseconds):
            "no reply to \(member) from \(destination ?? "the peer") within \(milliseconds) ms"
        case let .disconnected(reason): "D-Bus connection closed: \(reason)"
        case let .subscriptionOverflowed(rule, capacity): "D-Bus signal subscription \(rule) ended: its consumer fell \(capacity) signals behind"
        case let .invalidAddress(address, reason): "invalid D-Bus address \"\(address)\": \(reason)"
        case let .connectFailed(address, reason): "cannot connect to \(address): \(reason)"
        case let .authenticationFailed(reason): "D-Bus authentication failed: \(reason)"
        case let .protocolViolation(reason): "D-Bus protocol violation: \(reason)"
        case let .invalidMessage(error): "cannot encode D-Bus message: \(error)"
        case let .unexpectedReply(member, expected, found): "reply to \(member) has signature \"\(found)\", expected \"\(expected)\""
        }
    }

    /// The D-Bus error name of a remote error, nil otherwise.
    public var remoteName: String? { if case .remote(let name, _) = self { name } else { nil } }

    /// The remote error's name when it is one of the standard ones, nil otherwise.
    public var standardName: DBusErrorName? { remoteName.flatMap(DBusErrorName.init(rawValue:)) }
}

/// The error names of the message bus and the standard interfaces that this client answers with or acts on (spec
/// "Message Bus Specification"; dbus-protocol.h lists every one). A remote error's name stays text, since any peer may
/// define its own (BlueZ does): `DBusError.standardName` reads it as one of these.
public enum DBusErrorName: String, Sendable, CaseIterable {
    case failed = "org.freedesktop.DBus.Error.Failed"
    case serviceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown"
    case nameHasNoOwner = "org.freedesktop.DBus.Error.NameHasNoOwner"
    case unknownMethod = "org.freedesktop.DBus.Error.UnknownMethod"
    case unknownObject = "org.freedesktop.DBus.Error.UnknownObject"
    case unknownInterface = "org.freedesktop.DBus.Error.UnknownInterface"
    case unknownProperty = "org.freedesktop.DBus.Error.UnknownProperty"
    case propertyReadOnly = "org.freedesktop.DBus.Error.PropertyReadOnly"
    case invalidArgs = "org.freedesktop.DBus.Error.InvalidArgs"
    case accessDenied = "org.freedesktop.DBus.Error.AccessDenied"
}
