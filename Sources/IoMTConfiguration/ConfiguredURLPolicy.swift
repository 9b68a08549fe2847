import IoMTCore

/// Which URLs the configuration accepts (dom.baseURL, dom.oauth2.tokenURL, alerts.webhook.url, …): `https://` to
/// any host, `http://` only to a *literal* loopback address — 127.0.0.0/8 as a dotted quad or `[::1]` — where
/// nothing crosses a network. Refused: any host name in clear, `localhost` included (/etc/hosts or a resolver
/// decides where a name goes, and `127.evil.example` is a name), and userinfo (`http://127.0.0.1:1@evil/` is a
/// request to `evil`; credentials in a URL would also end up in logs).
enum ConfiguredURLPolicy {
    static let expectation = "an https:// URL, or http:// only to a literal loopback address (127.0.0.1 … 127.255.255.255 or [::1]), without user@"

    /// nil when acceptable, otherwise what is wrong with it (to follow the expectation in the error).
    static func problem(_ url: String) -> String? {
        let lowered = url.lowercased()
        let cleartext: Bool
        if lowered.hasPrefix("https://") { cleartext = false } else if lowered.hasPrefix("http://") { cleartext = true } else {
            return "not an http:// or https:// URL"
        }
        let authority = url.drop { $0 != "/" }.dropFirst(2).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { return "user information (@) in the URL" }
        guard !authority.contains(where: { $0 == "\\" || $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true }) else {
            return "a backslash, space or control character in the host"
        }
        let host: Substring, port: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return "an unclosed [ in the host" }
            host = authority[...close]
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else { return "text after ] in the host" }
            port = rest.isEmpty ? nil : rest.dropFirst()
        } else {
            let pieces = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = pieces[0]
            port = pieces.count == 2 ? pieces[1] : nil
        }
        guard !host.isEmpty else { return "no host" }
        if let port, !(port.allSatisfy { $0.isASCII && $0.isNumber } && Int(port).map { (1...65_535).contains($0) } == true) {
            return "port \"\(port)\" is not a number from 1 to 65535"
        }
        if cleartext, !isLiteralLoopback(host) { return "http:// to \(host), which is not a literal loopback address" }
        return nil
    }

    /// `[::1]`, or four decimal octets (no leading zeros, which inet_aton would read as octal) starting with 127.
    static func isLiteralLoopback(_ host: Substring) -> Bool {
        if host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ octet in
            (1...3).contains(octet.count) && octet.allSatisfy { $0.isASCII && $0.isNumber }
                && (octet.count == 1 || octet.first != "0") && Int(octet)! <= 255
        }) else { return false }
        return octets[0] == "127"
    }
}

extension JSONFieldReader {
    /// A URL field held to `ConfiguredURLPolicy`; a refused one is reported with the field, the rule and the reason.
    mutating func url(_ parent: JSONValue, _ key: String, path: String, required: Bool) -> String? {
        guard let text = string(parent, key, path: path, required: required, expected: ConfiguredURLPolicy.expectation) else { return nil }
        if let problem = ConfiguredURLPolicy.problem(text) {
            fail(join(path, key), expected: ConfiguredURLPolicy.expectation, foundText: "\"\(text)\" (\(problem))")
            return nil
        }
        return text
    }
}
