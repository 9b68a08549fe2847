import IoMTConfiguration
import IoMTDaemon
import Testing

/// Cleartext only to a literal loopback address, for every URL in the configuration: anything that could
/// leave the machine in clear (or be steered elsewhere by a name or a userinfo part) is refused at load,
/// naming the field.
@Suite struct CleartextURLConfigurationTests {
    static let refused = [
        "http://dom.example/fhir",               // cleartext to a host on the network
        "http://127.evil.example/fhir",          // a name that merely starts with 127.
        "http://localhost:1@evil.example/fhir",  // userinfo: the request goes to evil.example
        "http://127.0.0.1:80@evil.example/fhir",
        "http://localhost/fhir",                 // a name, resolved by whatever /etc/hosts or DNS says
        "http://127.0.0.1.evil.example/fhir",
        "http://0177.0.0.1/fhir",                // octal to inet_aton
        "http://2130706433/fhir",                // 127.0.0.1 as one number
        "http://[::1].evil.example/fhir",
        "http://[::ffff:7f00:1]/fhir",
        "http://127.0.0.1:99999/fhir",
        "http:///fhir",
        "https://user:secret@dom.example/fhir",  // credentials in a URL end up in logs
        "ftp://dom.example/fhir",
    ]
    static let accepted = ["https://dom.example/fhir", "HTTPS://dom.example:8443/fhir", "http://127.0.0.1:8080/fhir",
                           "http://127.1.2.3/fhir", "http://[::1]:9000/fhir", "http://127.0.0.1"]

    func configuration(baseURL: String, tokenURL: String? = nil, webhook: String? = nil) -> String {
        let oauth2 = tokenURL.map { #", "oauth2": {"tokenURL": "\#($0)", "clientId": "c", "clientSecretFile": "/etc/iomtd/secret"}"# } ?? ""
        let alerts = webhook.map { #", "alerts": {"webhook": {"url": "\#($0)"}}"# } ?? ""
        return """
            {"stateDirectory": "/tmp/s", "profilesDirectory": "/tmp/p", "gateway": {"systemId": "0011223344556677"},
             "patient": {"pesel": "44051401359"}, "dom": {"baseURL": "\(baseURL)"\(oauth2)}\(alerts)}
            """
    }

    func problems(_ text: String) -> String {
        do { _ = try DaemonConfiguration.parse(text, file: "iomtd.json"); return "" } catch { return "\(error)" }
    }

    @Test(arguments: refused) func refusedAsDOMBaseURLWithoutOAuth2OrPin(url: String) {
        let text = problems(configuration(baseURL: url))
        #expect(text.contains("iomtd.json: dom.baseURL: expected an https:// URL, or http:// only to a literal loopback address"), "\(url) accepted: \(text)")
        #expect(text.contains(url))
    }

    @Test(arguments: refused) func refusedAsTokenURLAndWebhookURL(url: String) {
        let text = problems(configuration(baseURL: "https://dom.example/fhir", tokenURL: url, webhook: url))
        #expect(text.contains("iomtd.json: dom.oauth2.tokenURL: expected an https:// URL, or http:// only"), "\(url) accepted as tokenURL: \(text)")
        #expect(text.contains("iomtd.json: alerts.webhook.url: expected an https:// URL, or http:// only"), "\(url) accepted as webhook: \(text)")
    }

    @Test(arguments: accepted) func acceptedEverywhere(url: String) {
        #expect(problems(configuration(baseURL: url, tokenURL: url, webhook: url)) == "")
    }
}
