import Foundation
import IoMTCollector
import IoMTCore
import IoMTForward
import IoMTHTTP
import IoMTLab
import Testing

/// The collector's DOM side against the lab's DOM receiver over loopback HTTP; its waits run on a hand-moved clock.
@Suite struct CollectorRelayTests {
    func makeCollector(port: UInt16, quarantine: String, clock: ManualClock = ManualClock()) -> Collector {
        let relay = BundleRelay(baseURL: "http://127.0.0.1:\(port)/fhir", transport: CurlHTTPClient(), timeoutMilliseconds: 5000)
        return Collector(relay: relay, quarantine: BundleQuarantine(directory: quarantine), configuration: ForwarderConfiguration(jitterSeed: 7),
                         clock: clock)
    }

    /// The collector refused and waiting on `clock` (bounded: code that does not wait on the clock fails, not hangs).
    func parked(_ clock: ManualClock) async -> Bool {
        await Eventually.holds(within: 10, pollMilliseconds: 10) { clock.sleeperCount == 1 }
    }

    @Test func retryAfterIsHonouredAndTheBundleAcknowledgedOnlyOnceDOMAccepted() async throws {
        let dom = DOMReceiver(configuration: DOMReceiverConfiguration(faults: { request in
            request.sequence <= 2 ? .respond(status: 503, headers: ["Retry-After": "7"], body: "{}") : nil
        }))
        let port = try dom.start()
        defer { dom.stop() }
        let clock = ManualClock()
        let (bundles, identifiers) = gatewayBundles(systemId: "0A1B2C3D4E5F6071", count: 1, perBundle: 4)
        let collector = makeCollector(port: port, quarantine: "/tmp/collector-unused", clock: clock)
        let settling = Task { await collector.settle(topic: "iomt/test/0A1B2C3D4E5F6071/observations", payload: bundles[0]) }
        for refusal in 1...2 {
            #expect(await parked(clock), "refusal \(refusal): not waiting on the clock")
            clock.advance(by: .milliseconds(6_999))
            #expect(clock.sleeperCount == 1, "refusal \(refusal): retried before its Retry-After of 7 s")
            clock.advance(by: .milliseconds(1))
        }
        #expect(await settling.value == .acknowledge)
        #expect(dom.observationCount == identifiers.count)
    }

    @Test func entriesRefusedInsideA200AreQuarantinedWithDOMsReasonNotLogged() async throws {
        let dom = DOMReceiver(configuration: DOMReceiverConfiguration(faults: { _ in .failEntries(status: 422, every: 2) }))
        let port = try dom.start()
        defer { dom.stop() }
        let directory = "/tmp/collector-quarantine-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (bundles, _) = gatewayBundles(systemId: "0A1B2C3D4E5F6071", count: 1, perBundle: 4)
        let collector = makeCollector(port: port, quarantine: directory)
        #expect(await collector.settle(topic: "t", payload: bundles[0]) == .acknowledge)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(files.count == 1)
        let text = try String(contentsOfFile: directory + "/" + files[0], encoding: .utf8)
        #expect(text.contains("422") && text.contains(patient), "the file keeps the whole bundle and DOM's reason")
        #expect(await collector.counters.quarantined == 1)
    }

    @Test func aWaitCancelledByStoppingLeavesTheMessageUnacknowledged() async throws {
        let dom = DOMReceiver(configuration: DOMReceiverConfiguration(faults: { _ in .respond(status: 500, headers: [:], body: "{}") }))
        let port = try dom.start()
        defer { dom.stop() }
        let clock = ManualClock()
        let collector = makeCollector(port: port, quarantine: "/tmp/collector-unused", clock: clock)
        let (bundles, _) = gatewayBundles(systemId: "0A1B2C3D4E5F6071", count: 1, perBundle: 1)
        let settling = Task { await collector.settle(topic: "t", payload: bundles[0]) }
        #expect(await parked(clock))
        settling.cancel() // the service stopping
        #expect(await settling.value == .leaveUnacknowledged)
        #expect(dom.observationCount == 0)
    }

    @Test func configurationErrorsNameTheFieldAndWhatWasExpected() throws {
        let text = """
        {"broker": {"url": "mqtt://broker.example:1883", "group": "a/b", "topicPrefix": "iomt/#", "receiveMaximum": 0},
         "dom": {"baseURL": "http://dom.example/fhir", "batchSize": 10}, "extra": 1}
        """
        #expect(throws: ConfigurationError.self) { try CollectorConfiguration.parse(text, file: "/etc/c.json") }
        do { _ = try CollectorConfiguration.parse(text, file: "/etc/c.json") } catch {
            let message = error.description
            for field in ["broker.url", "broker.clientId", "broker.group", "broker.topicPrefix", "broker.receiveMaximum", "dom.baseURL", "dom.batchSize", "extra"] {
                #expect(message.contains("/etc/c.json: \(field):"), "\(field) not reported in:\n\(message)")
            }
        }
        let good = try CollectorConfiguration.parse("""
            {"broker": {"url": "mqtts://broker.example", "clientId": "c1", "topicPrefix": "iomt/p"}, "dom": {"baseURL": "https://dom.example/fhir"}}
            """, file: "c.json")
        #expect(good.broker.topicFilters == ["$share/iomt-collectors/iomt/p/+/observations", "$share/iomt-collectors/iomt/p/+/alerts"])
        #expect(good.broker.serverURI == "ssl://broker.example:8883")
        #expect(good.broker.sessionExpirySeconds == 604_800 && good.broker.receiveMaximum == 10)
    }
}
