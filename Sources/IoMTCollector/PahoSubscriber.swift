import CPaho
import Dispatch
import Glibc
import IoMTCore
import Synchronization

/// Where and how the subscriber connects.
public struct SubscriberOptions: Sendable, Hashable {
    /// Paho's form: `tcp://127.0.0.1:1883` or `ssl://broker.example:8883`.
    public var serverURI: String
    public var clientId: String
    public var topicFilters: [String]
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public var username: String?
    public var password: String?
    /// CONNECT Receive Maximum (MQTT 5 §3.1.2.11.3): unacknowledged QoS 1 messages the broker may send at once.
    public var receiveMaximum: Int
    public var sessionExpirySeconds: UInt32
    public var keepAliveSeconds: Int

    public init(serverURI: String, clientId: String, topicFilters: [String], caFile: String? = nil, certFile: String? = nil,
                keyFile: String? = nil, username: String? = nil, password: String? = nil, receiveMaximum: Int = 10,
                sessionExpirySeconds: UInt32 = 604_800, keepAliveSeconds: Int = 60) {
        self.serverURI = serverURI; self.clientId = clientId; self.topicFilters = topicFilters; self.caFile = caFile
        self.certFile = certFile; self.keyFile = keyFile; self.username = username; self.password = password
        self.receiveMaximum = receiveMaximum; self.sessionExpirySeconds = sessionExpirySeconds; self.keepAliveSeconds = keepAliveSeconds
    }
}

public struct ReceivedMessage: Sendable, Hashable {
    public var topic: String
    public var payload: [UInt8]
    /// The broker's DUP flag: sent before and not acknowledged (a collector stopped or died holding it).
    public var redelivered: Bool
}

public struct SubscriberError: Error, CustomStringConvertible {
    public let description: String
}

/// An MQTT 5 subscriber on Eclipse Paho C's asynchronous client that acknowledges a QoS 1 message only when the
/// handler is done with it.
///
/// Why this holds (Paho C 1.3.12, src/MQTTProtocolClient.c `MQTTProtocol_handlePublishes` and src/MQTTAsyncUtils.c
/// `Protocol_processPublication`): for a QoS 1 PUBLISH the receive thread first hands the message to
/// `messageArrived` — synchronously, when the client's message queue is empty and it is connected — and sends the
/// PUBACK only after that call returned. So the callback blocks until the handler decided: DOM accepted the bundle (or
/// it was quarantined to disk), then it returns 1 and the PUBACK follows; a process killed before that never
/// acknowledged, and the broker sends the message again. Returning 0 would *not* withhold the PUBACK (Paho queues the
/// message in memory and acknowledges it anyway), so this class never returns 0: a message it must not acknowledge
/// (stopping) keeps the callback blocked until the process exits. Messages are therefore handled one at a time per
/// process (Paho has one receive thread); the Receive Maximum only bounds what the broker sends ahead.
public final class PahoSubscriber: @unchecked Sendable {
    public typealias Handler = @Sendable (ReceivedMessage) async -> Disposition

    private let options: SubscriberOptions
    private let handler: Handler
    private let onSubscribed: @Sendable () -> Void
    /// Schedules the retries of a first connect that failed.
    private let clock: any SchedulingClock
    private var handle: MQTTAsync?
    // C memory Paho reads for as long as the client lives (reconnects reuse the connect options).
    private var cStrings: [UnsafeMutablePointer<CChar>] = []
    private var ssl: UnsafeMutablePointer<MQTTAsync_SSLOptions>?
    private var connectProperties = UnsafeMutablePointer<MQTTProperties>.allocate(capacity: 1)
    private var connectOptions = UnsafeMutablePointer<MQTTAsync_connectOptions>.allocate(capacity: 1)

    private struct State {
        var stopping = false
        var inFlight: Task<Void, Never>?
        var quiet: [CheckedContinuation<Void, Never>] = []
        var connectFailures = 0
    }
    private let state = Mutex(State())

    public init(options: SubscriberOptions, onSubscribed: @escaping @Sendable () -> Void = {}, clock: any SchedulingClock = SystemClock(),
                handler: @escaping Handler) {
        self.options = options; self.handler = handler; self.onSubscribed = onSubscribed; self.clock = clock
        connectProperties.initialize(to: MQTTProperties(count: 0, max_count: 0, length: 0, array: nil))
        connectOptions.initialize(to: iomt_paho_connect_options5())
    }

    deinit {
        if handle != nil { MQTTAsync_destroy(&handle) }
        MQTTProperties_free(connectProperties)
        connectProperties.deallocate()
        connectOptions.deallocate()
        ssl?.deallocate()
        for string in cStrings { free(string) }
    }

    private func keep(_ text: String?) -> UnsafePointer<CChar>? {
        guard let text, let copy = strdup(text) else { return nil }
        cStrings.append(copy)
        return UnsafePointer(copy)
    }

