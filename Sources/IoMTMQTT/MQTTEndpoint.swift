/// Where the broker is: `mqtts://host[:port]` (TLS, always verified), or `mqtt://` to a literal loopback
/// address only (127.x.x.x, [::1]) — a broker on the same machine, where there is no wire to protect.
public struct MQTTEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int32
    public var usesTLS: Bool

    public init(host: String, port: Int32, usesTLS: Bool) { self.host = host; self.port = port; self.usesTLS = usesTLS }

    public var description: String { (usesTLS ? "mqtts://" : "mqtt://") + (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }

    /// Parses `url`; the error text says what was expected (the caller names the field).
    public static func parse(_ url: String) -> Result<MQTTEndpoint, EndpointError> {
        let lowered = url.lowercased()
        let usesTLS: Bool
        let rest: Substring
        if lowered.hasPrefix("mqtts://") { usesTLS = true; rest = url.dropFirst(8) }
        else if lowered.hasPrefix("mqtt://") { usesTLS = false; rest = url.dropFirst(7) }
        else { return .failure(EndpointError("an mqtts://host:port URL (or mqtt:// to 127.0.0.1 or [::1])")) }
        let authority = rest.hasSuffix("/") ? rest.dropLast() : rest
        guard !authority.isEmpty, !authority.contains("/"), !authority.contains("@") else {
            return .failure(EndpointError("scheme://host[:port] without path or user info"))
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return .failure(EndpointError("a closing ] after the IPv6 address")) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return .failure(EndpointError(":port after ]")) }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { return .failure(EndpointError("a host name or address")) }
        var port: Int32 = usesTLS ? 8883 : 1883
        if let portText {
            guard let value = Int32(portText), (1...65535).contains(value) else { return .failure(EndpointError("a port from 1 to 65535")) }
            port = value
        }
        if !usesTLS, !isLoopbackLiteral(String(host)) {
            return .failure(EndpointError("mqtts:// for \(host) (cleartext mqtt:// only to a literal loopback address, 127.x.x.x or [::1])"))
        }
        return .success(MQTTEndpoint(host: String(host), port: port, usesTLS: usesTLS))
    }

    /// Only a literal address: a name such as `localhost` is resolved elsewhere and could leave the machine.
    static func isLoopbackLiteral(_ host: String) -> Bool {
        if host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.allSatisfy { part in part.count <= 3 && !part.isEmpty && part.allSatisfy(\.isNumber) && (Int(part) ?? 256) <= 255 }
    }

    public struct EndpointError: Error, Sendable, Hashable, CustomStringConvertible {
        public var expected: String
        init(_ expected: String) { self.expected = expected }
        public var description: String { "expected \(expected)" }
    }
}
