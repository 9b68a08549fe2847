import IoMTCore
import IoMTForward

/// A long-lived MQTT 5 client: opens a connection when asked to publish and none is up, announces "online"
/// (retained) on each new connection, and reports every failure to its caller — who retries with its backoff
/// (the Forwarder's BackoffPolicy), so the broker sees the same reconnect rules as DOM does.
public actor MQTTClient {
    public let options: MQTTClientOptions
    private var connection: MQTTConnection?
    private let onMessage: (@Sendable (String, [UInt8]) -> Void)?
    private var subscriptions: [String] = []

    public init(options: MQTTClientOptions, onMessage: (@Sendable (_ topic: String, _ payload: [UInt8]) -> Void)? = nil) {
        self.options = options; self.onMessage = onMessage
    }

    /// Subscriptions (QoS 1) made on every connection this client opens.
    public func subscribe(_ filter: String) { subscriptions.append(filter) }

    /// Receive Maximum the broker announced on the current connection (nil: not connected).
    public var receiveMaximum: Int? { connection?.isOpen == true ? connection?.receiveMaximum : nil }

    public var isConnected: Bool { connection?.isOpen == true }

    /// Connects unless connected; throws what went wrong.
    public func connect() async throws(MQTTError) {
        if let connection, connection.isOpen { return }
        connection = nil
        let opened: MQTTConnection
        switch await MQTTConnection.open(options, onMessage: onMessage) {
        case let .success(value): opened = value
        case let .failure(error): throw error
        }
        if let statusTopic = options.statusTopic {
            if case let .failure(error) = await opened.publish(topic: statusTopic, payload: Array("online".utf8), retain: true,
                                                               timeoutMilliseconds: options.timeoutMilliseconds) {
                opened.close(reason: "status announcement failed", failWith: nil)
                throw error
            }
        }
        for filter in subscriptions {
            if case let .failure(error) = await opened.subscribe(filter, timeoutMilliseconds: options.timeoutMilliseconds) {
                opened.close(reason: "subscribe failed", failWith: nil)
                throw error
            }
        }
        connection = opened
        Log.info("connected to \(options.endpoint) as \(options.clientId)", "mqtt")
    }

    /// Publishes with QoS 1; returns only once the broker acknowledged it with a success reason code.
    public func publish(topic: String, payload: [UInt8], retain: Bool = false) async throws(MQTTError) {
        try await connect()
        guard let connection else { throw .connectionLost("not connected") }
        if case let .failure(error) = await connection.publish(topic: topic, payload: payload, retain: retain,
                                                               timeoutMilliseconds: options.timeoutMilliseconds) {
            if !connection.isOpen { self.connection = nil }
            throw error
        }
    }

    /// Keeps a subscriber connected until cancelled: connects, waits for the connection to drop, reconnects
    /// after the BackoffPolicy's delay (waited on `clock`) while connecting fails.
    public func stayConnected(backoff: BackoffPolicy, seed: UInt64 = UInt64.random(in: 0...UInt64.max),
                              clock: any SchedulingClock = SystemClock()) async {
        var generator = SeededRandom(seed: seed)
        var failures = 0
        while !Task.isCancelled {
            do {
                try await connect()
                failures = 0
                guard let connection else { continue }
                let reason = await connection.closed()
                self.connection = nil
                Log.warning("connection to \(options.endpoint) closed: \(reason)", "mqtt")
            } catch {
                failures += 1
                let delay = backoff.delay(failures: failures, using: &generator)
                Log.warning("cannot connect to \(options.endpoint) (\(error)); retrying in \(delay) ms", "mqtt")
                do { try await clock.sleep(for: .milliseconds(delay)) } catch { return } // cancelled
            }
        }
    }

    /// Closes cleanly (DISCONNECT): the Last Will is not sent, so say "offline" first.
    public func close() async {
        guard let connection, connection.isOpen else { return }
        if let statusTopic = options.statusTopic {
            _ = await connection.publish(topic: statusTopic, payload: Array("offline".utf8), retain: true, timeoutMilliseconds: 2_000)
        }
        connection.close(reason: "closed", failWith: nil)
        self.connection = nil
    }
}
