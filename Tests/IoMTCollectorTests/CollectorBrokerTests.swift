import Foundation
import IoMTLab
import Testing

/// iomt-collector between Debian's real mosquitto (persistence on) and the lab's DOM receiver, as processes.
@Suite(.serialized, .enabled(if: mosquittoTools.shouldRun, "\(mosquittoTools.skipNote)"))
struct CollectorBrokerTests {
    /// The acknowledgement waits for DOM: a collector killed while DOM has not answered never acknowledged, so the
    /// broker delivers the message again and DOM gets the reading. (A collector that acknowledges on receipt — as
    /// libmosquitto 2.0.11 does before calling on_message — loses it: DOM ends with 0 readings.)
    @Test func aCollectorKilledBeforeDOMAcceptedLeavesTheMessageAtTheBroker() throws {
        let lab = try CollectorLab(name: "ack")
        lab.events.hold(sequence: 1)
        let first = try lab.startCollector("collector-a")
        let (bundles, identifiers) = gatewayBundles(systemId: "0A1B2C3D4E5F6071", count: 1, perBundle: 3)
        try lab.publish(bundles, gateway: "0A1B2C3D4E5F6071")
        #expect(lab.events.held.wait(timeout: .now() + 20) == .success, "the collector never POSTed the bundle: \(lab.log("collector-a"))")
        lab.kill(first) // inside the message callback, DOM's answer outstanding
        lab.events.release.signal()
        #expect(lab.dom.observationCount == 0)
        try lab.startCollector("collector-a") // systemd's Restart=, same client id and session
        let delivered = lab.events.wait(seconds: 30) { lab.dom.observationCount == identifiers.count }
        #expect(delivered, "DOM holds \(lab.dom.observationCount) of \(identifiers.count) readings: \(lab.log("collector-a"))")
        #expect(Set(lab.storedIdentifiers()) == Set(identifiers), "DOM holds other readings than were published")
    }

    /// systemd's stop (SIGTERM) while DOM has not accepted the bundle: the collector exits without acknowledging,
    /// and the restarted instance relays the message.
    @Test func stoppingWhileDOMHasNotAcceptedLeavesTheMessageUnacknowledged() throws {
        let lab = try CollectorLab(name: "stop")
        lab.events.hold(sequence: 1)
        let first = try lab.startCollector("collector-a")
        let exited = DispatchSemaphore(value: 0)
        first.terminationHandler = { _ in exited.signal() }
        let (bundles, identifiers) = gatewayBundles(systemId: "0A1B2C3D4E5F6071", count: 1, perBundle: 2)
        try lab.publish(bundles, gateway: "0A1B2C3D4E5F6071")
        #expect(lab.events.held.wait(timeout: .now() + 20) == .success)
        kill(first.processIdentifier, SIGTERM)
        lab.events.release.signal() // DOM answers 503; the collector must not wait for a retry, nor acknowledge
        #expect(exited.wait(timeout: .now() + 20) == .success, "the collector did not stop: \(lab.log("collector-a"))")
        #expect(first.terminationStatus == 0)
        #expect(lab.dom.observationCount == 0)
        try lab.startCollector("collector-a")
        #expect(lab.events.wait(seconds: 30) { lab.dom.observationCount == identifiers.count },
                "DOM holds \(lab.dom.observationCount) of \(identifiers.count): \(lab.log("collector-a"))")
    }

    /// Two gateways stream to two collector instances sharing the subscription; one is SIGKILLed mid-stream and
    /// restarted (systemd's Restart=). DOM ends with every reading exactly once.
    @Test func twoCollectorsOneKilledMidStreamDOMHoldsEveryReadingOnce() throws {
        let lab = try CollectorLab(name: "share")
        let a = try lab.startCollector("collector-a")
        try lab.startCollector("collector-b")
        let gatewayOne = gatewayBundles(systemId: "0A1B2C3D4E5F6071", count: 60, perBundle: 5)
        let gatewayTwo = gatewayBundles(systemId: "1122334455667788", count: 60, perBundle: 5)
        let expected = Set(gatewayOne.identifiers + gatewayTwo.identifiers)
        try lab.publish(gatewayOne.bundles, gateway: "0A1B2C3D4E5F6071")
        try lab.publish(gatewayTwo.bundles, gateway: "1122334455667788")
        // Mid-stream: some bundles are at DOM, most are not.
        #expect(lab.events.wait(seconds: 30) { lab.events.requests >= 20 }, "DOM saw \(lab.events.requests) requests")
        lab.kill(a)
        let partial = lab.dom.observationCount
        try lab.startCollector("collector-a")
        let complete = lab.events.wait(seconds: 60) { lab.dom.observationCount >= expected.count }
        #expect(complete, "DOM holds \(lab.dom.observationCount) of \(expected.count) readings")
        let stored = lab.storedIdentifiers()
        #expect(stored.count == expected.count, "duplicates at DOM: \(stored.count - Set(stored).count)")
        #expect(expected.subtracting(stored).isEmpty, "\(expected.subtracting(stored).count) reading(s) lost")
        #expect(Set(stored).isSubset(of: expected), "DOM holds readings that were never published")
        #expect(partial < expected.count, "the kill came after the stream ended (\(partial) stored)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: lab.quarantineDirectory)) ?? []).isEmpty)
        for instance in ["collector-a", "collector-b"] {
            #expect(!lab.log(instance).contains(patient), "\(instance) logged a patient identifier")
        }
    }

    /// A bundle DOM refuses for its content is kept on disk and then acknowledged: nothing is lost, and it does not
    /// block the bundles behind it.
    @Test func aRefusedBundleIsQuarantinedToDiskThenAcknowledged() throws {
        let lab = try CollectorLab(name: "refuse")
        try lab.startCollector("collector-a")
        let good = gatewayBundles(systemId: "0A1B2C3D4E5F6071", count: 2, perBundle: 2)
        try lab.publish([Array("{\"resourceType\":\"Patient\"}".utf8)] + good.bundles, gateway: "0A1B2C3D4E5F6071")
        #expect(lab.events.wait(seconds: 30) { lab.dom.observationCount == good.identifiers.count })
        let files = (try? FileManager.default.contentsOfDirectory(atPath: lab.quarantineDirectory)) ?? []
        #expect(files.count == 1, "\(files)")
        let kept = files.first.flatMap { try? String(contentsOfFile: lab.quarantineDirectory + "/" + $0, encoding: .utf8) } ?? ""
        #expect(kept.contains("\"resourceType\":\"Patient\"") && kept.contains("not a FHIR transaction Bundle"))
        #expect(lab.log("collector-a").contains("kept in"))
    }
}
