import Glibc
import IoMTSystem
import Synchronization

/// A connection to a message bus over a Unix socket.
///
/// One dedicated reader thread blocks on the socket, splits the stream into messages and routes
/// them: replies to the awaiting call, signals to the subscriptions whose rule matches, method calls
/// to the exported objects (their handlers run as tasks). Writers take a lock and write whole
/// messages. When the socket ends or carries an invalid message, every pending call fails with
/// `DBusError.disconnected` and every subscription's stream finishes with it.
public final class DBusConnection: Sendable {
    /// The name the bus gave us in reply to Hello, e.g. ":1.42".
    public let uniqueName: String
    /// The server's GUID from the authentication exchange.
    public let serverGUID: String
    /// Whether the server agreed to pass Unix file descriptors (NEGOTIATE_UNIX_FD).
    public let unixFDsAgreed: Bool

    struct PendingCall {
        let continuation: CheckedContinuation<DBusMessage, any Error>
        /// Set when the destination is a unique name or the bus: only that sender may answer
        /// (the bus stamps SENDER, so another client cannot forge the reply).
        let expectedSender: String?
        var timeoutTask: Task<Void, Never>?
    }

    struct Subscription {
        let rule: DBusMatchRule
        let continuation: AsyncThrowingStream<DBusMessage, any Error>.Continuation
    }

    struct State {
        var nextSerial: UInt32 = 2 // 1 was Hello
        var pending: [UInt32: PendingCall] = [:]
        var subscriptions: [Int: Subscription] = [:]
        var nextSubscriptionID = 1
        var objects = ObjectRegistry()
        var handlerTasks: [Int: Task<Void, Never>] = [:]
        var nextHandlerID = 1
        /// Well-known sender names of subscriptions → their current unique owner, kept current by
        /// NameOwnerChanged (the bus rewrites SENDER to unique names).
        var watchedNames: Set<String> = []
        var owners: [String: String] = [:]
        var skippedMessages = 0
        var closeReason: DBusError?
        var closeWaiters: [CheckedContinuation<DBusError, Never>] = []
    }

    let socket: UnixSocket
    let state = Mutex(State())
    /// True while the socket may be written; the reader closes the descriptor under this lock.
    private let writable = Mutex(true)
    /// True once the descriptor is closed, so `close()` never shuts down a reused descriptor number.
    /// Separate from `writable` so `close()` cannot wait behind a writer blocked on a full socket.
    private let descriptorClosed = Mutex(false)

    private init(socket: UnixSocket, uniqueName: String, guid: String, unixFDs: Bool) {
        self.socket = socket
        self.uniqueName = uniqueName
        self.serverGUID = guid
        self.unixFDsAgreed = unixFDs
    }

    // MARK: - Connecting

    /// Connects to the first reachable address, authenticates with EXTERNAL and says Hello.
    /// `maxIncomingMessageBytes`: longer messages are skipped unread (a call whose reply is skipped
    /// times out). BlueZ's messages are far smaller than the 4 MiB default; the spec allows 128 MiB.
    public static func connect(to addresses: [DBusAddress], negotiateUnixFDs: Bool = false,
                               maxIncomingMessageBytes: Int = 4 << 20) async throws(DBusError) -> DBusConnection {
        let (socket, guid, unixFDs, uniqueName, leftover) = try await DedicatedThread.run { () throws(DBusError) in
            var failures: [String] = []
            for address in addresses {
                let socket: UnixSocket
                do { socket = try UnixSocket.connect(to: address) } catch {
                    failures.append("\(error)")
                    continue
                }
                do throws(DBusError) {
                    let (guid, unixFDs) = try socket.authenticate(negotiateUnixFDs: negotiateUnixFDs)
                    let (uniqueName, leftover) = try hello(on: socket)
                    return (socket, guid, unixFDs, uniqueName, leftover)
                } catch {
                    socket.closeDescriptor()
                    throw error
                }
            }
            throw DBusError.connectFailed(address: addresses.map(\.description).joined(separator: ";"),
                                          reason: failures.joined(separator: "; "))
        }
        let connection = DBusConnection(socket: socket, uniqueName: uniqueName, guid: guid, unixFDs: unixFDs)
        let limit = min(max(maxIncomingMessageBytes, 4096), DBusLimits.maxMessageLength)
        DedicatedThread.start { [connection] in connection.readLoop(initial: leftover, maxMessageBytes: limit) }
        return connection
    }

