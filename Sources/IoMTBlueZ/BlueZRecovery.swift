import IoMTDBus

/// What to do after a BlueZ call failed: pure, so every failure path has a unit test.
public enum BlueZRecovery: Sendable, Hashable {
    /// Another operation on the object is running (org.bluez.Error.InProgress): wait, then retry
    /// without counting it as a failed attempt.
    case waitAndRetry(milliseconds: Int64)
    /// The link failed (e.g. org.bluez.Error.Failed "le-connection-abort-by-local", a timeout, the
    /// device out of range): retry with the jittered backoff.
    case retryWithBackoff(reason: String)
    /// Already in the desired state (AlreadyConnected, AlreadyExists for Pair): carry on.
    case proceed
    /// The device object is gone (DoesNotExist, UnknownObject): discover it again, then retry.
    case rediscover
    /// BlueZ itself went away (the bus connection ended, org.bluez has no owner): reconnect to the bus.
    case reconnectBus(reason: String)

    /// Milliseconds to wait after InProgress before trying again (BlueZ finishes a Connect or a
    /// discovery start within a few seconds).
    public static let inProgressWaitMilliseconds: Int64 = 1_000

    public static func classify(_ error: any Error) -> BlueZRecovery {
        guard let error = error as? DBusError else { return .retryWithBackoff(reason: "\(error)") }
        switch error {
        case let .remote(name, message):
            switch name {
            case BlueZ.ErrorName.inProgress: return .waitAndRetry(milliseconds: inProgressWaitMilliseconds)
            case BlueZ.ErrorName.alreadyConnected, BlueZ.ErrorName.alreadyExists: return .proceed
            case BlueZ.ErrorName.doesNotExist, DBusErrorName.unknownObject.rawValue, DBusErrorName.unknownMethod.rawValue: return .rediscover
            case DBusErrorName.serviceUnknown.rawValue, DBusErrorName.nameHasNoOwner.rawValue: return .reconnectBus(reason: "\(name): \(message)")
            default: return .retryWithBackoff(reason: message.isEmpty ? name : "\(name): \(message)")
            }
        case let .timeout(member, _, milliseconds): return .retryWithBackoff(reason: "no reply to \(member) within \(milliseconds) ms")
        case let .disconnected(reason): return .reconnectBus(reason: reason)
        default: return .retryWithBackoff(reason: error.description)
        }
    }
}

extension BlueZRecovery: CustomStringConvertible {
    /// For logs and `iomtctl devices` (the reason first, then what happens).
    public var description: String {
        switch self {
        case .waitAndRetry: "BlueZ busy (org.bluez.Error.InProgress), waiting"
        case let .retryWithBackoff(reason): reason
        case .proceed: "already done"
        case .rediscover: "BlueZ no longer knows the device"
        case let .reconnectBus(reason): "BlueZ unreachable: \(reason)"
        }
    }
}
