import Foundation
import IoMTCore
import IoMTForward
import IoMTLab
import IoMTStore
import Synchronization
import Testing

/// A DOM that, while `refusing` is set, refuses content: every Observation entry of a transaction with 422
/// (`perEntry`) or the whole request with 422 (otherwise), always for the same reason.
final class RefusalSwitch: Sendable {
    private let state = Mutex(true)
    var isOn: Bool { state.withLock { $0 } }
    func turnOff() { state.withLock { $0 = false } }
}

func refusingReceiver(_ refusing: RefusalSwitch, perEntry: Bool) -> DOMReceiver {
    let outcome = #"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"Observation.code: unknown profile version"}]}"#
    let hook: @Sendable (ReceivedRequestSummary) -> InjectedFault? = { request in
        guard refusing.isOn else { return nil }
        guard perEntry else { return .respond(status: 422, headers: ["Content-Type": "application/fhir+json"], body: outcome) }
        let entries = (try? JSONValue.parse(bytes: request.body))?["entry"]?.arrayValue ?? []
        let responses = entries.map { entry -> String in
            entry["resource"]?["resourceType"]?.stringValue == "Observation"
                ? #"{"response":{"status":"422 Unprocessable Entity","outcome":"# + outcome + "}}"
                : #"{"response":{"status":"200 OK"}}"#
        }
        return .respond(status: 200, headers: [:], body: #"{"resourceType":"Bundle","type":"transaction-response","entry":["# + responses.joined(separator: ",") + "]}")
    }
    return DOMReceiver(configuration: DOMReceiverConfiguration(faults: hook))
}

/// Quarantine with a way back (issue 11, item 8).
@Suite struct SystemicRefusalTests {
    /// DOM refuses every entry of every bundle for one reason: delivery pauses with that reason, nothing is
    /// quarantined, and once DOM accepts again the probe resumes delivery and every reading arrives once.
    @Test func perEntryRefusalOfEverythingPausesInsteadOfQuarantining() async throws {
        let fixture = try StoreFixture()
        let refusing = RefusalSwitch()
        let receiver = refusingReceiver(refusing, perEntry: true)
        let port = try receiver.start()
        defer { receiver.stop() }
        _ = try await fixture.store.append(readings(300))
        let forwarder = makeForwarder(fixture, port: port, batchSize: 100)
        let steps = await drain(forwarder)
        guard case .failed(kind: "refused-systemic", _) = steps.last else { Issue.record("no pause: \(steps)"); return }
        var stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.quarantined == 0)
        #expect(stats.backlog == 300)
        #expect(await forwarder.status.paused?.contains("unknown profile version") == true)
        // Still refusing: the probe (one row) is held, not quarantined.
        guard case .failed(kind: "refused-systemic", _) = await forwarder.deliverOnce() else { Issue.record("probe not held"); return }
        #expect(try await fixture.store.stats(destination: "dom").quarantined == 0)
        refusing.turnOff()
        await drain(forwarder, maxSteps: 400)
        stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.backlog == 0 && stats.quarantined == 0)
        #expect(await forwarder.status.paused == nil)
        expectEachReadingOnce(receiver, count: 300)
        let actions = try await fixture.store.auditLog(limit: 50).map(\.2)
        #expect(actions.contains("pause") && actions.contains("resume"))
    }

    /// A whole-bundle 422 that split-and-retry reduces to single rows all refused alike: after the threshold the
    /// forwarder pauses and puts the few rows it had quarantined back in the queue.
    @Test func wholeBundleRefusalSplitToSingleRowsPausesAndRequeues() async throws {
        let fixture = try StoreFixture()
        let refusing = RefusalSwitch()
        let receiver = refusingReceiver(refusing, perEntry: false)
        let port = try receiver.start()
        defer { receiver.stop() }
        _ = try await fixture.store.append(readings(200))
        let forwarder = makeForwarder(fixture, port: port, batchSize: 16)
        let steps = await drain(forwarder, maxSteps: 500)
        guard case .failed(kind: "refused-systemic", _) = steps.last else { Issue.record("no pause: \(steps.suffix(3))"); return }
        let stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.quarantined == 0)
        #expect(stats.backlog == 200)
        refusing.turnOff()
        await drain(forwarder, maxSteps: 500)
        expectEachReadingOnce(receiver, count: 200)
    }

    /// A single reading refused for its own reason is still quarantined (no pause), and `requeue` — by id, by
    /// reason, all — brings quarantined rows back; they are then delivered, and each requeue is audited with its actor.
    @Test func requeueBringsQuarantinedRowsBackAndTheyAreDelivered() async throws {
        let fixture = try StoreFixture()
        let refusing = RefusalSwitch()
        let receiver = refusingReceiver(refusing, perEntry: false)
        let port = try receiver.start()
        defer { receiver.stop() }
        let ids = try await fixture.store.append(readings(6))
        let forwarder = makeForwarder(fixture, port: port, batchSize: 1)
        #expect(await forwarder.deliverOnce() == .progressed(delivered: 0, quarantined: 1))
        #expect(await forwarder.status.paused == nil)
        refusing.turnOff()
        try await fixture.store.quarantine([ids[1], ids[2]], destination: "dom", reason: "422: value out of range", at: fixture.clock.now())
        try await fixture.store.quarantine([ids[3]], destination: "dom", reason: "400: other", at: fixture.clock.now())
        #expect(try await fixture.store.stats(destination: "dom").quarantined == 4)
        #expect(try await fixture.store.requeueQuarantined(.ids([ids[0]]), destination: "dom", actor: "uid 1000 (tech)", at: fixture.clock.now()) == 1)
        #expect(try await fixture.store.requeueQuarantined(.reason("out of range"), destination: "dom", actor: "uid 1000 (tech)", at: fixture.clock.now()) == 2)
        #expect(try await fixture.store.requeueQuarantined(.all, destination: "dom", actor: "uid 0 (root)", at: fixture.clock.now()) == 1)
        let stats = try await fixture.store.stats(destination: "dom")
        #expect(stats.quarantined == 0 && stats.backlog == 6)
        await drain(forwarder)
        expectEachReadingOnce(receiver, count: 6)
        let audit = try await fixture.store.auditLog(limit: 50).filter { $0.2 == "requeue" }
        #expect(audit.map(\.1).sorted() == ["uid 0 (root)", "uid 1000 (tech)", "uid 1000 (tech)"])
    }
}
