/// How to reach and log in to the broker (from the `mqtt` configuration section).
public struct MQTTClientOptions: Sendable, Hashable {
    public var endpoint: MQTTEndpoint
    public var clientId: String
    /// PEM CA bundle that signs the broker's certificate; nil: the system store.
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public var username: String?
    public var password: String?
    /// Retained "online" on connect, Last Will "offline" (retained) when the connection dies uncleanly.
    public var statusTopic: String?
    /// MQTT 5 Session Expiry Interval: the broker keeps the session (and a subscriber's queued messages) this long.
    public var sessionExpirySeconds: UInt32
    public var keepAliveSeconds: Int32
    public var timeoutMilliseconds: Int

    public init(endpoint: MQTTEndpoint, clientId: String, caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil,
                username: String? = nil, password: String? = nil, statusTopic: String? = nil,
                sessionExpirySeconds: UInt32 = 7 * 24 * 3600, keepAliveSeconds: Int32 = 30, timeoutMilliseconds: Int = 10_000) {
        self.endpoint = endpoint; self.clientId = clientId; self.caFile = caFile; self.certFile = certFile; self.keyFile = keyFile
        self.username = username; self.password = password; self.statusTopic = statusTopic
        self.sessionExpirySeconds = sessionExpirySeconds; self.keepAliveSeconds = keepAliveSeconds; self.timeoutMilliseconds = timeoutMilliseconds
    }
}
