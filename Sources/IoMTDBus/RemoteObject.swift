/// A remote object (a bus name and a path) with call and property helpers, e.g.
/// `DBusRemoteObject(connection, destination: "org.bluez", path: "/org/bluez/hci0")`.
public struct DBusRemoteObject: Sendable {
    public let connection: DBusConnection
    public let destination: String
    public let path: DBusObjectPath

    public init(_ connection: DBusConnection, destination: String, path: DBusObjectPath) {
        self.connection = connection; self.destination = destination; self.path = path
    }

    public func call(_ interface: String, _ member: String, _ arguments: [DBusValue] = [], flags: DBusMessageFlags = [],
                     timeoutMilliseconds: Int64 = 25_000) async throws -> [DBusValue] {
        try await connection.call(destination: destination, path: path, interface: interface, member: member, body: arguments,
                                  flags: flags, timeoutMilliseconds: timeoutMilliseconds)
    }

    public func property(_ interface: String, _ name: String) async throws -> DBusValue {
        try await connection.getProperty(destination: destination, path: path, interface: interface, name: name)
    }

    public func setProperty(_ interface: String, _ name: String, _ value: DBusValue) async throws {
        try await connection.setProperty(destination: destination, path: path, interface: interface, name: name, value: value)
    }

    public func properties(_ interface: String) async throws -> [String: DBusValue] {
        try await connection.getAllProperties(destination: destination, path: path, interface: interface)
    }

    /// PropertiesChanged of this object (optionally of one interface, matched on arg0).
    public func propertyChanges(of interface: String? = nil) async throws -> DBusSignalSubscription {
        try await connection.subscribe(.signal(sender: destination, interface: DBusStandardInterface.properties,
                                               member: "PropertiesChanged", path: path, arg0: interface))
    }
}
