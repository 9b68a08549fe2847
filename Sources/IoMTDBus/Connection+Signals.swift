/// Signal subscriptions: a match rule registered with the bus (AddMatch) and an AsyncThrowingStream
/// of the matching signals. The stream finishes with `DBusError.disconnected` when the connection
/// is lost; ending the iteration or calling `cancel()` removes the rule (RemoveMatch).
public final class DBusSignalSubscription: AsyncSequence, Sendable {
    public typealias Element = DBusMessage
    public let rule: DBusMatchRule
    public let signals: AsyncThrowingStream<DBusMessage, any Error>
    private let cancelAction: @Sendable () -> Void

    init(rule: DBusMatchRule, signals: AsyncThrowingStream<DBusMessage, any Error>, cancel: @escaping @Sendable () -> Void) {
        self.rule = rule
        self.signals = signals
        self.cancelAction = cancel
    }

    public func makeAsyncIterator() -> AsyncThrowingStream<DBusMessage, any Error>.AsyncIterator { signals.makeAsyncIterator() }

    /// Stops delivery and removes the rule from the bus.
    public func cancel() { cancelAction() }
}

extension DBusConnection {
    /// Signals one subscription may leave waiting (a BLE memory download is a few hundred Value changes). Past it the
    /// subscription ends with `DBusError.subscriptionOverflowed`, logged: bounded memory, and the loss is not silent.
    public static let signalBuffer = 4096

    /// Subscribes to the messages `rule` matches. Local delivery starts before AddMatch is sent, so
    /// no signal that the bus routes after AddMatch is lost.
    public func subscribe(_ rule: DBusMatchRule) async throws -> DBusSignalSubscription {
        if let sender = rule.sender, !sender.hasPrefix(":"), sender != DBusMessageBus.name {
            try await watchOwner(of: sender)
        }
        let (stream, continuation) = AsyncThrowingStream<DBusMessage, any Error>.makeStream(bufferingPolicy: .bufferingOldest(Self.signalBuffer))
        let id: Int? = state.withLock { state in
            guard state.closeReason == nil else { return nil }
            let id = state.nextSubscriptionID
            state.nextSubscriptionID += 1
            state.subscriptions[id] = Subscription(rule: rule, continuation: continuation)
            return id
        }
        guard let id else { throw state.withLock { $0.closeReason } ?? DBusError.disconnected(reason: "closed") }
        let ruleText = rule.description
        let unsubscribe: @Sendable () -> Void = { [weak self] in
            guard let self, let removed = self.state.withLock({ $0.subscriptions.removeValue(forKey: id) }) else { return }
            removed.continuation.finish()
            _ = try? self.send(.busMethodCall("RemoveMatch", body: [.string(ruleText)], flags: .noReplyExpected))
        }
        continuation.onTermination = { _ in unsubscribe() }
        do {
            _ = try await callBus("AddMatch", [.string(ruleText)])
        } catch {
            unsubscribe()
            throw error
        }
        return DBusSignalSubscription(rule: rule, signals: stream, cancel: unsubscribe)
    }

    /// Follows the owner of a well-known name (first the current one, then NameOwnerChanged), so a
    /// rule naming e.g. "org.bluez" keeps matching after bluetoothd starts or restarts.
    private func watchOwner(of name: String) async throws {
        let isNew = state.withLock { $0.watchedNames.insert(name).inserted }
        guard isNew else { return }
        let rule = DBusMatchRule.signal(sender: DBusMessageBus.name, interface: DBusMessageBus.interface,
                                        member: "NameOwnerChanged", arg0: name)
        do {
            _ = try await callBus("AddMatch", [.string(rule.description)])
        } catch {
            state.withLock { _ = $0.watchedNames.remove(name) }
            throw error
        }
        // A NameOwnerChanged processed meanwhile is newer than this answer: it wins.
        if let owner = try? await nameOwner(of: name) {
            state.withLock { state in
                if state.owners[name] == nil { state.owners[name] = owner }
            }
        }
    }
}
