import IoMTConfiguration
import IoMTCore
import IoMTMQTT

/// iomt-collector's configuration (`/etc/iomt-collector/collector.json`; format in docs/deployment.md and the man page).
public struct CollectorConfiguration: Sendable {
    public struct Broker: Sendable, Hashable {
        public var endpoint: MQTTEndpoint
        public var clientId: String
        /// Shared-subscription group (MQTT 5 §4.8.2): every collector of one deployment uses the same group.
        public var group: String
        public var topicPrefix: String
        /// Also relay the gateways' `…/alerts` messages (transaction Bundles as well).
        public var alerts: Bool
        public var caFile: String?
        public var certFile: String?
        public var keyFile: String?
        public var username: String?
        public var passwordFile: String?
        public var receiveMaximum: Int
        public var sessionExpirySeconds: Int
        public var keepAliveSeconds: Int

        /// The shared subscriptions: every gateway's observations (and alerts) under the prefix.
        public var topicFilters: [String] {
            [MQTTTopics.sharedObservations(group: group, prefix: topicPrefix)] + (alerts ? ["$share/\(group)/\(topicPrefix)/+/alerts"] : [])
        }

        /// Paho's server URI for the endpoint.
        public var serverURI: String {
            (endpoint.usesTLS ? "ssl://" : "tcp://") + (endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host) + ":\(endpoint.port)"
        }
    }

    public var broker: Broker
    public var dom: DaemonConfiguration.DOM
    public var stateDirectory: String
    public var logLevel: Log.Level
    public var sourcePath: String

    /// What is allowed but unsafe, for `--check-config` and the startup log. An anonymous login (no `broker.username`
    /// and no client certificate whose name the broker can take as the username) has no ACL entry of its own: mosquitto
    /// 2.0.11 restores such a session without its ACLs and drops what is routed to it while PUBACKing the gateways
    /// (docs/deployment.md, "mosquitto for one site"). A warning, not a refusal: the collector cannot see the broker's
    /// configuration, and a broker without an ACL file (a lab) does not lose messages this way.
    public var warnings: [String] {
        guard broker.username == nil, broker.certFile == nil else { return [] }
        return ["\(sourcePath): broker: neither username nor certFile is set, so the collector logs in anonymously; under an "
                + "ACL file mosquitto 2.0.11 drops messages for a restored anonymous session while acknowledging them to the gateways. "
                + "Set broker.username (and passwordFile) or a client certificate, with its own `user` entry in the broker's ACL file "
                + "(docs/deployment.md)"]
    }

    /// Refused bundles, one file each (BundleQuarantine).
    public var quarantineDirectory: String { stateDirectory + "/quarantine" }

    static let topLevelKeys: Set<String> = ["broker", "dom", "stateDirectory", "logLevel", "comment"]
    static let brokerKeys: Set<String> = ["url", "clientId", "group", "topicPrefix", "alerts", "caFile", "certFile", "keyFile", "username",
                                          "passwordFile", "receiveMaximum", "sessionExpirySeconds", "keepAliveSeconds"]

    /// Parses and validates the file's text; every problem names the field and what was expected.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> CollectorConfiguration {
        let root = try JSONFieldReader.parseObject(text, file: file)
        var r = JSONFieldReader()
        r.checkKnownKeys(root, path: "", allowed: topLevelKeys)
        let broker = parseBroker(root, &r)
        let dom = DaemonConfiguration.parseDOM(root, &r, batched: false)
        let stateDirectory = r.string(root, "stateDirectory", path: "", required: false, expected: "an absolute directory path") ?? "/var/lib/iomt-collector"
        if !stateDirectory.hasPrefix("/") { r.fail("stateDirectory", expected: "an absolute directory path", foundText: "\"\(stateDirectory)\"") }
        var level = Log.Level.info
        if let name = r.string(root, "logLevel", path: "", required: false) {
            let levels: [String: Log.Level] = ["debug": .debug, "info": .info, "notice": .notice, "warning": .warning, "error": .error]
            if let known = levels[name] { level = known } else {
                r.fail("logLevel", expected: "one of debug, info, notice, warning, error", foundText: "\"\(name)\"")
            }
        }
        guard r.problems.isEmpty, let broker else { throw ConfigurationError(file: file, problems: r.problems) }
        return CollectorConfiguration(broker: broker, dom: dom, stateDirectory: stateDirectory, logLevel: level, sourcePath: file)
    }

    private static func parseBroker(_ root: JSONValue, _ r: inout JSONFieldReader) -> Broker? {
        guard let b = r.object(root, "broker", path: "", required: true) else { return nil }
        r.checkKnownKeys(b, path: "broker", allowed: brokerKeys)
        let (url, endpoint) = DaemonConfiguration.parseBrokerURL(b, section: "broker", &r)
        let clientId = r.string(b, "clientId", path: "broker", required: true,
                                expected: "an MQTT client id unique to this collector instance (--client-id overrides it per instance)")
        let group = r.string(b, "group", path: "broker", required: false, expected: "a share name") ?? "iomt-collectors"
        // MQTT 5 §4.8.2: a ShareName has no "/", "+" or "#".
        if group.contains(where: { $0 == "/" || $0 == "+" || $0 == "#" }) {
            r.fail("broker.group", expected: "a share name without /, + or # (MQTT 5 §4.8.2)", foundText: "\"\(group)\"")
        }
        let prefix = r.string(b, "topicPrefix", path: "broker", required: true, expected: "the gateways' mqtt.topicPrefix, e.g. \"iomt/provider-a\"")
        if let prefix, let problem = MQTTTopics.prefixProblem(prefix) { r.fail("broker.topicPrefix", expected: problem, foundText: "\"\(prefix)\"") }
        var alerts = true
        if let value = b["alerts"], !value.isNull {
            if let flag = value.boolValue { alerts = flag } else { r.fail("broker.alerts", expected: "true or false", found: value) }
        }
        let login = DaemonConfiguration.parseBrokerLogin(b, section: "broker", url: url, endpoint: endpoint, &r)
        let receiveMaximum = r.integer(b, "receiveMaximum", path: "broker", range: 1...65_535, default: 10)
        let sessionExpiry = r.integer(b, "sessionExpirySeconds", path: "broker", range: 60...4_294_967_295, default: 604_800)
        let keepAlive = r.integer(b, "keepAliveSeconds", path: "broker", range: 5...65_535, default: 60)
        guard let endpoint, let clientId, let prefix else { return nil }
        return Broker(endpoint: endpoint, clientId: clientId, group: group, topicPrefix: prefix, alerts: alerts, caFile: login.caFile,
                      certFile: login.certFile, keyFile: login.keyFile, username: login.username, passwordFile: login.passwordFile,
                      receiveMaximum: receiveMaximum, sessionExpirySeconds: sessionExpiry, keepAliveSeconds: keepAlive)
    }
}
