import Foundation
import IoMTCore
import IoMTFHIR
import IoMTForward
import IoMTHTTP
import IoMTLab
import IoMTStore
import Testing

/// Store → FHIR → real HTTP over loopback → our DOM receiver, end to end.
@Suite struct ForwarderDeliveryTests {
    @Test func readingsAreDeliveredExactlyOnce() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        _ = try await fixture.store.append(readings(25))
        let forwarder = makeForwarder(fixture, port: port, batchSize: 10)

        let steps = await drain(forwarder)
        #expect(steps.last == .idle)
        #expect(receiver.observationCount == 25)
        #expect(receiver.deviceCount == 2) // the PHG and one oximeter, despite three bundles
        let stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.backlog == 0)
        #expect(stats.delivered == 25)
        #expect(await forwarder.deliverOnce() == .idle)
        #expect(receiver.observationCount == 25)
        #expect(await forwarder.status.lastSuccess != nil)
    }

    /// The dedup ledger sets them aside before upload (DedupLedgerTests); DOM's conditional create remains the second line.
    @Test func resentReadingsAreSetAsideWithoutUpload() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let forwarder = makeForwarder(fixture, port: port)
        _ = try await fixture.store.append(readings(5))
        await drain(forwarder)
        #expect(receiver.observationCount == 5)

        // The same readings stored again (a device re-sending its memory): new rows, same PHD identifiers.
        _ = try await fixture.store.append(readings(5))
        let steps = await drain(forwarder)
        #expect(steps.first == .progressed(delivered: 0, quarantined: 0))
        #expect(receiver.observationCount == 5)
        #expect(receiver.bundleCount == 1)
        let stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.backlog == 0 && stats.delivered == 5 && stats.duplicates == 5)
    }

    @Test func receiverDownKeepsRowsPendingThenDrains() async throws {
        let dataFile = FileManager.default.temporaryDirectory.appendingPathComponent("dom-\(UUID().uuidString).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: dataFile) }
        let fixture = try StoreFixture()
        let first = DOMReceiver(configuration: DOMReceiverConfiguration(dataFile: dataFile))
        let port = try first.start()
        let forwarder = makeForwarder(fixture, port: port)
        _ = try await fixture.store.append(readings(3))
        await drain(forwarder)
        #expect(first.observationCount == 3)
        first.stop()

        _ = try await fixture.store.append(readings(4, startingAt: 3))
        let step = await forwarder.deliverOnce()
        guard case let .failed(kind, _) = step else { Issue.record("expected a failure, got \(step)"); return }
        #expect(kind == "connect")
        var stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.backlog == 4)
        #expect(stats.failuresByKind["connect"] == 4)
        #expect(await forwarder.status.consecutiveFailures == 1)
        #expect(await forwarder.status.nextAttempt != nil)

        // Back up on the same port with the same data file: it still knows what it acknowledged.
        let second = DOMReceiver(configuration: DOMReceiverConfiguration(port: port, dataFile: dataFile))
        try second.start()
        defer { second.stop() }
        #expect(second.observationCount == 3)
        let steps = await drain(forwarder)
        #expect(steps.last == .idle)
        #expect(second.observationCount == 7)
        stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.backlog == 0)
        #expect(stats.delivered == 7)
        #expect(await forwarder.status.consecutiveFailures == 0)
    }

    @Test func oneBadRowIsQuarantinedAndTheRestDelivered() async throws {
        let fixture = try StoreFixture()
        // DOM refuses any bundle carrying the value 666 with 422 and an OperationOutcome.
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(faults: { request in
            guard request.method == "POST", String(decoding: request.body, as: UTF8.self).contains("\"value\":666,") else { return nil }
            return .respond(status: 422, headers: [:], body: #"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","diagnostics":"implausible SpO2"}]}"#)
        }))
        let port = try receiver.start()
        defer { receiver.stop() }
        _ = try await fixture.store.append(readings(8) { $0 == 5 ? DecimalValue(666) : DecimalValue(97) })
        let forwarder = makeForwarder(fixture, port: port, batchSize: 8)
        let steps = await drain(forwarder)
        #expect(steps.last == .idle)
        #expect(steps.contains(.split(nextBatchSize: 4)))
        #expect(receiver.observationCount == 7)
        let stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.backlog == 0)
        #expect(stats.quarantined == 1)
        let quarantined = try await fixture.store.quarantined(destination: "dom", limit: 10)
        #expect(quarantined.count == 1)
        #expect(quarantined.first?.0.observation.value == DecimalValue(666))
        #expect(quarantined.first?.1.contains("implausible SpO2") == true)
    }
}

@Suite struct ForwarderUnreadableRecordingTests {
    /// A device session its driver could not decode (ViatomOxy README, "A session that does not decode"): the store keeps
    /// its raw file, DOM never sees it, `iomtctl quarantine list` shows it with why — also after a requeue.
    @Test func anUnreadableRecordingIsKeptWithItsRawFileAndNeverSent() async throws {
        var batch = readings(3)
        let file: [UInt8] = [3, 0, 0xEA, 0x07, 12, 2, 22, 0, 0] + [UInt8](repeating: 0x5A, count: 131)
        (batch[1].value, batch[1].status, batch[1].rawFrame) = (nil, [.invalid, .unreadableRecording], file)
        let fixture = try StoreFixture()
        _ = try await fixture.store.append(batch)
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        defer { receiver.stop() }
        let forwarder = makeForwarder(fixture, port: try receiver.start())
        await drain(forwarder)
        #expect(receiver.observationCount == 2)
        var aside = try await fixture.store.quarantined(destination: "dom", limit: 5)
        #expect(aside.map { $0.0.observation.rawFrame } == [file])
        #expect(aside.first?.1 == Store.unreadableRecordingReason)
        // A requeue offers it again; it is set aside again, never uploaded.
        _ = try await fixture.store.requeueQuarantined(.all, destination: "dom", actor: "uid 0", at: Instant(millisecondsSinceEpoch: 1_800_000_000_000))
        await drain(forwarder)
        #expect(receiver.observationCount == 2)
        aside = try await fixture.store.quarantined(destination: "dom", limit: 5)
        #expect(aside.map { $0.0.observation.rawFrame } == [file] && aside.first?.1 == Store.unreadableRecordingReason)
    }
}

@Suite struct ForwarderUnboundTests {
    @Test func readingsWithoutPatientAreHeldNotSent() async throws {
        let fixture = try StoreFixture()
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        var batch = readings(3)
        batch[1].patientId = nil
        _ = try await fixture.store.append(batch)
        let steps = await drain(makeForwarder(fixture, port: port))
        #expect(steps.first == .progressed(delivered: 2, quarantined: 0), "never offered: stored held")
        #expect(receiver.observationCount == 2)
        let stats = try await fixture.store.stats(destination: "dom")
        #expect((stats.held, stats.quarantined, stats.backlog) == (1, 0, 0))
        let aside = try await fixture.store.quarantined(destination: "dom", limit: 5)
        #expect(aside.map { $0.0.observation.patientId } == [nil])
        #expect(aside.first?.1.contains("no patient") == true)
    }
}
