import CMosquitto
import Dispatch
import Glibc
import IoMTSystem
import IoMTTransport
import Synchronization

/// One network connection to the broker: a libmosquitto handle, its network loop on a dedicated thread, and
/// the publishes waiting for their PUBACK. A connection is never reconnected: when it drops, every waiter
/// fails and the owner opens a new one (with its backoff), so a stale PUBACK can never complete a new publish.
final class MQTTConnection: Sendable {
    /// Called on the network thread for each received message. libmosquitto 2.0.11 builds the QoS 1 PUBACK before
    /// calling it (lib/handle_publish.c), but on a threaded handle (`mosquitto_threaded_set`) packet__queue only
    /// queues it; the loop writes it after the handler returned. So a handler that returns after the message is safe
    /// elsewhere makes the broker's redelivery cover every crash before that (seen: a broker stopped from the
    /// handler sent that message again, DUP 1, on reconnect).
    typealias MessageHandler = @Sendable (_ topic: String, _ payload: [UInt8]) -> Void

    private enum Phase { case connecting, connected, closed }

    private struct State {
        var phase = Phase.connecting
        var closeReason = ""
        var connectWaiter: CheckedContinuation<Result<Void, MQTTError>, Never>?
        var publishWaiters: [Int32: CheckedContinuation<Result<Void, MQTTError>, Never>] = [:]
        var subscribeWaiters: [Int32: CheckedContinuation<Result<Void, MQTTError>, Never>] = [:]
        var closeWaiters: [CheckedContinuation<String, Never>] = []
        /// Receive Maximum from CONNACK (MQTT 5 §3.2.2.3.3): QoS 1 publishes the broker accepts unacknowledged.
        var receiveMaximum = 65_535
    }

    nonisolated(unsafe) private let handle: OpaquePointer
    private let state = Mutex(State())
    private let onMessage: MessageHandler?

    private init(handle: OpaquePointer, onMessage: MessageHandler?) {
        self.handle = handle; self.onMessage = onMessage
    }

    /// Connects (TCP, TLS, CONNECT) and waits for a successful CONNACK.
    static func open(_ options: MQTTClientOptions, onMessage: MessageHandler? = nil) async -> Result<MQTTConnection, MQTTError> {
        MosquittoLibrary.initialise()
        // Clean start off: the session (and queued QoS 1 messages for a subscriber) outlives the connection.
        guard let handle = mosquitto_new(options.clientId, false, nil) else { return .failure(.invalid("mosquitto_new failed (out of memory?)")) }
        let connection = MQTTConnection(handle: handle, onMessage: onMessage)
        if let problem = connection.configure(options) {
            mosquitto_destroy(handle)
            return .failure(problem)
        }
        let started: Result<Void, MQTTError> = await withCheckedContinuation { continuation in
            connection.state.withLock { $0.connectWaiter = continuation }
            DispatchQueue.global().async { connection.connectAndRun(options) }
        }
        let timeout = Task {
            // Cancelled once CONNACK arrived: then the connection must stay open.
            guard (try? await Task.sleep(for: .milliseconds(options.timeoutMilliseconds))) != nil else { return }
            connection.close(reason: "no CONNACK within \(options.timeoutMilliseconds) ms", failWith: .timeout)
        }
        defer { timeout.cancel() }
        switch started {
        case .success:
            let connected: Result<Void, MQTTError> = await withCheckedContinuation { continuation in
                connection.state.withLock { state in
                    switch state.phase {
                    case .connected: continuation.resume(returning: .success(()))
                    case .closed: continuation.resume(returning: .failure(.connect(state.closeReason)))
                    case .connecting: state.connectWaiter = continuation
                    }
                }
            }
            return connected.map { connection }
        case let .failure(error):
            return .failure(error)
        }
    }

