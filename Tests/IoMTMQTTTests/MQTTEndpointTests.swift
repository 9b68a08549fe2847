import IoMTMQTT
import Testing

@Suite struct MQTTEndpointTests {
    @Test func cleartextOnlyToALiteralLoopbackAddress() throws {
        #expect(try MQTTEndpoint.parse("mqtt://127.0.0.1:1884").get() == MQTTEndpoint(host: "127.0.0.1", port: 1884, usesTLS: false))
        #expect(try MQTTEndpoint.parse("mqtt://[::1]").get() == MQTTEndpoint(host: "::1", port: 1883, usesTLS: false))
        for url in ["mqtt://localhost:1883", "mqtt://broker.example.org", "mqtt://10.0.0.1:1883", "mqtt://127.0.0.1.example.org"] {
            guard case let .failure(error) = MQTTEndpoint.parse(url) else { Issue.record("\(url) accepted"); continue }
            #expect(error.description.contains("mqtts://"), "\(url): \(error)")
        }
    }

    @Test func tlsDefaultsToPort8883AndRejectsMalformedURLs() throws {
        #expect(try MQTTEndpoint.parse("mqtts://broker.example.org").get() == MQTTEndpoint(host: "broker.example.org", port: 8883, usesTLS: true))
        #expect(try MQTTEndpoint.parse("MQTTS://[2001:db8::1]:9883").get() == MQTTEndpoint(host: "2001:db8::1", port: 9883, usesTLS: true))
        for url in ["http://broker", "mqtts://", "mqtts://host:0", "mqtts://host:70000", "mqtts://user@host", "mqtts://host/path"] {
            if case .success = MQTTEndpoint.parse(url) { Issue.record("\(url) accepted") }
        }
    }

    @Test func topicsCarryTheGatewayIdAndNeverWildcards() {
        let topics = MQTTTopics(prefix: "iomt/clinic-a", systemId: "FEEDABEEDEADBEEF")
        #expect(topics.observations == "iomt/clinic-a/FEEDABEEDEADBEEF/observations")
        #expect(topics.status == "iomt/clinic-a/FEEDABEEDEADBEEF/status")
        #expect(MQTTTopics.sharedObservations(group: "collectors", prefix: "iomt") == "$share/collectors/iomt/+/observations")
        for bad in ["", "iomt/#", "iomt/+/x", "$SYS", "/iomt", "iomt/", "a//b"] { #expect(MQTTTopics.prefixProblem(bad) != nil, "\(bad)") }
        #expect(MQTTTopics.prefixProblem("iomt/clinic-a") == nil)
    }
}
