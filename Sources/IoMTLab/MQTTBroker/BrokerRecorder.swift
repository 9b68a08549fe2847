import Foundation
import IoMTForward
import IoMTMQTT
import Synchronization

/// A subscriber (our libmosquitto client, QoS 1, clean start off, session kept 7 days) that records what the
/// broker delivers: the PHD conditional-create identifiers of every Observation in every bundle, the status
/// and alert messages. It reconnects by itself after the broker went away (20–200 ms backoff).
/// It logs in as `MosquittoBroker.subscriberUsername`: mosquitto drops what it routes to an anonymous session
/// restored from its persistence file before that client is back (issue 17). Its PUBACK is written only after the
/// message callback returned (threaded libmosquitto queues it), so an observer that stops the broker from the
/// callback leaves that message unacknowledged and the broker sends it again.
public final class BrokerRecorder: Sendable {
    public struct Record: Sendable {
        /// Distinct Observation identifiers (`ifNoneExist`) received on …/observations.
        public var identifiers: Set<String> = []
        /// Observation entries received, resends included.
        public var observationEntries = 0
        public var observationMessages = 0
        /// Payloads on …/status, in arrival order.
        public var statuses: [String] = []
        /// Payloads on …/alerts, in arrival order.
        public var alerts: [[UInt8]] = []
    }

    /// What the network thread's callback and the test share.
    private final class Shared: Sendable {
        let record = Mutex(Record())
        /// Called after each recorded message with the record so far (a test's trigger, e.g. a broker kill).
        let observer = Mutex<(@Sendable (Record) -> Void)?>(nil)
        let keeper = Mutex<Task<Void, Never>?>(nil)
    }

    public let client: MQTTClient
    private let shared: Shared

    public init(url: String, clientId: String, filter: String, username: String? = MosquittoBroker.subscriberUsername,
                observer: (@Sendable (Record) -> Void)? = nil) throws {
        let endpoint = try MQTTEndpoint.parse(url).get()
        let shared = Shared()
        self.shared = shared
        self.filter = filter
        shared.observer.withLock { $0 = observer }
        client = MQTTClient(options: MQTTClientOptions(endpoint: endpoint, clientId: clientId, username: username, timeoutMilliseconds: 5_000)) { topic, payload in
            let snapshot = shared.record.withLock { record -> Record in
                if topic.hasSuffix("/observations") {
                    record.observationMessages += 1
                    let found = BrokerRecorder.observationIdentifiers(payload)
                    record.observationEntries += found.count
                    record.identifiers.formUnion(found)
                } else if topic.hasSuffix("/status") {
                    record.statuses.append(String(decoding: payload, as: UTF8.self))
                } else if topic.hasSuffix("/alerts") {
                    record.alerts.append(payload)
                }
                return record
            }
            shared.observer.withLock { $0 }?(snapshot)
        }
    }

    private let filter: String

    /// Connects (subscribing on every connection) and keeps reconnecting until `stop`.
    public func start() async throws {
        await client.subscribe(filter)
        try await client.connect()
        let client = self.client
        shared.keeper.withLock { $0 = Task { await client.stayConnected(backoff: BackoffPolicy(baseMilliseconds: 20, capMilliseconds: 200)) } }
    }

    public func setObserver(_ observer: (@Sendable (Record) -> Void)?) { shared.observer.withLock { $0 = observer } }

    public var snapshot: Record { shared.record.withLock { $0 } }

    public func stop() async {
        shared.keeper.withLock { $0 }?.cancel()
        await client.close()
    }

    /// The conditional-create identifiers (`ifNoneExist`) of the Observations in one published bundle.
    public static func observationIdentifiers(_ payload: [UInt8]) -> [String] {
        guard let root = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
              let entries = root["entry"] as? [[String: Any]] else { return [] }
        return entries.compactMap { entry in
            guard let resource = entry["resource"] as? [String: Any], resource["resourceType"] as? String == "Observation",
                  let request = entry["request"] as? [String: Any] else { return nil }
            return request["ifNoneExist"] as? String
        }
    }
}
