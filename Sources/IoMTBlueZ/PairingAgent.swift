import IoMTDBus
import Synchronization

/// The secret a device asks for while pairing (from `iomtctl pair --passkey/--pin`).
public enum PairingSecret: Sendable, Hashable {
    /// Six-digit passkey (0…999999) the device displays or expects (LE Secure Connections / Passkey Entry).
    case passkey(UInt32)
    /// Legacy PIN code (1…16 characters).
    case pin(String)

    /// The agent capability that lets BlueZ ask for this secret (doc/org.bluez.AgentManager.rst,
    /// RegisterAgent): a passkey is typed in (KeyboardDisplay); a PIN too; without a secret there is
    /// no operator at the gateway (NoInputNoOutput: Just Works).
    /// What RequestPinCode answers: the PIN, or a passkey as its six digits (a Classic device with the passkey printed
    /// on it, e.g. the Nonin 9560, may pair with legacy PIN pairing rather than Secure Simple Pairing).
    public var pinCode: String {
        switch self {
        case .pin(let pin): pin
        case .passkey(let passkey): String(repeating: "0", count: max(0, 6 - String(passkey).count)) + String(passkey)
        }
    }

    public var capability: String {
        switch self {
        case .passkey, .pin: "KeyboardDisplay"
        }
    }
}

/// A headless org.bluez.Agent1 (doc/org.bluez.Agent.rst). Nobody stands at the gateway, so the
/// agent answers from the secret given for a device (`iomtctl pair --passkey`, or the configuration)
/// and confirms or authorizes only devices the gateway is pairing or has configured; everything
/// else is rejected (org.bluez.Error.Rejected).
public final class PairingAgent: Sendable {
    public static let path: DBusObjectPath = "/org/iomtd/agent"
    public static let defaultCapability = "NoInputNoOutput"

    private struct State {
        /// Devices the gateway is pairing right now (Pair in flight), with the secret given for it.
        var pairing: [DBusObjectPath: PairingSecret?] = [:]
        /// Configured devices: they may start pairing themselves (a security request when a
        /// characteristic needs encryption), answered with their configured secret.
        var configured: [DBusObjectPath: PairingSecret?] = [:]
        var requests: [String] = []
    }
    private let state = Mutex(State())

    public init() {}

    /// A device in the configuration: pairing it is welcome at any time.
    public func allow(_ device: DBusObjectPath, secret: PairingSecret?) {
        state.withLock { $0.configured[device] = .some(secret) }
    }

    public func expectPairing(_ device: DBusObjectPath, secret: PairingSecret?) {
        state.withLock { $0.pairing[device] = .some(secret) }
    }

    public func pairingEnded(_ device: DBusObjectPath) {
        state.withLock { _ = $0.pairing.removeValue(forKey: device) }
    }

    /// The agent methods BlueZ called, in order ("RequestPasskey /org/bluez/hci0/dev_…"), for tests and logs.
    public var requests: [String] { state.withLock { $0.requests } }

    private func record(_ method: String, _ device: DBusObjectPath?) -> (PairingSecret?, Bool) {
        state.withLock { state in
            state.requests.append("\(method) \(device?.text ?? "?")")
            guard let device else { return (nil, false) }
            if let secret = state.pairing[device] { return (secret, true) }
            if let secret = state.configured[device] { return (secret, true) }
            return (nil, false)
        }
    }

    private static func rejected(_ why: String) -> DBusMethodError { DBusMethodError(name: BlueZ.ErrorName.rejected, message: why) }

    public var object: DBusObject {
        let device = DBusArgument("device", .objectPath)
        return DBusObject(path: Self.path, interfaces: [DBusInterface(BlueZ.agent, methods: [
            DBusMethod("Release") { _ in [] },
            DBusMethod("RequestPinCode", in: [device], out: [DBusArgument("pincode", .string)]) { [self] call in
                let path = call.arguments.first?.objectPathValue
                guard let secret = record("RequestPinCode", path).0 else { throw Self.rejected("no PIN or passkey configured for this device") }
                return [.string(secret.pinCode)]
            },
            DBusMethod("DisplayPinCode", in: [device, DBusArgument("pincode", .string)]) { [self] call in
                _ = record("DisplayPinCode", call.arguments.first?.objectPathValue)
                return []
            },
            DBusMethod("RequestPasskey", in: [device], out: [DBusArgument("passkey", .uint32)]) { [self] call in
                let path = call.arguments.first?.objectPathValue
                guard case .passkey(let passkey)? = record("RequestPasskey", path).0 else {
                    throw Self.rejected("no passkey configured for this device (iomtctl pair ADDRESS --passkey N)")
                }
                return [.uint32(passkey)]
            },
            DBusMethod("DisplayPasskey", in: [device, DBusArgument("passkey", .uint32), DBusArgument("entered", .uint16)]) { [self] call in
                _ = record("DisplayPasskey", call.arguments.first?.objectPathValue)
                return []
            },
            DBusMethod("RequestConfirmation", in: [device, DBusArgument("passkey", .uint32)]) { [self] call in
                let (secret, pairing) = record("RequestConfirmation", call.arguments.first?.objectPathValue)
                // Numeric comparison: with a known passkey it must match; without one, only devices we are pairing.
                if case .passkey(let expected)? = secret {
                    guard call.arguments.count > 1, call.arguments[1].uint32Value == expected else { throw Self.rejected("passkey mismatch") }
                    return []
                }
                guard pairing else { throw Self.rejected("the gateway is not pairing this device and it is not configured") }
                return []
            },
            DBusMethod("RequestAuthorization", in: [device]) { [self] call in
                guard record("RequestAuthorization", call.arguments.first?.objectPathValue).1 else {
                    throw Self.rejected("the gateway is not pairing this device and it is not configured")
                }
                return []
            },
            DBusMethod("AuthorizeService", in: [device, DBusArgument("uuid", .string)]) { [self] call in
                _ = record("AuthorizeService", call.arguments.first?.objectPathValue)
                return []
            },
            DBusMethod("Cancel") { [self] _ in
                _ = record("Cancel", nil)
                return []
            },
        ])])
    }
}
