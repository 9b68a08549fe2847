import IoMTCore
import IoMTForward
import IoMTHTTP

extension DaemonConfiguration {
    /// The `dom` section, shared by iomtd (where it is optional beside `mqtt`) and iomt-collector (required; it forwards
    /// whole bundles, so has no `batchSize`). nil when absent and not required.
    /// A required section that is missing is reported through `r` (the returned value is then a placeholder).
    package static func parseDOM(_ root: JSONValue, _ r: inout JSONFieldReader, batched: Bool = true) -> DOM {
        parseDOM(root, &r, batched: batched, required: true) ?? DOM(baseURL: "", batchSize: 1, timeoutMilliseconds: 10_000,
                                                                   caBundlePath: nil, clientCertificatePath: nil, clientKeyPath: nil)
    }

    static func parseDOM(_ root: JSONValue, _ r: inout JSONFieldReader, batched: Bool = true, required: Bool) -> DOM? {
        var dom = DOM(baseURL: "", batchSize: 100, timeoutMilliseconds: 10_000, caBundlePath: nil, clientCertificatePath: nil, clientKeyPath: nil)
        guard let d = r.object(root, "dom", path: "", required: required) else { return required ? dom : nil }
        do {
            let keys: Set<String> = ["baseURL", "timeoutMs", "caBundle", "clientCertificate", "clientKey", "pinnedPublicKey", "oauth2"]
            r.checkKnownKeys(d, path: "dom", allowed: batched ? keys.union(["batchSize"]) : keys)
            let url = r.url(d, "baseURL", path: "dom", required: true) ?? ""
            dom = DOM(baseURL: url,
                      batchSize: batched ? r.integer(d, "batchSize", path: "dom", range: 1...5000, default: 100) : 1,
                      timeoutMilliseconds: r.integer(d, "timeoutMs", path: "dom", range: 100...600_000, default: 10_000),
                      caBundlePath: r.string(d, "caBundle", path: "dom", required: false),
                      clientCertificatePath: r.string(d, "clientCertificate", path: "dom", required: false),
                      clientKeyPath: r.string(d, "clientKey", path: "dom", required: false))
            if let pin = r.string(d, "pinnedPublicKey", path: "dom", required: false, expected: Self.pinExpectation) {
                if !Self.isPinList(pin) { r.fail("dom.pinnedPublicKey", expected: Self.pinExpectation, foundText: "\"\(pin)\"") }
                if url.hasPrefix("http://") { r.fail("dom.baseURL", expected: "an https:// URL when dom.pinnedPublicKey is set", foundText: "\"\(url)\"") }
                dom.pinnedPublicKey = pin
            }
            if let o = r.object(d, "oauth2", path: "dom", required: false) {
                r.checkKnownKeys(o, path: "dom.oauth2", allowed: ["tokenURL", "clientId", "clientSecretFile", "scope"])
                // RFC 6750 §5.3: bearer tokens only over TLS (or loopback), or anyone on the path can replay them;
                // dom.baseURL is held to the same rule above.
                let tokenURL = r.url(o, "tokenURL", path: "dom.oauth2", required: true)
                let clientId = r.string(o, "clientId", path: "dom.oauth2", required: true, expected: "the OAuth2 client id DOM issued")
                let secretFile = r.string(o, "clientSecretFile", path: "dom.oauth2", required: true,
                                          expected: "the absolute path of a file (mode 0600) holding the client secret")
                if let secretFile, !secretFile.hasPrefix("/") {
                    r.fail("dom.oauth2.clientSecretFile", expected: "an absolute path", foundText: "\"\(secretFile)\"")
                }
                let scope = r.string(o, "scope", path: "dom.oauth2", required: false, expected: "space-separated scopes")
                if let tokenURL, let clientId, let secretFile {
                    dom.oauth2 = OAuth2(tokenURL: tokenURL, clientId: clientId, clientSecretFile: secretFile, scope: scope)
                }
            }
        }

        return dom
    }
}

extension DaemonConfiguration.DOM {
    /// libcurl with DOM's TLS settings; with `dom.oauth2`, wrapped so every request carries a bearer token.
    /// Proxies come from the environment (`https_proxy`, `no_proxy`), which libcurl reads itself.
    public func makeTransport(clock: any WallClock) -> any HTTPTransport {
        let tls = CurlHTTPClient.Configuration(caBundlePath: caBundlePath, clientCertificatePath: clientCertificatePath,
                                               clientKeyPath: clientKeyPath, pinnedPublicKey: pinnedPublicKey,
                                               totalTimeoutMilliseconds: timeoutMilliseconds)
        let http = CurlHTTPClient(configuration: tls)
        guard let oauth2 else { return http }
        // The token endpoint may be another host: same CA bundle and client certificate, but DOM's pin is not its key.
        var tokenTLS = tls
        tokenTLS.pinnedPublicKey = nil
        let tokens = OAuth2TokenSource(configuration: OAuth2ClientCredentialsConfiguration(
            tokenURL: oauth2.tokenURL, clientId: oauth2.clientId, clientSecretFile: oauth2.clientSecretFile, scope: oauth2.scope,
            requestTimeoutMilliseconds: timeoutMilliseconds), transport: CurlHTTPClient(configuration: tokenTLS), clock: clock)
        return AuthenticatingTransport(wrapping: http, tokens: tokens)
    }
}
