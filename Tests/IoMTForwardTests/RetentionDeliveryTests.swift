import IoMTCore
import IoMTFHIR
import IoMTForward
import IoMTLab
import IoMTStore
import Testing

/// Scheduled retention against the dedup ledger (issue 11, item 5): identifiers stay in the ledger for the whole
/// retention window, so a device resending a reading within it is set aside without upload; after the window the
/// reading goes to DOM once more and DOM's conditional create keeps it single.
@Suite struct RetentionDeliveryTests {
    @Test func aResendNeverDuplicatesAtDOMBeforeOrAfterTheLedgerIsPruned() async throws {
        let day: Int64 = 86_400_000
        let clock = ManualClock(Instant(millisecondsSinceEpoch: 1_763_900_100_000))
        let fixture = try StoreFixture(clock: clock)
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let forwarder = makeForwarder(fixture, port: port)
        let memory = (0..<3).map { reading(device: oximeter, second: $0, withDeviceTime: true) }
        _ = try await fixture.store.append(memory)
        await drain(forwarder)
        #expect(receiver.observationCount == 3)
        #expect(try await fixture.store.pruneIfDue(now: clock.now()) == 0, "the first pass runs at once and finds nothing expired")

        // Six days later (inside the 7-day window) the device resends its memory: set aside, never uploaded.
        clock.advance(milliseconds: 6 * day)
        #expect(try await fixture.store.pruneIfDue(now: clock.now()) == 0)
        let bundles = receiver.bundleCount
        _ = try await fixture.store.append([reading(device: oximeter, second: 0, withDeviceTime: true, receivedAtSecond: 500_000)])
        await drain(forwarder)
        #expect(receiver.bundleCount == bundles && receiver.observationCount == 3)
        #expect(try await fixture.store.stats(destination: "dom").duplicates == 1)

        // Past the window the job prunes the delivered readings and their ledger identifiers (audited)…
        clock.advance(milliseconds: day + 3_600_000)
        #expect(try await fixture.store.pruneIfDue(now: clock.now()) == 3)
        #expect(try await fixture.store.pruneIfDue(now: clock.now().adding(milliseconds: 60_000)) == nil, "hourly, not on every pass")
        let audit = try #require(try await fixture.store.auditLog(limit: 5).first { $0.2 == "prune" })
        #expect(audit.3.contains("removed 3 delivered reading(s)") && audit.3.contains("3 dedup-ledger identifier(s)") && audit.3.contains("window 7 day(s)"), "\(audit.3)")
        // …so a resend now goes to DOM again, and DOM's conditional create suppresses it: still three Observations.
        let suppressed = receiver.duplicatesSuppressed
        _ = try await fixture.store.append([reading(device: oximeter, second: 1, withDeviceTime: true, receivedAtSecond: 900_000)])
        await drain(forwarder)
        #expect(receiver.observationCount == 3)
        #expect(receiver.duplicatesSuppressed > suppressed)
        #expect(try await fixture.store.stats(destination: "dom").backlog == 0)
    }
}