    public static func connect(address: String) async throws(DBusError) -> DBusConnection {
        try await connect(to: DBusAddress.parse(address))
    }

    /// The system bus (BlueZ lives there).
    public static func system() async throws(DBusError) -> DBusConnection { try await connect(to: DBusAddress.systemBus()) }

    public static func session() async throws(DBusError) -> DBusConnection { try await connect(to: DBusAddress.sessionBus()) }

    /// Sends Hello (serial 1) and reads until its reply, before the reader thread exists, so
    /// `uniqueName` is known from the start. Bytes read past the reply go to the reader.
    private static func hello(on socket: UnixSocket) throws(DBusError) -> (String, [UInt8]) {
        let hello = DBusMessage.busMethodCall("Hello")
        do { try socket.writeAll(try hello.encoded(serial: 1)) } catch let error as DBusError { throw error } catch {
            throw .protocolViolation("\(error)")
        }
        socket.setReceiveTimeout(milliseconds: 10_000)
        defer { socket.setReceiveTimeout(milliseconds: 0) }
        var frames = FrameBuffer()
        var early: [[UInt8]] = []
        while true {
            let chunk = try socket.read(max: 4096)
            guard !chunk.isEmpty else { throw .disconnected(reason: "the bus closed the connection before answering Hello") }
            frames.append(chunk)
            while true {
                let frame: [UInt8]?
                do { frame = try frames.nextFrame() } catch { throw .protocolViolation(error.description) }
                guard let frame else { break }
                let message: DBusMessage
                do { message = try DBusMessage.decode(frame) } catch { throw .protocolViolation(error.description) }
                guard message.replySerial == 1 else { early.append(frame); continue }
                if message.type == .error {
                    throw .remote(name: message.errorName ?? DBusErrorName.failed.rawValue, message: message.errorMessage ?? "")
                }
                guard let name = message.body.first?.stringValue else {
                    throw .unexpectedReply(member: "Hello", expected: "s", found: message.signature.text)
                }
                return (name, early.flatMap { $0 } + frames.leftover)
            }
        }
    }

    // MARK: - Sending

    func allocateSerial() -> UInt32 {
        state.withLock { state in
            let serial = state.nextSerial
            state.nextSerial = state.nextSerial == UInt32.max ? 1 : state.nextSerial + 1
            return serial
        }
    }

    private func write(_ bytes: [UInt8], passing descriptors: [Int32] = []) throws(DBusError) {
        try writable.withLock { (open: inout Bool) throws(DBusError) in
            guard open else { throw DBusError.disconnected(reason: closeReasonText) }
            try socket.writeAll(bytes, passing: descriptors)
        }
    }

    /// The message to send with `descriptors` counted in its `unix_fds` header; refused when the bus did not agree to
    /// pass descriptors (NEGOTIATE_UNIX_FD), since they would silently not arrive.
    private func counting(_ descriptors: [Int32], in message: DBusMessage) throws(DBusError) -> DBusMessage {
        guard !descriptors.isEmpty else { return message }
        guard unixFDsAgreed else {
            throw .protocolViolation("cannot pass file descriptors: this connection did not negotiate them (connect with negotiateUnixFDs: true)")
        }
        var message = message
        message.fields.unixFDs = UInt32(descriptors.count)
        return message
    }

    private var closeReasonText: String {
        state.withLock { $0.closeReason?.description ?? "closed" }
    }

    /// Sends a message that expects no reply (a signal, a reply, a call flagged NO_REPLY_EXPECTED).
    /// Returns the serial it was sent with.
    /// `descriptors` travel with it (the receiver gets duplicates; the caller keeps and closes its own).
    @discardableResult
    public func send(_ message: DBusMessage, passing descriptors: [Int32] = []) throws(DBusError) -> UInt32 {
        let message = try counting(descriptors, in: message)
        let serial = allocateSerial()
        let bytes: [UInt8]
        do { bytes = try message.encoded(serial: serial) } catch { throw .invalidMessage(error) }
        try write(bytes, passing: descriptors)
        return serial
    }

