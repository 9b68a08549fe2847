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
        let expectedURL = "an mqtts://host:port URL (mqtt:// only to 127.0.0.1 or [::1])"
        let url = r.string(m, "url", path: "mqtt", required: true, expected: expectedURL)
        var endpoint: MQTTEndpoint?
        if let url {
            switch MQTTEndpoint.parse(url) {
            case let .success(value): endpoint = value
            case let .failure(error): r.fail("mqtt.url", expected: error.expected, foundText: "\"\(url)\"")
            }
        }
        let prefix = r.string(m, "topicPrefix", path: "mqtt", required: true, expected: "topic levels such as \"iomt/clinic-a\"")
        if let prefix, let problem = MQTTTopics.prefixProblem(prefix) { r.fail("mqtt.topicPrefix", expected: problem, foundText: "\"\(prefix)\"") }
        let clientId = r.string(m, "clientId", path: "mqtt", required: false, expected: "an MQTT client id") ?? "iomtd-" + gatewaySystemId
        var files: [String: String] = [:]
        for key in ["caFile", "certFile", "keyFile", "passwordFile"] {
            guard let path = r.string(m, key, path: "mqtt", required: false, expected: "an absolute file path") else { continue }
            if !path.hasPrefix("/") { r.fail("mqtt." + key, expected: "an absolute path", foundText: "\"\(path)\"") }
            files[key] = path
        }
        if (files["certFile"] == nil) != (files["keyFile"] == nil) {
            r.fail(files["certFile"] == nil ? "mqtt.certFile" : "mqtt.keyFile", expected: "certFile and keyFile together (client certificate)", foundText: "only one")
        }
        let username = r.string(m, "username", path: "mqtt", required: false, expected: "the broker user name")
        if files["passwordFile"] != nil, username == nil { r.fail("mqtt.username", expected: "a user name with mqtt.passwordFile", foundText: "nothing") }
        if let endpoint, !endpoint.usesTLS, files["caFile"] != nil || files["certFile"] != nil {
            r.fail("mqtt.url", expected: "mqtts:// when caFile or certFile is set", foundText: "\"\(url ?? "")\"")
        }
        let batchSize = r.integer(m, "batchSize", path: "mqtt", range: 1...5000, default: 100)
        let timeout = r.integer(m, "timeoutMs", path: "mqtt", range: 100...600_000, default: 10_000)
        guard let url, let endpoint, let prefix else { return nil }
        return MQTT(endpoint: endpoint, url: url, topicPrefix: prefix, clientId: clientId, caFile: files["caFile"], certFile: files["certFile"],
                    keyFile: files["keyFile"], username: username, passwordFile: files["passwordFile"], batchSize: batchSize,
                    timeoutMilliseconds: timeout)
    }
}
