import Foundation
import IoMTCollector
import IoMTCore
import IoMTForward
import IoMTHTTP
import IoMTLab
import Synchronization
import Testing

/// The collector's DOM side against the lab's DOM receiver over loopback HTTP; waits are injected, not slept.
@Suite struct CollectorRelayTests {
    final class Waits: Sendable {
        let delays = Mutex<[Int64]>([])
        var wait: @Sendable (Int64) async throws -> Void { { [self] delay in delays.withLock { $0.append(delay) } } }
    }

    func makeCollector(port: UInt16, quarantine: String, waits: Waits) -> Collector {
        let relay = BundleRelay(baseURL: "http://127.0.0.1:\(port)/fhir", transport: CurlHTTPClient(), timeoutMilliseconds: 5000)
        return Collector(relay: relay, quarantine: BundleQuarantine(directory: quarantine), configuration: ForwarderConfiguration(jitterSeed: 7),
                         clock: ManualClock(), wait: waits.wait)
    }

    @Test func retryAfterIsHonouredAndTheBundleAcknowledgedOnlyOnceDOMAccepted() async throws {
        let dom = DOMReceiver(configuration: DOMReceiverConfiguration(faults: { request in
            request.sequence <= 2 ? .respond(status: 503, headers: ["Retry-After": "7"], body: "{}") : nil
        }))
        let port = try dom.start()
        defer { dom.stop() }
        let waits = Waits()
        let (bundles, identifiers) = gatewayBundles(systemId: "0A1B2C3D4E5F6071", count: 1, perBundle: 4)
        let collector = makeCollector(port: port, quarantine: "/tmp/collector-unused", waits: waits)
        let disposition = await collector.settle(topic: "iomt/test/0A1B2C3D4E5F6071/observations", payload: bundles[0])
        #expect(disposition == .acknowledge)
        #expect(waits.delays.withLock { $0 } == [7000, 7000])
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
        let collector = makeCollector(port: port, quarantine: directory, waits: Waits())
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
        let relay = BundleRelay(baseURL: "http://127.0.0.1:\(port)/fhir", transport: CurlHTTPClient(), timeoutMilliseconds: 5000)
        let collector = Collector(relay: relay, quarantine: BundleQuarantine(directory: "/tmp/collector-unused"), clock: ManualClock(),
                                  wait: { _ in throw CancellationError() })
        let (bundles, _) = gatewayBundles(systemId: "0A1B2C3D4E5F6071", count: 1, perBundle: 1)
        #expect(await collector.settle(topic: "t", payload: bundles[0]) == .leaveUnacknowledged)
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
