import Foundation
import IoMTCore
import IoMTFHIR
import IoMTForward
import IoMTHTTP
import IoMTLab
import IoMTStore
import Testing

@Suite struct ForwarderBackoffTests {
    /// Failure delays with the receiver answering 503 (no Retry-After): full jitter under a doubling, capped ceiling,
    /// reproducible from the seed, measured on the injected clock.
    @Test func backoffScheduleIsCappedJitteredAndSeeded() async throws {
        func schedule(seed: UInt64) async throws -> [Int64] {
            let fixture = try StoreFixture()
            let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(faults: { _ in .respond(status: 503, headers: [:], body: "") }))
            let port = try receiver.start()
            defer { receiver.stop() }
            _ = try await fixture.store.append(readings(2))
            let forwarder = makeForwarder(fixture, port: port, seed: seed)
            var delays: [Int64] = []
            for attempt in 1...10 {
                guard case let .failed(kind, delay) = await forwarder.deliverOnce() else { Issue.record("attempt \(attempt) did not fail"); break }
                #expect(kind == "http-503")
                #expect(await forwarder.status.nextAttempt == fixture.clock.now().adding(milliseconds: delay))
                #expect(await forwarder.status.consecutiveFailures == attempt)
                delays.append(delay)
            }
            #expect(try await fixture.store.stats(destination: "dom").failuresByKind["http-503"] == 20)
            #expect(receiver.observationCount == 0)
            return delays
        }
        let policy = BackoffPolicy()
        let delays = try await schedule(seed: 7)
        #expect(delays.count == 10)
        for (index, delay) in delays.enumerated() {
            #expect(delay >= 0 && delay <= policy.ceiling(failures: index + 1))
        }
        #expect(policy.ceiling(failures: 1) == 500)
        #expect(policy.ceiling(failures: 4) == 4000)
        #expect(policy.ceiling(failures: 30) == 60_000)
        #expect(try await schedule(seed: 7) == delays)
        #expect(try await schedule(seed: 8) != delays)
    }

    @Test func retryAfterIsHonouredInBothForms() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(faults: { request in
            switch request.sequence {
            case 1: return .respond(status: 503, headers: ["Retry-After": "7"], body: "")
            // ManualClock starts at 2025-11-23T12:13:20Z.
            case 2: return .respond(status: 429, headers: ["Retry-After": "Sun, 23 Nov 2025 12:13:50 GMT"], body: "")
            default: return nil
            }
        }))
        let port = try receiver.start()
        defer { receiver.stop() }
        _ = try await fixture.store.append(readings(1))
        let forwarder = makeForwarder(fixture, port: port)
        #expect(await forwarder.deliverOnce() == .failed(kind: "http-503", retryInMilliseconds: 7000))
        #expect(await forwarder.deliverOnce() == .failed(kind: "http-429", retryInMilliseconds: 30_000))
        #expect(await forwarder.deliverOnce() == .progressed(delivered: 1, quarantined: 0))
        #expect(await forwarder.status.consecutiveFailures == 0)
        #expect(await forwarder.status.nextAttempt == nil)
    }

    @Test func retryAfterParsing() {
        let now = Instant(millisecondsSinceEpoch: 784_111_777_000) // 1994-11-06T08:49:37Z
        #expect(RetryAfter.milliseconds("120", now: now) == 120_000)
        #expect(RetryAfter.milliseconds("Sun, 06 Nov 1994 08:49:47 GMT", now: now) == 10_000)
        #expect(RetryAfter.milliseconds("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == 0)
        #expect(RetryAfter.milliseconds("soon", now: now) == nil)
    }

    @Test func runLoopDeliversWhenNudged() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let forwarder = makeLoopingForwarder(fixture, port: port)
        let loop = Task { await forwarder.run() }
        defer { loop.cancel() }
        // Idle: nothing pending, waiting out its one-hour poll on the clock.
        #expect(await Eventually.holds(within: 60, pollMilliseconds: 10) { fixture.clock.sleeperCount == 1 })
        _ = try await fixture.store.append(readings(3))
        await forwarder.nudge()
        #expect(await Eventually.holds(within: 5, pollMilliseconds: 25) { receiver.observationCount >= 3 })
        #expect(receiver.observationCount == 3)
        loop.cancel()
        await loop.value
    }
}

