import IoMTCore
import IoMTTransport
import Testing

@Suite struct BackoffTests {
    @Test func baseDelayDoublesFrom250MillisecondsToThe30SecondCap() {
        let backoff = Backoff()
        #expect((0...8).map(backoff.baseDelay(attempt:)) == [250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000])
        #expect(backoff.baseDelay(attempt: 10_000) == 30_000)
    }

    @Test func jitterStaysWithinTheSpreadAndTheCap() {
        let backoff = Backoff(jitterFraction: 0.2)
        var random = SeededRandom(seed: 42)
        for attempt in 0..<20 {
            let base = backoff.baseDelay(attempt: attempt)
            for _ in 0..<50 {
                let delay = backoff.delay(attempt: attempt, using: &random)
                #expect(delay >= base * 8 / 10 && delay <= min(30_000, base * 12 / 10))
            }
        }
    }

    @Test func jitterActuallyVariesAndIsReproducibleFromTheSeed() {
        let backoff = Backoff()
        var first = SeededRandom(seed: 7), second = SeededRandom(seed: 7)
        let a = (0..<10).map { _ in backoff.delay(attempt: 3, using: &first) }
        let b = (0..<10).map { _ in backoff.delay(attempt: 3, using: &second) }
        #expect(a == b)
        #expect(Set(a).count > 1)
    }

    @Test func zeroJitterGivesTheBaseDelay() {
        let backoff = Backoff(initialMilliseconds: 100, maximumMilliseconds: 1000, jitterFraction: 0)
        var random = SeededRandom(seed: 1)
        #expect((0..<6).map { backoff.delay(attempt: $0, using: &random) } == [100, 200, 400, 800, 1000, 1000])
    }
}
