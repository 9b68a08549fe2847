import Foundation
import IoMTAlerts
import IoMTCore
import IoMTHTTP
import IoMTLab
import IoMTStore
import Testing

/// The webhook against the lab's real HTTP receiver (POST /webhook) over curl, with a real store.
@Suite struct WebhookChannelTests {
    func event(_ value: Int) -> AlertEvent {
        AlertEvent(ruleId: "spo2-critical", ruleSetHash: "h", priority: .high, condition: "below", measurement: "MDC_PULS_OXIM_SAT_O2",
                   value: DecimalValue(value), unit: "%", threshold: DecimalValue(88), patientId: "44051401359", deviceKey: "sn:x:1",
                   observedAt: Instant(millisecondsSinceEpoch: 1), createdAt: Instant(millisecondsSinceEpoch: 2), observationId: nil,
                   message: "MDC_PULS_OXIM_SAT_O2 \(value) % below 88", episode: "spo2-critical/sn:x:1/2", interpretation: "LL")
    }

    @Test func receiverDownThenUpGetsEveryAlertOnceInOrder() async throws {
        let directory = NSTemporaryDirectory() + "iomt-webhook-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Learn a free port, then leave nothing listening on it: the receiver is down.
        let probe = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try probe.start()
        probe.stop()

        let store = try Store(path: directory + "/s.sqlite")
        let channel = WebhookChannel(url: "http://127.0.0.1:\(port)/webhook", transport: CurlHTTPClient(), gatewayId: "0011223344556677",
                                     patientReferences: ["44051401359": "P-0001"], timeoutMilliseconds: 2000)
        let dispatcher = AlertDispatcher(store: store, channels: [channel])
        let ids = await dispatcher.raise([event(85), event(84)])
        await dispatcher.dispatchPending()
        #expect(try await store.undispatchedAlerts(channel: "webhook", limit: 10).count == 2)
        #expect(try await store.alertAttempts(ids[0])["webhook"]?.0 ?? 0 >= 1)

        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(port: port))
        try receiver.start()
        defer { receiver.stop() }
        await dispatcher.dispatchPending()
        await dispatcher.dispatchPending()
        let calls = receiver.webhookCalls()
        var identifiers: [String] = []
        for id in ids { identifiers.append(try #require(try await store.alert(id: id)).event.identifier) }
        #expect(calls.map { $0["alertId"]?.stringValue } == identifiers)
        #expect(calls.first?["patientReference"]?.stringValue == "P-0001")
        #expect(calls.first?["interpretation"]?.stringValue == "LL")
        #expect(calls.allSatisfy { !$0.serialized().contains("44051401359") })
        #expect(try await store.undispatchedAlerts(channel: "webhook", limit: 10).isEmpty)
    }
}