/// The delivery loop's waits run on the injected clock: a refused batch is retried when its Retry-After has passed on
/// that clock — not a moment before, not even when new rows nudge it — and without any real time passing.
@Suite struct ForwarderRetryScheduleTests {
    @Test func aRefusedBatchIsRetriedWhenItsRetryAfterHasPassedOnTheClock() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(faults: { request in
            request.sequence == 1 ? .respond(status: 503, headers: ["Retry-After": "60"], body: "") : nil
        }))
        let port = try receiver.start()
        defer { receiver.stop() }
        _ = try await fixture.store.append(readings(1))
        let forwarder = makeLoopingForwarder(fixture, port: port)
        let loop = Task { await forwarder.run() }
        defer { loop.cancel() }

        // Refused once, then waiting on the clock for the 60 s DOM asked for.
        let parked = await Eventually.holds(within: 60, pollMilliseconds: 10) {
            guard fixture.clock.sleeperCount == 1 else { return false }
            return await forwarder.status.consecutiveFailures == 1
        }
        #expect(parked, "the forwarder does not wait on the injected clock after a refusal")
        #expect(await forwarder.status.nextAttempt == fixture.clock.now().adding(milliseconds: 60_000))
        _ = try await fixture.store.append(readings(1, startingAt: 1))
        await forwarder.nudge() // new rows must not defeat Retry-After
        fixture.clock.advance(by: .seconds(59))
        #expect(fixture.clock.sleeperCount == 1, "woke before the Retry-After had passed")
        #expect(receiver.observationCount == 0)

        fixture.clock.advance(by: .seconds(1))
        #expect(await Eventually.holds(within: 60, pollMilliseconds: 10) { receiver.observationCount == 2 },
                "not retried once the Retry-After had passed on the clock")
        // Delivered, the loop goes idle on the clock again.
        #expect(await Eventually.holds(within: 60, pollMilliseconds: 10) {
            guard fixture.clock.sleeperCount == 1 else { return false }
            return await forwarder.status.nextAttempt == nil
        })
        #expect(await forwarder.status.consecutiveFailures == 0)
        loop.cancel()
        await loop.value
    }
}

