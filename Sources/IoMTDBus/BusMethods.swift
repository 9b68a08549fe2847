/// RequestName's answer (spec "Message Bus Messages", RequestName): the spec names exactly these four, so callers
/// switch over them exhaustively and a bus answering anything else is refused as an unexpected reply.
public enum DBusRequestNameReply: UInt32, Sendable, Hashable, CaseIterable {
    case primaryOwner = 1
    case inQueue = 2
    case exists = 3
    case alreadyOwner = 4
}

/// The message bus itself (spec "Message Bus Messages"): its well-known name, which is also its interface's name, and its
/// object path. A destination and a sender as well as an interface, so not one of `DBusStandardInterface`.
public enum DBusMessageBus {
    public static let name = "org.freedesktop.DBus"
    public static let interface = name
    public static let path: DBusObjectPath = "/org/freedesktop/DBus"
}

extension DBusMessage {
    /// A call of one of the bus's own methods (Hello, AddMatch, RemoveMatch, RequestName, …).
    static func busMethodCall(_ member: String, body: [DBusValue] = [], flags: DBusMessageFlags = []) -> DBusMessage {
        .methodCall(destination: DBusMessageBus.name, path: DBusMessageBus.path, interface: DBusMessageBus.interface, member: member,
                    body: body, flags: flags)
    }
}

// Methods of the message bus itself (spec "Message Bus Messages").

extension DBusConnection {
    func callBus(_ member: String, _ body: [DBusValue] = []) async throws -> [DBusValue] {
        try await call(.busMethodCall(member, body: body)).body
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
        guard let reply = DBusRequestNameReply(rawValue: code) else {
            throw DBusError.unexpectedReply(member: "RequestName", expected: "u of 1 to 4", found: "u \(code)")
        }
        return reply
    }
}
