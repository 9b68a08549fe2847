import IoMTCollector
import IoMTCore
import IoMTLab
import Synchronization
import Testing

/// The collector's subscriber retries a first connect that failed on the injected clock: with Debian's mosquitto
/// down at start, the retry comes once its delay has passed on that clock, not before, without real time passing.
@Suite struct PahoReconnectScheduleTests {
    final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    @Test func aFirstConnectThatFailedIsRetriedOnceItsDelayHasPassedOnTheClock() async throws {
        let broker = try await MosquittoBroker()
        await broker.stop()
        let clock = ManualSchedulingClock()
        let subscribed = Flag()
        let subscriber = PahoSubscriber(options: SubscriberOptions(serverURI: "tcp://127.0.0.1:\(broker.port)", clientId: "paho-reconnect-schedule",
                                                                   topicFilters: ["iomt/reconnect-schedule/#"]),
                                        onSubscribed: { subscribed.set() }, clock: clock, handler: { _ in .acknowledge })
        try subscriber.start()

        // Refused (nothing listens), then the retry waits 1 s on the clock.
        #expect(await Eventually.holds(within: 10, pollMilliseconds: 10) { clock.sleeperCount == 1 },
                "the retry does not wait on the injected clock")
        try await broker.start()
        clock.advance(by: .milliseconds(999))
        #expect(clock.sleeperCount == 1, "retried before its delay had passed")
        #expect(!subscribed.isSet)

        clock.advance(by: .milliseconds(1))
        #expect(await Eventually.holds(within: 10, pollMilliseconds: 20) { subscribed.isSet },
                "not retried once its delay had passed on the clock\n\(broker.log)")
        await subscriber.prepareToStop()
    }
}
