import IoMTCore
import IoMTMQTT

extension DaemonConfiguration {
    /// The `mqtt` section: a second destination beside `dom`, publishing to the provider's broker.
    public struct MQTT: Sendable, Hashable {
        public var endpoint: MQTTEndpoint
        public var url: String
        public var topicPrefix: String
        public var clientId: String
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        public var username: String?
        /// Mode 0600, like the other credential files; read at start.
        public var passwordFile: String?
        public var batchSize: Int
        public var timeoutMilliseconds: Int
    }

    static func parseMQTT(_ root: JSONValue, gatewaySystemId: String, _ r: inout JSONFieldReader) -> MQTT? {
        guard let m = r.object(root, "mqtt", path: "", required: false) else { return nil }
        r.checkKnownKeys(m, path: "mqtt", allowed: ["url", "topicPrefix", "clientId", "caFile", "certFile", "keyFile", "username", "passwordFile",
                                                    "batchSize", "timeoutMs"])
        let (url, endpoint) = parseBrokerURL(m, section: "mqtt", &r)
        let prefix = r.string(m, "topicPrefix", path: "mqtt", required: true, expected: "topic levels such as \"iomt/clinic-a\"")
        if let prefix, let problem = MQTTTopics.prefixProblem(prefix) { r.fail("mqtt.topicPrefix", expected: problem, foundText: "\"\(prefix)\"") }
        let clientId = r.string(m, "clientId", path: "mqtt", required: false, expected: "an MQTT client id") ?? "iomtd-" + gatewaySystemId
        let login = parseBrokerLogin(m, section: "mqtt", url: url, endpoint: endpoint, &r)
        let batchSize = r.integer(m, "batchSize", path: "mqtt", range: 1...5000, default: 100)
        let timeout = r.integer(m, "timeoutMs", path: "mqtt", range: 100...600_000, default: 10_000)
        guard let url, let endpoint, let prefix else { return nil }
        return MQTT(endpoint: endpoint, url: url, topicPrefix: prefix, clientId: clientId, caFile: login.caFile, certFile: login.certFile,
                    keyFile: login.keyFile, username: login.username, passwordFile: login.passwordFile, batchSize: batchSize,
                    timeoutMilliseconds: timeout)
    }

    /// A broker section's `url` (the gateway's `mqtt`, the collector's `broker`): its text and, when valid, its endpoint.
    package static func parseBrokerURL(_ object: JSONValue, section: String, _ r: inout JSONFieldReader) -> (text: String?, endpoint: MQTTEndpoint?) {
        let url = r.string(object, "url", path: section, required: true, expected: "an mqtts://host:port URL (mqtt:// only to 127.0.0.1 or [::1])")
        guard let url else { return (nil, nil) }
        switch MQTTEndpoint.parse(url) {
        case let .success(endpoint): return (url, endpoint)
        case let .failure(error):
            r.fail(section + ".url", expected: error.expected, foundText: "\"\(url)\"")
            return (url, nil)
        }
    }

    /// A broker section's TLS and login files: absolute paths, certificate and key together, a user name with a
    /// password file, and TLS (mqtts://) whenever a CA or client certificate is given.
    package struct BrokerLogin: Sendable {
        package var caFile, certFile, keyFile, passwordFile, username: String?
    }

    package static func parseBrokerLogin(_ object: JSONValue, section: String, url: String?, endpoint: MQTTEndpoint?,
                                         _ r: inout JSONFieldReader) -> BrokerLogin {
        func file(_ key: String) -> String? {
            guard let path = r.string(object, key, path: section, required: false, expected: "an absolute file path") else { return nil }
            if !path.hasPrefix("/") { r.fail(section + "." + key, expected: "an absolute path", foundText: "\"\(path)\"") }
            return path
        }
        var login = BrokerLogin(caFile: file("caFile"), certFile: file("certFile"), keyFile: file("keyFile"), passwordFile: file("passwordFile"))
        if (login.certFile == nil) != (login.keyFile == nil) {
            r.fail(section + (login.certFile == nil ? ".certFile" : ".keyFile"), expected: "certFile and keyFile together (client certificate)",
                   foundText: "only one")
        }
        login.username = r.string(object, "username", path: section, required: false, expected: "the broker user name")
        if login.passwordFile != nil, login.username == nil {
            r.fail(section + ".username", expected: "a user name with \(section).passwordFile", foundText: "nothing")
        }
        if let endpoint, !endpoint.usesTLS, login.caFile != nil || login.certFile != nil {
            r.fail(section + ".url", expected: "mqtts:// when caFile or certFile is set", foundText: "\"\(url ?? "")\"")
        }
        return login
    }
}