    private func configure(_ options: MQTTClientOptions) -> MQTTError? {
        let object = Unmanaged.passUnretained(self).toOpaque()
        mosquitto_user_data_set(handle, object)
        mosquitto_threaded_set(handle, true)
        var rc = mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5)
        guard rc == MOSQ_ERR_SUCCESS.rawValue else { return .invalid("MQTT 5 not supported by this libmosquitto: \(Self.text(rc))") }
        if options.endpoint.usesTLS {
            if options.caFile == nil { _ = mosquitto_int_option(handle, MOSQ_OPT_TLS_USE_OS_CERTS, 1) }
            rc = mosquitto_tls_set(handle, options.caFile, nil, options.certFile, options.keyFile, nil)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else { return .invalid("TLS files refused: \(Self.text(rc)) (check caFile, certFile, keyFile)") }
            // SSL_VERIFY_PEER (1); host name checking stays on (mosquitto_tls_insecure_set is never called).
            rc = mosquitto_tls_opts_set(handle, 1, nil, nil)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else { return .invalid("TLS options refused: \(Self.text(rc))") }
        }
        if let username = options.username {
            rc = mosquitto_username_pw_set(handle, username, options.password)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else { return .invalid("username refused: \(Self.text(rc))") }
        }
        if let statusTopic = options.statusTopic {
            let offline = Array("offline".utf8)
            rc = mosquitto_will_set_v5(handle, statusTopic, Int32(offline.count), offline, 1, true, nil)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else { return .invalid("Last Will topic \(statusTopic) refused: \(Self.text(rc))") }
        }
        mosquitto_connect_v5_callback_set(handle) { _, object, reason, _, properties in
            guard let object else { return }
            var receiveMaximum: UInt16 = 65_535
            _ = mosquitto_property_read_int16(properties, Int32(MQTT_PROP_RECEIVE_MAXIMUM.rawValue), &receiveMaximum, false)
            Unmanaged<MQTTConnection>.fromOpaque(object).takeUnretainedValue().didConnect(reason: reason, receiveMaximum: Int(receiveMaximum))
        }
        mosquitto_disconnect_v5_callback_set(handle) { _, object, rc, _ in
            guard let object else { return }
            Unmanaged<MQTTConnection>.fromOpaque(object).takeUnretainedValue()
                .close(reason: "disconnected (\(MQTTConnection.text(rc)))", failWith: nil)
        }
        mosquitto_publish_v5_callback_set(handle) { _, object, mid, reason, _ in
            guard let object else { return }
            Unmanaged<MQTTConnection>.fromOpaque(object).takeUnretainedValue().didAcknowledge(mid: mid, reason: reason)
        }
        mosquitto_subscribe_v5_callback_set(handle) { _, object, mid, count, granted, _ in
            guard let object else { return }
            let codes = (0..<Int(max(count, 0))).map { granted?[$0] ?? 0x80 }
            Unmanaged<MQTTConnection>.fromOpaque(object).takeUnretainedValue().didSubscribe(mid: mid, codes: codes)
        }
        mosquitto_message_v5_callback_set(handle) { _, object, message, _ in
            guard let object, let message = message?.pointee else { return }
            let connection = Unmanaged<MQTTConnection>.fromOpaque(object).takeUnretainedValue()
            let topic = message.topic.map { String(cString: $0) } ?? ""
            let count = Int(max(message.payloadlen, 0))
            let payload = message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
            connection.onMessage?(topic, payload)
        }
        return nil
    }

    /// Blocking connect, then the network loop until the connection closes. Runs off the cooperative pool.
    private func connectAndRun(_ options: MQTTClientOptions) {
        var properties: OpaquePointer? = nil
        _ = mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), options.sessionExpirySeconds)
        let rc = mosquitto_connect_bind_v5(handle, options.endpoint.host, options.endpoint.port, options.keepAliveSeconds, nil, properties)
        mosquitto_property_free_all(&properties)
        guard rc == MOSQ_ERR_SUCCESS.rawValue else {
            let reason = rc == MOSQ_ERR_ERRNO.rawValue ? Errno.text(errno) : Self.text(rc)
            close(reason: "\(options.endpoint): \(reason)", failWith: .connect("\(options.endpoint): \(reason)"))
            mosquitto_destroy(handle)
            return
        }
        resumeConnectWaiter(.success(()))
        // The loop keeps this object alive until the handle is destroyed.
        let retained = Unmanaged.passRetained(self)
        DedicatedThread.start {
            let connection = retained.takeUnretainedValue()
            while connection.isOpen {
                let rc = mosquitto_loop(connection.handle, 100, 1)
                if rc != MOSQ_ERR_SUCCESS.rawValue {
                    connection.close(reason: "network loop ended: \(MQTTConnection.text(rc))", failWith: nil)
                }
            }
            mosquitto_disconnect(connection.handle)
            mosquitto_destroy(connection.handle)
            retained.release()
        }
    }

    var isOpen: Bool { state.withLock { $0.phase != .closed } }
    var receiveMaximum: Int { state.withLock { $0.receiveMaximum } }

    /// Publishes and waits for the PUBACK (QoS 1). Success means the broker took responsibility for the message.
    func publish(topic: String, payload: [UInt8], retain: Bool, timeoutMilliseconds: Int) async -> Result<Void, MQTTError> {
        var sentMid: Int32 = 0
        let result: Result<Void, MQTTError> = await withCheckedContinuation { continuation in
            // The lock is held across mosquitto_publish_v5 so the PUBACK callback (which takes it) cannot run
            // before the waiter is registered; libmosquitto calls callbacks without its message locks held.
            state.withLock { state in
                guard state.phase == .connected else {
                    continuation.resume(returning: .failure(.connectionLost(state.closeReason.isEmpty ? "not connected" : state.closeReason)))
                    return
                }
                var mid: Int32 = 0
                let rc = payload.withUnsafeBytes { bytes in
                    mosquitto_publish_v5(handle, &mid, topic, Int32(bytes.count), bytes.baseAddress, 1, retain, nil)
                }
                guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                    let error: MQTTError = rc == MOSQ_ERR_NO_CONN.rawValue || rc == MOSQ_ERR_CONN_LOST.rawValue
                        ? .connectionLost(Self.text(rc)) : .invalid("publish to \(topic) refused: \(Self.text(rc))")
                    continuation.resume(returning: .failure(error))
                    return
                }
                sentMid = mid
                state.publishWaiters[mid] = continuation
                let watchedMid = mid
                Task { [weak self] in
                    try? await Task.sleep(for: .milliseconds(timeoutMilliseconds))
                    self?.expire(mid: watchedMid)
                }
            }
        }
        _ = sentMid
        return result
    }

    /// Subscribes (QoS 1) and waits for the SUBACK.
    func subscribe(_ filter: String, timeoutMilliseconds: Int) async -> Result<Void, MQTTError> {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                guard state.phase == .connected else { continuation.resume(returning: .failure(.connectionLost("not connected"))); return }
                var mid: Int32 = 0
                let rc = mosquitto_subscribe_v5(handle, &mid, filter, 1, 0, nil)
                guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                    continuation.resume(returning: .failure(.invalid("subscribe to \(filter) refused: \(Self.text(rc))")))
                    return
                }
                state.subscribeWaiters[mid] = continuation
            }
        }
    }

    /// Returns once the connection has closed, with the reason.
    func closed() async -> String {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                if state.phase == .closed { continuation.resume(returning: state.closeReason) } else { state.closeWaiters.append(continuation) }
            }
        }
    }

    /// A publish without its PUBACK in time: the connection is not trusted any more.
    private func expire(mid: Int32) {
        let waiting = state.withLock { $0.publishWaiters[mid] != nil }
        if waiting { close(reason: "no PUBACK in time", failWith: .timeout) }
    }

    /// Ends the connection; every waiter fails with `failWith` (or connection-lost with the reason).
    func close(reason: String, failWith error: MQTTError?) {
        let failure = error ?? .connectionLost(reason)
        let (waiters, closeWaiters) = state.withLock { state -> ([CheckedContinuation<Result<Void, MQTTError>, Never>], [CheckedContinuation<String, Never>]) in
            guard state.phase != .closed else { return ([], []) }
            state.phase = .closed
            state.closeReason = reason
            let all = Array(state.publishWaiters.values) + Array(state.subscribeWaiters.values) + (state.connectWaiter.map { [$0] } ?? [])
            state.publishWaiters = [:]; state.subscribeWaiters = [:]; state.connectWaiter = nil
            defer { state.closeWaiters = [] }
            return (all, state.closeWaiters)
        }
        for waiter in waiters { waiter.resume(returning: .failure(failure)) }
        for waiter in closeWaiters { waiter.resume(returning: reason) }
    }

    private func resumeConnectWaiter(_ result: Result<Void, MQTTError>) {
        let waiter = state.withLock { state in
            defer { state.connectWaiter = nil }
            return state.connectWaiter
        }
        waiter?.resume(returning: result)
    }

    private func didConnect(reason: Int32, receiveMaximum: Int) {
        guard reason == 0 else {
            close(reason: "CONNACK \(Self.reason(reason))", failWith: .refusedConnection(Self.reason(reason)))
            return
        }
        let waiter = state.withLock { state -> CheckedContinuation<Result<Void, MQTTError>, Never>? in
            state.phase = .connected
            state.receiveMaximum = max(1, receiveMaximum)
            defer { state.connectWaiter = nil }
            return state.connectWaiter
        }
        waiter?.resume(returning: .success(()))
    }

    private func didAcknowledge(mid: Int32, reason: Int32) {
        let waiter = state.withLock { $0.publishWaiters.removeValue(forKey: mid) }
        // Reason codes below 0x80 are success (0x10 "no matching subscribers" included: the broker has it).
        waiter?.resume(returning: reason < 0x80 ? .success(()) : .failure(.refusedPublish(Self.reason(reason))))
    }

    private func didSubscribe(mid: Int32, codes: [Int32]) {
        let waiter = state.withLock { $0.subscribeWaiters.removeValue(forKey: mid) }
        let refused = codes.first { $0 >= 0x80 }
        waiter?.resume(returning: refused.map { .failure(.refusedConnection("SUBACK \(Self.reason($0))")) } ?? .success(()))
    }

    static func text(_ rc: Int32) -> String { String(cString: mosquitto_strerror(rc)) }
    static func reason(_ code: Int32) -> String { String(cString: mosquitto_reason_string(code)) + " (0x\(String(code, radix: 16)))" }
}

/// `mosquitto_lib_init` must run once before any handle exists.
enum MosquittoLibrary {
    private static let initialised: Bool = mosquitto_lib_init() == MOSQ_ERR_SUCCESS.rawValue
    static func initialise() { _ = initialised }
}
