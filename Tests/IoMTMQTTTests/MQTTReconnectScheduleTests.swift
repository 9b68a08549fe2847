import IoMTCore
import IoMTForward
import IoMTLab
import IoMTMQTT
import Testing

/// A subscriber's reconnect waits on the injected clock: with the broker down, the next attempt comes once the
/// backoff delay has passed on that clock, not before, without real time passing (Debian's mosquitto as the peer).
@Suite struct MQTTReconnectScheduleTests {
    @Test func aFailedConnectIsRetriedOnceItsBackoffHasPassedOnTheClock() async throws {
        let broker = try await MosquittoBroker()
        await broker.stop()
        let policy = BackoffPolicy(baseMilliseconds: 60_000, capMilliseconds: 60_000)
        let seed: UInt64 = 7
        var generator = SeededRandom(seed: seed)
        let delay = policy.delay(failures: 1, using: &generator) // what the client draws after its first failure
        try #require(delay > 1_000, "seed \(seed) draws \(delay) ms: pick a seed whose first delay is measurable")
        let clock = ManualSchedulingClock()
        let client = MQTTClient(options: MQTTClientOptions(endpoint: try MQTTEndpoint.parse(broker.url).get(),
                                                           clientId: "reconnect-schedule", timeoutMilliseconds: 5_000))
        let keeper = Task { await client.stayConnected(backoff: policy, seed: seed, clock: clock) }
        defer { keeper.cancel() }

        // Refused (nothing listens), then waiting on the clock.
        #expect(await Eventually.holds(within: 10, pollMilliseconds: 10) { clock.sleeperCount == 1 },
                "the reconnect does not wait on the injected clock")
        try await broker.start()
        clock.advance(by: .milliseconds(delay - 1))
        #expect(clock.sleeperCount == 1, "retried before its backoff had passed")
        #expect(await !client.isConnected)

        clock.advance(by: .milliseconds(1))
        #expect(await Eventually.holds(within: 10, pollMilliseconds: 20) { await client.isConnected },
                "not retried once its backoff had passed on the clock\n\(broker.log)")
        // Cancelled, the keeper returns once its connection closes.
        keeper.cancel()
        await client.close()
        await keeper.value
    }
}