    /// Calls a method and awaits its reply. An ERROR reply throws `DBusError.remote` with the error
    /// name; no reply within `timeoutMilliseconds` throws `DBusError.timeout`; a lost connection
    /// throws `DBusError.disconnected`.
    public func call(_ message: DBusMessage, passing descriptors: [Int32] = [], timeoutMilliseconds: Int64 = 25_000) async throws -> DBusMessage {
        precondition(message.type == .methodCall, "call() sends method calls; use send() for other messages")
        var message = try counting(descriptors, in: message)
        message.flags.remove(.noReplyExpected)
        let serial = allocateSerial()
        let bytes: [UInt8]
        do { bytes = try message.encoded(serial: serial) } catch { throw DBusError.invalidMessage(error) }
        let member = message.member ?? "?"
        let destination = message.destination
        let reply: DBusMessage = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<DBusMessage, any Error>) in
                let refusal: DBusError? = state.withLock { state in
                    if let reason = state.closeReason { return reason }
                    let expectedSender = destination.flatMap { $0.hasPrefix(":") || $0 == DBusMessageBus.name ? $0 : nil }
                    state.pending[serial] = PendingCall(continuation: continuation, expectedSender: expectedSender)
                    return nil
                }
                if let refusal {
                    continuation.resume(throwing: refusal)
                    return
                }
                do { try write(bytes, passing: descriptors) } catch {
                    failPending(serial, error)
                    return
                }
                let timeout = Task { [weak self] in
                    try? await Task.sleep(for: .milliseconds(timeoutMilliseconds))
                    guard !Task.isCancelled else { return }
                    self?.failPending(serial, DBusError.timeout(member: member, destination: destination, milliseconds: timeoutMilliseconds))
                }
                let stillPending = state.withLock { state in
                    guard state.pending[serial] != nil else { return false }
                    state.pending[serial]?.timeoutTask = timeout
                    return true
                }
                if !stillPending { timeout.cancel() }
            }
        } onCancel: {
            failPending(serial, CancellationError())
        }
        if reply.type == .error {
            throw DBusError.remote(name: reply.errorName ?? DBusErrorName.failed.rawValue, message: reply.errorMessage ?? "")
        }
        return reply
    }

    /// Calls a method and returns the reply's body.
    public func call(destination: String?, path: DBusObjectPath, interface: String?, member: String, body: [DBusValue] = [],
                     flags: DBusMessageFlags = [], timeoutMilliseconds: Int64 = 25_000) async throws -> [DBusValue] {
        let message = DBusMessage.methodCall(destination: destination, path: path, interface: interface, member: member,
                                             body: body, flags: flags)
        return try await call(message, timeoutMilliseconds: timeoutMilliseconds).body
    }

    private func failPending(_ serial: UInt32, _ error: any Error) {
        guard let pending = state.withLock({ $0.pending.removeValue(forKey: serial) }) else { return }
        pending.timeoutTask?.cancel()
        pending.continuation.resume(throwing: error)
    }

    // MARK: - Receiving

    private func readLoop(initial: [UInt8], maxMessageBytes: Int) {
        var frames = FrameBuffer(maxFrameLength: maxMessageBytes)
        var reportedSkips = 0
        frames.append(initial)
        var reason = "the bus closed the connection"
        /// Descriptors received and not yet claimed by a message, in arrival order (each message takes its `unix_fds`).
        var descriptors: [Int32] = []
        defer { for descriptor in descriptors { Glibc.close(descriptor) } }
        reading: while true {
            while true {
                let frame: [UInt8]?
                do { frame = try frames.nextFrame() } catch {
                    reason = "invalid message framing from the bus: \(error)"
                    break reading
                }
                if frames.skippedFrames != reportedSkips {
                    reportedSkips = frames.skippedFrames
                    state.withLock { $0.skippedMessages = reportedSkips }
                    // A skipped message's descriptors cannot be told from the next one's: none is handed to anyone
                    // (a later message that declares some then ends the connection instead of getting the wrong ones).
                    for descriptor in descriptors { Glibc.close(descriptor) }
                    descriptors = []
                }
                guard let frame else { break }
                do {
                    var message = try DBusMessage.decode(frame)
                    let count = Int(message.fields.unixFDs ?? 0)
                    if count > 0 {
                        guard descriptors.count >= count else {
                            reason = "a message declared \(count) file descriptor(s) but \(descriptors.count) arrived with it"
                            break reading
                        }
                        message.fileDescriptors = descriptors.prefix(count).map(DBusFileDescriptor.init)
                        descriptors.removeFirst(count)
                    }
                    dispatch(message)
                } catch .unknownMessageType {
                    continue // the spec says to ignore unknown message types
                } catch {
                    reason = "invalid message from the bus: \(error)"
                    break reading
                }
            }
            do {
                let chunk = try socket.read(max: 65_536, descriptors: &descriptors)
                if chunk.isEmpty { break }
                frames.append(chunk)
            } catch {
                reason = error.description
                break
            }
        }
        tearDown(.disconnected(reason: reason))
        writable.withLock { open in
            open = false
            descriptorClosed.withLock { closed in
                closed = true
                socket.closeDescriptor()
            }
        }
    }

    private func dispatch(_ message: DBusMessage) {
        switch message.type {
        case .methodReturn, .error:
            guard let replySerial = message.replySerial else { return }
            let pending = state.withLock { state -> PendingCall? in
                guard let pending = state.pending[replySerial] else { return nil }
                if let expected = pending.expectedSender, message.sender != expected { return nil }
                return state.pending.removeValue(forKey: replySerial)
            }
            guard let pending else { return }
            pending.timeoutTask?.cancel()
            pending.continuation.resume(returning: message)
        case .signal:
            let targets = state.withLock { state in
                Self.trackOwner(message, in: &state)
                return state.subscriptions.values.filter { subscription in
                    subscription.rule.matches(message, senderOwner: subscription.rule.sender.flatMap { state.owners[$0] })
                }.map { ($0.rule, $0.continuation) }
            }
            for (rule, continuation) in targets {
                // A subscriber that fell `signalBuffer` signals behind is ended with an error naming the loss (never a
                // silent gap): it resubscribes and reads the state afresh. The buffered signals are still delivered first.
                if case .dropped = continuation.yield(message) {
                    continuation.finish(throwing: DBusError.subscriptionOverflowed(rule: rule.description, capacity: Self.signalBuffer))
                }
            }
        case .methodCall:
            handleMethodCall(message)
        }
    }

    /// Applies NameOwnerChanged(name, old, new) from the bus to the owners of watched names.
    private static func trackOwner(_ message: DBusMessage, in state: inout State) {
        guard message.sender == DBusMessageBus.name, message.interface == DBusMessageBus.interface,
              message.member == "NameOwnerChanged", message.body.count == 3,
              let name = message.body[0].stringValue, state.watchedNames.contains(name),
              let newOwner = message.body[2].stringValue else { return }
        state.owners[name] = newOwner.isEmpty ? nil : newOwner
    }

    // MARK: - Closing

    /// Fails everything that waits on this connection; idempotent (the first reason wins).
    func tearDown(_ reason: DBusError) {
        let (pending, subscriptions, waiters, tasks) = state.withLock { state -> ([PendingCall], [Subscription], [CheckedContinuation<DBusError, Never>], [Task<Void, Never>]) in
            guard state.closeReason == nil else { return ([], [], [], []) }
            state.closeReason = reason
            defer {
                state.pending = [:]; state.subscriptions = [:]; state.closeWaiters = []; state.handlerTasks = [:]
            }
            return (Array(state.pending.values), Array(state.subscriptions.values), state.closeWaiters, Array(state.handlerTasks.values))
        }
        for call in pending {
            call.timeoutTask?.cancel()
            call.continuation.resume(throwing: reason)
        }
        for subscription in subscriptions { subscription.continuation.finish(throwing: reason) }
        for waiter in waiters { waiter.resume(returning: reason) }
        for task in tasks { task.cancel() }
    }

    /// Closes the connection: pending calls fail, subscriptions finish, the reader thread ends.
    public func close() {
        tearDown(.disconnected(reason: "closed by this process"))
        // Wakes the reader (recv returns 0) and any writer blocked in send (EPIPE).
        descriptorClosed.withLock { closed in
            if !closed { socket.shutdownBothWays() }
        }
    }

    /// Incoming messages skipped for exceeding `maxIncomingMessageBytes`.
    public var skippedMessageCount: Int { state.withLock { $0.skippedMessages } }

    public var isConnected: Bool { state.withLock { $0.closeReason == nil } }

    /// Waits until the connection ends and returns why.
    public func closed() async -> DBusError {
        await withCheckedContinuation { continuation in
            let reason: DBusError? = state.withLock { state in
                if let reason = state.closeReason { return reason }
                state.closeWaiters.append(continuation)
                return nil
            }
            if let reason { continuation.resume(returning: reason) }
        }
    }
}
