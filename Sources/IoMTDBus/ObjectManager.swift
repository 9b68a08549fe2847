/// org.freedesktop.DBus.ObjectManager (spec "org.freedesktop.DBus.ObjectManager"): how BlueZ
/// publishes adapters and devices. Decoding is pure; the connection helper makes the call.

/// interface name → property name → value
public typealias DBusInterfaceProperties = [String: [String: DBusValue]]

public enum DBusManagedObjects {
    /// Decodes `a{oa{sa{sv}}}` (GetManagedObjects' reply).
    public static func decode(_ value: DBusValue) -> [DBusObjectPath: DBusInterfaceProperties]? {
        guard case .array(.dictEntry(key: .objectPath, value: _), _) = value, let entries = value.dictionaryEntries else { return nil }
        var result: [DBusObjectPath: DBusInterfaceProperties] = [:]
        for (key, interfaces) in entries {
            guard let path = key.objectPathValue, let decoded = decodeInterfaces(interfaces) else { return nil }
            result[path] = decoded
        }
        return result
    }

    /// Decodes `a{sa{sv}}` (one object's interfaces and their properties).
    public static func decodeInterfaces(_ value: DBusValue) -> DBusInterfaceProperties? {
        guard case .array(.dictEntry(key: .string, value: _), _) = value, let entries = value.dictionaryEntries else { return nil }
        var result: DBusInterfaceProperties = [:]
        for (key, properties) in entries {
            guard let name = key.stringValue, let decoded = properties.stringVariantDictionary else { return nil }
            result[name] = decoded
        }
        return result
    }
}

/// InterfacesAdded (oa{sa{sv}}) and InterfacesRemoved (oas), decoded.
public enum DBusObjectManagerSignal: Sendable, Hashable {
    case interfacesAdded(path: DBusObjectPath, interfaces: DBusInterfaceProperties)
    case interfacesRemoved(path: DBusObjectPath, interfaces: [String])

    /// nil for any other message, or one whose body does not have the specified signature.
    public init?(_ message: DBusMessage) {
        guard message.type == .signal, message.interface == DBusStandardInterface.objectManager, message.body.count == 2,
              let path = message.body[0].objectPathValue else { return nil }
        switch message.member {
        case "InterfacesAdded":
            guard let interfaces = DBusManagedObjects.decodeInterfaces(message.body[1]) else { return nil }
            self = .interfacesAdded(path: path, interfaces: interfaces)
        case "InterfacesRemoved":
            guard let interfaces = message.body[1].stringArrayValue else { return nil }
            self = .interfacesRemoved(path: path, interfaces: interfaces)
        default:
            return nil
        }
    }
}

extension DBusConnection {
    /// GetManagedObjects of `destination`'s ObjectManager at `path` (BlueZ: org.bluez at "/").
    public func managedObjects(destination: String, path: DBusObjectPath = .root) async throws -> [DBusObjectPath: DBusInterfaceProperties] {
        let body = try await call(destination: destination, path: path, interface: DBusStandardInterface.objectManager,
                                  member: "GetManagedObjects")
        guard body.count == 1, let objects = DBusManagedObjects.decode(body[0]) else {
            throw DBusError.unexpectedReply(member: "GetManagedObjects", expected: "a{oa{sa{sv}}}", found: body.map(\.type.signature).joined())
        }
        return objects
    }

    /// InterfacesAdded/InterfacesRemoved of `sender`'s ObjectManager, as a subscription.
    public func subscribeObjectManager(sender: String, path: DBusObjectPath? = nil) async throws -> DBusSignalSubscription {
        try await subscribe(.signal(sender: sender, interface: DBusStandardInterface.objectManager, path: path))
    }
}
