/// Methods of the message bus itself (spec "Message Bus Messages").
public struct DBusRequestNameReply: RawRepresentable, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let primaryOwner = DBusRequestNameReply(rawValue: 1)
    public static let inQueue = DBusRequestNameReply(rawValue: 2)
    public static let exists = DBusRequestNameReply(rawValue: 3)
    public static let alreadyOwner = DBusRequestNameReply(rawValue: 4)
}

extension DBusConnection {
    func callBus(_ member: String, _ body: [DBusValue] = []) async throws -> [DBusValue] {
        try await call(destination: DBusStandardInterface.bus, path: "/org/freedesktop/DBus", interface: DBusStandardInterface.bus,
                       member: member, body: body)
    }

    /// The bus names currently on the bus.
    public func listNames() async throws -> [String] {
        let body = try await callBus("ListNames")
        guard let names = body.first?.stringArrayValue else {
            throw DBusError.unexpectedReply(member: "ListNames", expected: "as", found: body.map(\.type.signature).joined())
        }
        return names
    }

    /// The unique name owning `name`; throws `org.freedesktop.DBus.Error.NameHasNoOwner` if none.
    public func nameOwner(of name: String) async throws -> String {
        let body = try await callBus("GetNameOwner", [.string(name)])
        guard let owner = body.first?.stringValue else {
            throw DBusError.unexpectedReply(member: "GetNameOwner", expected: "s", found: body.map(\.type.signature).joined())
        }
        return owner
    }

    /// Asks for a well-known name (flags per the spec: 0x1 allow replacement, 0x2 replace, 0x4 do not queue).
    public func requestName(_ name: String, flags: UInt32 = 0x4) async throws -> DBusRequestNameReply {
        let body = try await callBus("RequestName", [.string(name), .uint32(flags)])
        guard let code = body.first?.uint32Value else {
            throw DBusError.unexpectedReply(member: "RequestName", expected: "u", found: body.map(\.type.signature).joined())
        }
        return DBusRequestNameReply(rawValue: code)
    }
}
