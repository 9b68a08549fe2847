import Glibc

/// A D-Bus server address (spec "Server Addresses"): `transport:key=value,...`, several separated by
/// ';'. Only the Unix socket transport is supported: `unix:path=…` and `unix:abstract=…`.
public struct DBusAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Socket: Sendable, Hashable {
        case path(String)
        case abstract(String)
    }

    public let socket: Socket
    /// The server's GUID, when the address names one.
    public let guid: String?

    public init(socket: Socket, guid: String? = nil) {
        self.socket = socket
        self.guid = guid
    }

    public var description: String {
        switch socket {
        case .path(let path): "unix:path=\(path)"
        case .abstract(let name): "unix:abstract=\(name)"
        }
    }

    public static let defaultSystemBusPath = "/run/dbus/system_bus_socket"

    /// The system bus: DBUS_SYSTEM_BUS_ADDRESS, else /run/dbus/system_bus_socket.
    public static func systemBus(environment: [String: String] = ProcessEnvironment.current) throws(DBusError) -> [DBusAddress] {
        if let text = environment["DBUS_SYSTEM_BUS_ADDRESS"], !text.isEmpty { return try parse(text) }
        return [DBusAddress(socket: .path(defaultSystemBusPath))]
    }

    /// The session bus: DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus.
    public static func sessionBus(environment: [String: String] = ProcessEnvironment.current) throws(DBusError) -> [DBusAddress] {
        if let text = environment["DBUS_SESSION_BUS_ADDRESS"], !text.isEmpty { return try parse(text) }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return [DBusAddress(socket: .path(runtime + "/bus"))] }
        throw .invalidAddress("", reason: "DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR are both unset")
    }

    /// Parses an address list, keeping the Unix socket entries in order. Entries of other transports
    /// are skipped; if none is left the whole list is refused.
    public static func parse(_ text: String) throws(DBusError) -> [DBusAddress] {
        var addresses: [DBusAddress] = []
        var transports: [String] = []
        for entry in text.split(separator: ";", omittingEmptySubsequences: true) {
            guard let colon = entry.firstIndex(of: ":") else {
                throw .invalidAddress(text, reason: "entry \"\(entry)\" has no transport prefix")
            }
            let transport = String(entry[..<colon])
            transports.append(transport)
            var pairs: [String: String] = [:]
            for pair in entry[entry.index(after: colon)...].split(separator: ",", omittingEmptySubsequences: true) {
                guard let equals = pair.firstIndex(of: "=") else {
                    throw .invalidAddress(text, reason: "\"\(pair)\" is not key=value")
                }
                let key = String(pair[..<equals])
                guard let value = unescape(pair[pair.index(after: equals)...]) else {
                    throw .invalidAddress(text, reason: "bad %-escape in \"\(pair)\"")
                }
                pairs[key] = value
            }
            guard transport == "unix" else { continue }
            let guid = pairs["guid"]
            if let path = pairs["path"] {
                addresses.append(DBusAddress(socket: .path(path), guid: guid))
            } else if let name = pairs["abstract"] {
                addresses.append(DBusAddress(socket: .abstract(name), guid: guid))
            } else {
                throw .invalidAddress(text, reason: "a unix address needs path= or abstract= (tmpdir/dir/runtime are for servers)")
            }
        }
        guard !addresses.isEmpty else {
            throw .invalidAddress(text, reason: transports.isEmpty ? "empty address" : "no unix transport among \(transports)")
        }
        return addresses
    }

    /// Values are %-escaped bytes (spec "Server Addresses").
    private static func unescape(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}

/// The process environment as a dictionary (read once per call; no Foundation needed).
public enum ProcessEnvironment {
    public static var current: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}
