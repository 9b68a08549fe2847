import IoMTDBus
import IoMTLab
import Testing

/// Issue 12.9: a D-Bus signal subscription (BlueZ Value changes travel on them) is bounded. A subscriber that stops
/// reading while a peer floods it keeps at most `DBusConnection.signalBuffer` signals, then its stream ends with an
/// error naming the overflow (its owner subscribes again and reads afresh) — memory bounded, the loss not silent.
@Suite(.serialized) struct SubscriptionOverflowTests {
    @Test func aFloodedSubscriberThatStopsReadingIsBoundedAndEndsWithTheOverflowNamed() async throws {
        let bus = try await PrivateDBusDaemon()
        defer { bus.stop() }
        let emitter = try await bus.connect()
        let listener = try await bus.connect()
        defer { emitter.close(); listener.close() }
        let flooded = try await listener.subscribe(.signal(sender: emitter.uniqueName, interface: "org.iomtd.Test", member: "Flood"))
        let sentinel = try await listener.subscribe(.signal(sender: emitter.uniqueName, interface: "org.iomtd.Test", member: "Done"))
        let sent = DBusConnection.signalBuffer + 500
        for index in 0..<sent {
            try emitter.emitSignal(path: "/flood", interface: "org.iomtd.Test", member: "Flood", body: [.uint32(UInt32(index))])
        }
        try emitter.emitSignal(path: "/flood", interface: "org.iomtd.Test", member: "Done", body: [])
        // One reader thread, in order: once "Done" is here, every flood signal was offered to the stalled subscriber.
        var sentinelIterator = sentinel.makeAsyncIterator()
        #expect(try await sentinelIterator.next()?.member == "Done")

        var iterator = flooded.makeAsyncIterator()
        var received = 0
        var ending: (any Error)? = nil
        do {
            while let message = try await iterator.next() {
                #expect(message.body == [.uint32(UInt32(received))], "the oldest signals are kept, in order")
                received += 1
                if received > DBusConnection.signalBuffer { break } // unbounded: stop here instead of reading the whole flood
            }
        } catch { ending = error }
        #expect(received == DBusConnection.signalBuffer)
        guard case .subscriptionOverflowed(_, let capacity)? = ending as? DBusError else {
            Issue.record("expected the subscription to end with subscriptionOverflowed, found \(String(describing: ending))")
            return
        }
        #expect(capacity == DBusConnection.signalBuffer)
        #expect(listener.isConnected, "only the subscription ends, not the connection")
    }
}
