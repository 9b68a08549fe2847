/// org.freedesktop.DBus.Properties (spec "org.freedesktop.DBus.Properties"): Get, Set, GetAll on
/// remote objects, and the PropertiesChanged signal.
public struct DBusPropertiesChanged: Sendable, Hashable {
    public let path: DBusObjectPath
    public let interface: String
    public let changed: [String: DBusValue]
    public let invalidated: [String]

    /// Decodes a PropertiesChanged signal (sa{sv}as); nil for any other message.
    public init?(_ message: DBusMessage) {
        guard message.type == .signal, message.interface == DBusStandardInterface.properties,
              message.member == "PropertiesChanged", let path = message.path, message.body.count == 3,
              let interface = message.body[0].stringValue, let changed = message.body[1].stringVariantDictionary,
              let invalidated = message.body[2].stringArrayValue else { return nil }
        self.path = path; self.interface = interface; self.changed = changed; self.invalidated = invalidated
    }
}

extension DBusConnection {
    /// One property's value (the variant unwrapped).
    public func getProperty(destination: String, path: DBusObjectPath, interface: String, name: String) async throws -> DBusValue {
        let body = try await call(destination: destination, path: path, interface: DBusStandardInterface.properties, member: "Get",
                                  body: [.string(interface), .string(name)])
        guard body.count == 1, let value = body[0].variantContent else {
            throw DBusError.unexpectedReply(member: "Get", expected: "v", found: body.map(\.type.signature).joined())
        }
        return value
    }

    public func setProperty(destination: String, path: DBusObjectPath, interface: String, name: String, value: DBusValue) async throws {
        _ = try await call(destination: destination, path: path, interface: DBusStandardInterface.properties, member: "Set",
                           body: [.string(interface), .string(name), .variant(value)])
    }

    public func getAllProperties(destination: String, path: DBusObjectPath, interface: String) async throws -> [String: DBusValue] {
        let body = try await call(destination: destination, path: path, interface: DBusStandardInterface.properties, member: "GetAll",
                                  body: [.string(interface)])
        guard body.count == 1, let properties = body[0].stringVariantDictionary else {
            throw DBusError.unexpectedReply(member: "GetAll", expected: "a{sv}", found: body.map(\.type.signature).joined())
        }
        return properties
    }
}
