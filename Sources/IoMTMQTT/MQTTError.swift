/// Why an MQTT operation did not complete; `kind` is what delivery metrics count.
public enum MQTTError: Error, Sendable, Hashable, CustomStringConvertible {
    /// TCP/TLS connection or CONNECT could not be made.
    case connect(String)
    /// The broker answered CONNACK with a failure reason (bad credentials, not authorised, …).
    case refusedConnection(String)
    /// The connection dropped with the operation outstanding: the publish may or may not have arrived.
    case connectionLost(String)
    /// No PUBACK (or CONNACK) in time; the connection is closed so nothing half-known lingers.
    case timeout
    /// The broker answered PUBACK with a failure reason code (≥ 0x80).
    case refusedPublish(String)
    /// The library refused the call (bad topic, payload too large, out of memory).
    case invalid(String)

    public var kind: String {
        switch self {
        case .connect: "connect"
        case .refusedConnection: "refused"
        case .connectionLost: "reset"
        case .timeout: "timeout"
        case .refusedPublish: "puback-refused"
        case .invalid: "invalid"
        }
    }

    public var description: String {
        switch self {
        case let .connect(m): "cannot connect to the broker: \(m)"
        case let .refusedConnection(m): "the broker refused the connection: \(m)"
        case let .connectionLost(m): "connection to the broker lost: \(m)"
        case .timeout: "the broker did not answer in time"
        case let .refusedPublish(m): "the broker refused the message: \(m)"
        case let .invalid(m): m
        }
    }
}