    /// Creates the client and starts connecting; the broker's answer arrives on Paho's threads.
    public func start() throws(SubscriberError) {
        var create = iomt_paho_create_options5()
        create.MQTTVersion = MQTTVERSION_5
        var made: MQTTAsync?
        var rc = MQTTAsync_createWithOptions(&made, options.serverURI, options.clientId, MQTTCLIENT_PERSISTENCE_NONE, nil, &create)
        guard rc == MQTTASYNC_SUCCESS, let made else { throw SubscriberError(description: "cannot create the MQTT client for \(options.serverURI): \(Self.text(rc))") }
        handle = made
        let context = Unmanaged.passUnretained(self).toOpaque()
        rc = MQTTAsync_setCallbacks(made, context, { context, cause in
            let reason = cause.map { String(cString: $0) } ?? "no reason given"
            Log.warning("connection to the MQTT broker lost (\(reason)); reconnecting, unacknowledged messages will be sent again", "collector")
            _ = context
        }, { context, topic, length, message in
            Unmanaged<PahoSubscriber>.fromOpaque(context!).takeUnretainedValue().arrived(topic: topic, length: length, message: message)
        }, nil)
        guard rc == MQTTASYNC_SUCCESS else { throw SubscriberError(description: "cannot set the MQTT callbacks: \(Self.text(rc))") }
        rc = MQTTAsync_setConnected(made, context) { context, _ in
            Unmanaged<PahoSubscriber>.fromOpaque(context!).takeUnretainedValue().subscribe()
        }
        guard rc == MQTTASYNC_SUCCESS else { throw SubscriberError(description: "cannot set the MQTT connected callback: \(Self.text(rc))") }

        _ = iomt_paho_add_integer_property(connectProperties, MQTTPROPERTY_CODE_SESSION_EXPIRY_INTERVAL, options.sessionExpirySeconds)
        _ = iomt_paho_add_integer_property(connectProperties, MQTTPROPERTY_CODE_RECEIVE_MAXIMUM, UInt32(options.receiveMaximum))
        var connect = iomt_paho_connect_options5()
        connect.keepAliveInterval = Int32(options.keepAliveSeconds)
        connect.cleanstart = 0
        connect.connectProperties = connectProperties
        connect.automaticReconnect = 1
        connect.minRetryInterval = 1
        connect.maxRetryInterval = 60
        connect.connectTimeout = 30
        connect.username = keep(options.username)
        connect.password = keep(options.password)
        if options.serverURI.hasPrefix("ssl://") {
            let settings = UnsafeMutablePointer<MQTTAsync_SSLOptions>.allocate(capacity: 1)
            var tls = iomt_paho_ssl_options()
            tls.enableServerCertAuth = 1
            tls.verify = 1 // the broker's host name is checked against its certificate, not only the chain
            tls.trustStore = keep(options.caFile)
            tls.keyStore = keep(options.certFile)
            tls.privateKey = keep(options.keyFile)
            // OpenSSL's reason (unknown CA, host name mismatch, expired) for the log; Paho alone says "TLS connect failure".
            tls.ssl_error_cb = { text, length, _ in
                if let text { Log.warning("TLS to the MQTT broker: " + String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self), "collector") }
                return 0
            }
            settings.initialize(to: tls)
            ssl = settings
            connect.ssl = settings
        }
        connect.context = context
        connect.onFailure5 = { context, response in
            Unmanaged<PahoSubscriber>.fromOpaque(context!).takeUnretainedValue().connectFailed(response)
        }
        connectOptions.pointee = connect
        rc = MQTTAsync_connect(made, connectOptions)
        guard rc == MQTTASYNC_SUCCESS else { throw SubscriberError(description: "cannot start connecting to \(options.serverURI): \(Self.text(rc))") }
    }

    /// Stops taking messages: a message being relayed is given up (its wait cancelled) unless DOM answers first.
    /// Returns once no message is between arrival and decision; the caller then exits the process, so a message
    /// left unacknowledged is never acknowledged and the broker sends it again.
    public func prepareToStop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                state.stopping = true
                guard let task = state.inFlight else { return true }
                task.cancel()
                state.quiet.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    // MARK: Paho callbacks (its threads)

    private func arrived(topic: UnsafeMutablePointer<CChar>?, length: Int32, message: UnsafeMutablePointer<MQTTAsync_message>?) -> Int32 {
        guard let topic, let message else { return 1 }
        let name = length > 0
            ? String(decoding: UnsafeRawBufferPointer(start: topic, count: Int(length)), as: UTF8.self)
            : String(cString: topic)
        let size = Int(max(0, message.pointee.payloadlen))
        let payload = size == 0 || message.pointee.payload == nil
            ? [] : Array(UnsafeRawBufferPointer(start: message.pointee.payload, count: size))
        let received = ReceivedMessage(topic: name, payload: payload, redelivered: message.pointee.dup != 0)

        let done = DispatchSemaphore(value: 0)
        let decision = DecisionBox()
        let handler = self.handler
        let started = state.withLock { state -> Bool in
            guard !state.stopping else { return false }
            state.inFlight = Task {
                let disposition = await handler(received)
                decision.value.withLock { $0 = disposition }
                done.signal()
            }
            return true
        }
        guard started else { Self.holdUntilExit() }
        done.wait()
        let disposition = decision.value.withLock { $0 }
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.inFlight = nil
            defer { state.quiet = [] }
            return state.stopping ? state.quiet : []
        }
        if disposition == .leaveUnacknowledged {
            for waiter in waiters { waiter.resume() }
            Self.holdUntilExit()
        }
        var owned: UnsafeMutablePointer<MQTTAsync_message>? = message
        MQTTAsync_freeMessage(&owned)
        MQTTAsync_free(topic)
        for waiter in waiters { waiter.resume() }
        return 1 // Paho sends the PUBACK after this returns
    }

    /// Never returns: the message is not to be acknowledged, and returning would acknowledge it.
    private static func holdUntilExit() -> Never {
        while true { DispatchSemaphore(value: 0).wait() }
    }

    private func subscribe() {
        state.withLock { $0.connectFailures = 0 }
        guard let handle else { return }
        var response = iomt_paho_response_options()
        response.context = Unmanaged.passUnretained(self).toOpaque()
        response.onSuccess5 = { context, data in
            Unmanaged<PahoSubscriber>.fromOpaque(context!).takeUnretainedValue().subscribed(data)
        }
        response.onFailure5 = { _, data in
            let code = data.map { Int($0.pointee.reasonCode.rawValue) } ?? -1
            Log.error("the MQTT broker refused the subscription (reason code \(code)); no messages will arrive — check the broker's ACL and shared-subscription support", "collector")
        }
        let filters = options.topicFilters.map { strdup($0) }
        defer { filters.forEach { free($0) } }
        let qos = [Int32](repeating: 1, count: filters.count)
        let rc = filters.withUnsafeBufferPointer { names in
            names.withMemoryRebound(to: UnsafeMutablePointer<CChar>?.self) { rebound in
                MQTTAsync_subscribeMany(handle, Int32(filters.count), rebound.baseAddress, qos, &response)
            }
        }
        if rc != MQTTASYNC_SUCCESS { Log.error("cannot subscribe: \(Self.text(rc))", "collector") }
    }

    private func subscribed(_ data: UnsafeMutablePointer<MQTTAsync_successData5>?) {
        var refused: [Int] = []
        if let data {
            // Paho 1.3 sets reasonCodeCount to the number of filters but allocates `reasonCodes` only when it is above 1;
            // for one filter the pointer is uninitialised stack (reading it crashed the process) and the code is `reasonCode`.
            let codes = data.pointee.alt.sub
            if codes.reasonCodeCount > 1, let list = codes.reasonCodes {
                for index in 0..<Int(codes.reasonCodeCount) where list[index].rawValue >= 0x80 { refused.append(Int(list[index].rawValue)) }
            } else if data.pointee.reasonCode.rawValue >= 0x80 {
                refused.append(Int(data.pointee.reasonCode.rawValue))
            }
        }
        guard refused.isEmpty else {
            Log.error("the MQTT broker refused the subscription to \(options.topicFilters.joined(separator: ", ")) (reason codes \(refused)); check the broker's ACL and shared-subscription support", "collector")
            return
        }
        Log.notice("subscribed to \(options.topicFilters.joined(separator: ", ")) as \(options.clientId) (QoS 1, receive maximum \(options.receiveMaximum))", "collector")
        onSubscribed()
    }

    private func connectFailed(_ response: UnsafeMutablePointer<MQTTAsync_failureData5>?) {
        let reason = response.map { data -> String in
            let text = data.pointee.message.map { String(cString: $0) } ?? ""
            return "reason code \(data.pointee.reasonCode.rawValue), \(Self.text(data.pointee.code))" + (text.isEmpty ? "" : ": \(text)")
        } ?? "no answer"
        let failures = state.withLock { state -> Int in state.connectFailures += 1; return state.connectFailures }
        // Paho reconnects by itself only after a first success; before that, try again with capped backoff.
        let delay = Self.connectRetryDelay(failures: failures)
        Log.warning("cannot connect to the MQTT broker \(options.serverURI) (\(reason)); retrying in \(delay)", "collector")
        Task { [self] in
            try? await clock.sleep(for: delay)
            guard let handle, !state.withLock({ $0.stopping }), MQTTAsync_isConnected(handle) == 0 else { return }
            _ = MQTTAsync_connect(handle, connectOptions)
        }
    }

    /// 1 s after the first failure, doubling, at most 60 s.
    static func connectRetryDelay(failures: Int) -> Duration {
        .seconds(min(60, 1 << min(max(failures, 1) - 1, 6)))
    }

    private static func text(_ code: Int32) -> String {
        MQTTAsync_strerror(code).map { String(cString: $0) } ?? "error \(code)"
    }
}

/// The handler's decision, handed from its task to the blocked Paho thread.
private final class DecisionBox: Sendable {
    let value = Mutex(Disposition.leaveUnacknowledged)
}
