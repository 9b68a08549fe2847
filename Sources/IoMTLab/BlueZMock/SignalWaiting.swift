import IoMTDBus

/// Next element of a subscription, or nil if none arrives within `seconds` (only to avoid hanging a test).
public func nextSignal(_ subscription: DBusSignalSubscription, seconds: Double = 10) async throws -> DBusMessage? {
    try await withThrowingTaskGroup(of: DBusMessage?.self) { group in
        group.addTask {
            var iterator = subscription.makeAsyncIterator()
            return try await iterator.next()
        }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// The next signal of a subscription; throws if none arrives in time.
public func requireSignal(_ subscription: DBusSignalSubscription, seconds: Double = 10) async throws -> DBusMessage {
    guard let message = try await nextSignal(subscription, seconds: seconds) else {
        throw LabFailure("no signal for rule \(subscription.rule) within \(seconds) s")
    }
    return message
}
