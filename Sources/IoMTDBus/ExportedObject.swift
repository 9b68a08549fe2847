/// Objects this process exports on the bus (e.g. a BlueZ org.bluez.Agent1, GATT services and
/// characteristics, an LE advertisement). Each interface declares its methods with argument types
/// (checked before a handler runs, and published by Introspect), its properties and its signals.

/// A named, typed argument of a method or signal.
public struct DBusArgument: Sendable, Hashable {
    public let name: String
    public let type: DBusType
    public init(_ name: String, _ type: DBusType) { self.name = name; self.type = type }
}

/// What a method handler receives.
public struct DBusMethodCall: Sendable {
    public let message: DBusMessage
    public var arguments: [DBusValue] { message.body }
    /// The caller's unique bus name.
    public var sender: String? { message.sender }
    public var path: DBusObjectPath? { message.path }
}

/// Thrown by a handler to answer with a D-Bus error, e.g. `org.bluez.Error.Rejected`.
public struct DBusMethodError: Error, Sendable, Hashable {
    public let name: String
    public let message: String
    public init(name: String, message: String) { self.name = name; self.message = message }
    public init(_ name: DBusErrorName, message: String) { self.init(name: name.rawValue, message: message) }
}

public typealias DBusMethodHandler = @Sendable (DBusMethodCall) async throws -> [DBusValue]

public struct DBusMethod: Sendable {
    public let name: String
    public let inArguments: [DBusArgument]
    public let outArguments: [DBusArgument]
    public let handler: DBusMethodHandler

    public init(_ name: String, in inArguments: [DBusArgument] = [], out outArguments: [DBusArgument] = [],
                handler: @escaping DBusMethodHandler) {
        self.name = name; self.inArguments = inArguments; self.outArguments = outArguments; self.handler = handler
    }
}

public enum DBusPropertyAccess: String, Sendable, Hashable {
    case read, write, readwrite
}

public struct DBusProperty: Sendable {
    public let name: String
    public let type: DBusType
    public let access: DBusPropertyAccess
    /// The value until `DBusConnection.updateProperty` changes it.
    public let initialValue: DBusValue
    /// Called on a remote Set (after the type check); throw DBusMethodError to refuse.
    public let onSet: (@Sendable (DBusValue) throws -> Void)?

    public init(_ name: String, _ initialValue: DBusValue, access: DBusPropertyAccess = .read,
                onSet: (@Sendable (DBusValue) throws -> Void)? = nil) {
        self.name = name; self.type = initialValue.type; self.access = access
        self.initialValue = initialValue; self.onSet = onSet
    }
}

public struct DBusSignalDescription: Sendable, Hashable {
    public let name: String
    public let arguments: [DBusArgument]
    public init(_ name: String, _ arguments: [DBusArgument] = []) { self.name = name; self.arguments = arguments }
}

public struct DBusInterface: Sendable {
    public let name: String
    public let methods: [DBusMethod]
    public let properties: [DBusProperty]
    public let signals: [DBusSignalDescription]

    public init(_ name: String, methods: [DBusMethod] = [], properties: [DBusProperty] = [], signals: [DBusSignalDescription] = []) {
        self.name = name; self.methods = methods; self.properties = properties; self.signals = signals
    }

    func method(named member: String) -> DBusMethod? { methods.first { $0.name == member } }
    func property(named name: String) -> DBusProperty? { properties.first { $0.name == name } }
}

public struct DBusObject: Sendable {
    public let path: DBusObjectPath
    public let interfaces: [DBusInterface]
    /// Implements org.freedesktop.DBus.ObjectManager for the objects below it (BlueZ's
    /// GattManager1.RegisterApplication and LEAdvertisingManager1 read it).
    public let isObjectManager: Bool

    public init(path: DBusObjectPath, interfaces: [DBusInterface], isObjectManager: Bool = false) {
        self.path = path; self.interfaces = interfaces; self.isObjectManager = isObjectManager
    }
}

/// Standard interface names (spec "Standard Interfaces").
public enum DBusStandardInterface {
    public static let peer = "org.freedesktop.DBus.Peer"
    public static let introspectable = "org.freedesktop.DBus.Introspectable"
    public static let properties = "org.freedesktop.DBus.Properties"
    public static let objectManager = "org.freedesktop.DBus.ObjectManager"
}

