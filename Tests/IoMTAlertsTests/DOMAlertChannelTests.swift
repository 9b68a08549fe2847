import Foundation
import IoMTAlerts
import IoMTCore
import IoMTFHIR
import IoMTHTTP
import IoMTLab
import IoMTStore
import Testing

/// Alerts reach the lab's DOM receiver as Communications about the Observation that fired them; a resend
/// (crash after delivery, before it was recorded) creates nothing new.
@Suite struct DOMAlertChannelTests {
    @Test func alertArrivesAsCommunicationOnceEvenWhenResent() async throws {
        let directory = NSTemporaryDirectory() + "iomt-dom-alert-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        let port = try receiver.start()
        defer { receiver.stop() }
        let store = try Store(path: directory + "/s.sqlite")
        let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "A1")
        let time = Instant(millisecondsSinceEpoch: 1_763_900_000_000)
        let observation = Observation(type: .spo2, value: DecimalValue(85), unit: "%", receivedAt: time, correctedTime: time,
                                      device: device, patientId: "44051401359", rawFrame: [0x80])
        let readingId = try #require(try await store.append([observation]).first)
        var engine = AlertEngine(ruleSet: RuleSet(rules: [.threshold(id: "spo2-critical", measurement: "MDC_PULS_OXIM_SAT_O2",
                                                                     below: DecimalValue(88), priority: .high)]))
        let events = engine.process(.observation(observation, id: readingId))
        let gateway = GatewayIdentity(systemId: "0011223344556677", serialNumber: "G1", softwareVersion: "test")
        let channel = DOMAlertChannel(baseURL: "http://127.0.0.1:\(port)/fhir", transport: CurlHTTPClient(), gateway: gateway, store: store)
        let dispatcher = AlertDispatcher(store: store, channels: [channel])
        let ids = await dispatcher.raise(events)
        await dispatcher.dispatchPending()
        #expect(try await store.interpretation(forReading: readingId) == "LL")
        let communications = receiver.resources("Communication")
        #expect(communications.count == 1)
        #expect(communications.first?["priority"]?.stringValue == "stat")
        #expect(communications.first?["about"]?[0]?["identifier"]?["value"]?.stringValue == PHDObservationIdentifier.value(for: observation))
        // Resent after a crash that lost the dispatch record: matched, not created again.
        let stored = try #require(try await store.alert(id: ids[0]))
        #expect(await channel.deliver(stored))
        #expect(receiver.resources("Communication").count == 1)
        // The reading itself goes first in the delivery queue, with its interpretation.
        let pending = try await store.pending(destination: "dom", limit: 10)
        #expect(pending.first?.id == readingId)
        #expect(pending.first?.interpretation == "LL")
    }

    /// A 200 whose transaction-response is unusable (or refuses the entry) does not count as delivered: the
    /// alert stays pending and its resend is matched by conditional create, so DOM holds it exactly once.
    @Test func aTwoHundredWithoutAUsableEntryResultIsRetried() async throws {
        let directory = NSTemporaryDirectory() + "iomt-dom-alert-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(faults: { $0.sequence == 1 ? .processThen(.garbage) : nil }))
        let port = try receiver.start()
        defer { receiver.stop() }
        let store = try Store(path: directory + "/s.sqlite")
        let gateway = GatewayIdentity(systemId: "0011223344556677", serialNumber: "G1", softwareVersion: "test")
        let channel = DOMAlertChannel(baseURL: "http://127.0.0.1:\(port)/fhir", transport: CurlHTTPClient(), gateway: gateway, store: store)
        let dispatcher = AlertDispatcher(store: store, channels: [channel])
        let event = AlertEvent(ruleId: "spo2-critical", ruleSetHash: "h", priority: .high, condition: "below", measurement: "MDC_PULS_OXIM_SAT_O2",
                               value: DecimalValue(80), unit: "%", threshold: DecimalValue(88), patientId: "44051401359", deviceKey: "sn:x:1",
                               observedAt: Instant(millisecondsSinceEpoch: 1), createdAt: Instant(millisecondsSinceEpoch: 2), observationId: nil,
                               message: "MDC_PULS_OXIM_SAT_O2 80 % below 88")
        await dispatcher.raise([event])
        await dispatcher.dispatchPending()
        #expect(try await store.alertAttempts(try #require(try await store.alerts(limit: 1).first).id)["dom"]?.0 == 1)
        await dispatcher.dispatchPending()
        #expect(try await store.undispatchedAlerts(channel: "dom", limit: 10).isEmpty)
        #expect(receiver.resources("Communication").count == 1)
    }
}