@Suite struct FaultScriptTests {
    @Test func scriptedFaultsReachTheForwarderInOrder() async throws {
        let fixture = try StoreFixture()
        // The drop comes first: on a fresh connection libcurl reports it (on a reused keep-alive connection
        // it would transparently resend, which conditional create makes harmless).
        let script = try FaultScript("1:drop, 2:503+retry-after=2, 3:500")
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(faults: script.hook))
        let port = try receiver.start()
        defer { receiver.stop() }
        _ = try await fixture.store.append(readings(2))
        let forwarder = makeForwarder(fixture, port: port)
        guard case let .failed(kind, _) = await forwarder.deliverOnce() else { Issue.record("drop did not fail"); return }
        #expect(!kind.hasPrefix("http-"), "a dropped connection is a transport failure, got \(kind)")
        #expect(await forwarder.deliverOnce() == .failed(kind: "http-503", retryInMilliseconds: 2000))
        guard case .failed(kind: "http-500", _) = await forwarder.deliverOnce() else { Issue.record("500 did not fail"); return }
        #expect(await forwarder.deliverOnce() == .progressed(delivered: 2, quarantined: 0))
        let stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.failuresByKind["http-503"] == 2)
        #expect(stats.failuresByKind["http-500"] == 2)
        #expect(receiver.observationCount == 2)
    }

    /// The actions added for the e2e fault matrix, through the script language only: an HTTP-date Retry-After,
    /// answers lost, garbled or cut after DOM stored the bundle, and per-entry failures inside a 200.
    @Test func damagedAnswersHTTPDatesAndEntryFailuresFromTheScript() async throws {
        // The receiver dates Retry-After by the real clock; the forwarder's clock must read the same time.
        let fixture = try StoreFixture(clock: ManualClock(SystemClock().now()))
        let script = try FaultScript("""
            # one rule per line, as in a --fault-file
            1:lost
            2:429+retry-after-date=3
            3:garbage, 4:truncated
            5:entries=500/2
            6:entries=422/3
            """)
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(faults: script.hook))
        let port = try receiver.start()
        defer { receiver.stop() }
        _ = try await fixture.store.append(readings(6))
        let forwarder = makeForwarder(fixture, port: port, batchSize: 6)
        // First, on a fresh connection: libcurl resends a request whose reused keep-alive connection died unanswered.
        guard case let .failed(kind, _) = await forwarder.deliverOnce() else { Issue.record("lost answer trusted"); return }
        #expect(!kind.hasPrefix("http-"))
        #expect(receiver.observationCount == 6, "DOM stored the bundle whose answer was lost")
        let asked = SystemClock().now()
        fixture.clock.set(asked)
        guard case let .failed("http-429", delay) = await forwarder.deliverOnce() else { Issue.record("429 not reported"); return }
        // The date is at least 3 s after the receiver's now, itself after the clock was set; backoff alone would
        // have waited at most 1 s. At most: 3 s, plus however long the receiver took to answer (a loaded machine),
        // plus the date's rounding up to a whole second.
        let answering = SystemClock().now().milliseconds(since: asked)
        #expect((3000...(4000 + answering)).contains(delay), "an HTTP-date 3 s ahead (rounded up to whole seconds) must be honoured, got \(delay) ms (answer took \(answering) ms)")
        guard case .failed("bad-response", _) = await forwarder.deliverOnce() else { Issue.record("garbage trusted"); return }
        guard case .failed("bad-response", _) = await forwarder.deliverOnce() else { Issue.record("truncated JSON trusted"); return }
        #expect(receiver.duplicatesSuppressed == 2 * (6 + 2), "two resends processed, each matched whole: 6 Observations, PHG and PHD")
        #expect(receiver.observationCount == 6)
        // Entries 2, 4, 6 refused with 500 inside a 200: 3 delivered now, 3 retried.
        guard case .failed("entry-500", _) = await forwarder.deliverOnce() else { Issue.record("entry 500 not retried"); return }
        var stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.backlog == 3)
        // The 3 left: the 3rd Observation entry of the next bundle is refused with 422 and quarantined.
        #expect(await forwarder.deliverOnce() == .progressed(delivered: 2, quarantined: 1))
        stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.backlog == 0)
        #expect(stats.quarantined == 1)
        #expect(stats.delivered == 5)
        #expect(receiver.observationCount == 6, "the refused entries were already stored by an earlier, damaged answer")
    }

    @Test func badScriptsAreRefusedWithTheRule() {
        for text in ["1", "x:503", "3-1:503", "1:999", "1:slow=", "1:503+later", "1:entries=500", "1:entries=500/0",
                     "1:503+retry-after-date=soon", "1:garbled"] {
            #expect(throws: DOMReceiverError.self) { try FaultScript(text) }
        }
    }
}

/// A forwarder for tests of its delivery loop: polls when idle only once an hour, so what it does comes from nudges and
/// from the waits a test moves the clock through.
func makeLoopingForwarder(_ fixture: StoreFixture, port: UInt16) -> Forwarder {
    Forwarder(store: fixture.store, destination: "dom", baseURL: "http://127.0.0.1:\(port)/fhir",
              wireFormat: FHIRPHDWireFormat(gateway: gateway), transport: CurlHTTPClient(),
              configuration: ForwarderConfiguration(idlePollMilliseconds: 3_600_000, jitterSeed: 1), clock: fixture.clock)
}
