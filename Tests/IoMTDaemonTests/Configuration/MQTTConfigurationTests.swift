import IoMTConfiguration
import IoMTDaemon
import Testing

/// `mqtt` in the daemon's configuration: a second destination, cleartext only to a literal loopback address,
/// mistakes named by field.
@Suite struct MQTTConfigurationTests {
    func configuration(_ mqtt: String) -> String {
        """
        {"stateDirectory": "/var/lib/iomtd", "profilesDirectory": "/usr/share/iomtd/profiles",
         "gateway": {"systemId": "0a1b2c3d4e5f6071"}, "dom": {"baseURL": "https://dom.example/fhir"}, "mqtt": \(mqtt)}
        """
    }

    @Test func clientIdDefaultsFromTheGatewaySystemId() throws {
        let parsed = try DaemonConfiguration.parse(configuration(#"{"url": "mqtts://broker.example.org", "topicPrefix": "iomt/clinic-a"}"#), file: "iomtd.json")
        #expect(parsed.mqtt?.clientId == "iomtd-0A1B2C3D4E5F6071")
        #expect(parsed.mqtt?.endpoint.port == 8883)
        #expect(parsed.mqtt?.endpoint.usesTLS == true)
    }

    @Test func cleartextToANonLoopbackBrokerIsRefusedWithTheFieldNamed() {
        for (mqtt, field) in [(#"{"url": "mqtt://broker.example.org", "topicPrefix": "iomt"}"#, "mqtt.url"),
                              (#"{"url": "mqtt://localhost:1883", "topicPrefix": "iomt"}"#, "mqtt.url"),
                              (#"{"url": "mqtts://broker", "topicPrefix": "iomt/#"}"#, "mqtt.topicPrefix"),
                              (#"{"url": "mqtts://broker", "topicPrefix": "iomt", "certFile": "/etc/iomtd/c.pem"}"#, "mqtt.keyFile"),
                              (#"{"url": "mqtts://broker", "topicPrefix": "iomt", "passwordFile": "/etc/iomtd/p"}"#, "mqtt.username"),
                              (#"{"url": "mqtts://broker", "topicPrefix": "iomt", "retain": true}"#, "mqtt.retain")] {
            #expect(throws: (any Error).self) { try DaemonConfiguration.parse(configuration(mqtt), file: "iomtd.json") }
            do { _ = try DaemonConfiguration.parse(configuration(mqtt), file: "iomtd.json") } catch {
                #expect(error.problems.contains { $0.field == field }, "\(mqtt): \(error)")
            }
        }
        #expect((try? DaemonConfiguration.parse(configuration(#"{"url": "mqtt://127.0.0.1:1883", "topicPrefix": "iomt"}"#), file: "iomtd.json"))?.mqtt != nil)
    }

    /// `dom` is optional once `mqtt` is there; with neither, the error names the field and both ways out.
    @Test func mqttAloneIsEnoughAndNeitherIsRefusedWithTheFieldNamed() throws {
        let mqttOnly = try DaemonConfiguration.parse("""
            {"stateDirectory": "/var/lib/iomtd", "profilesDirectory": "/usr/share/iomtd/profiles", "gateway": {"systemId": "0a1b2c3d4e5f6071"},
             "mqtt": {"url": "mqtt://127.0.0.1:1883", "topicPrefix": "iomt/clinic-a"}}
            """, file: "iomtd.json")
        #expect(mqttOnly.dom == nil && mqttOnly.mqtt != nil)
        #expect(mqttOnly.deliveryDestinations == ["mqtt"] && mqttOnly.primaryDestination == "mqtt")
        let both = try DaemonConfiguration.parse(configuration(#"{"url": "mqtt://127.0.0.1:1883", "topicPrefix": "iomt"}"#), file: "iomtd.json")
        #expect(both.deliveryDestinations == ["dom", "mqtt"] && both.primaryDestination == "dom")
        do {
            _ = try DaemonConfiguration.parse("""
                {"stateDirectory": "/var/lib/iomtd", "profilesDirectory": "/usr/share/iomtd/profiles", "gateway": {"systemId": "0a1b2c3d4e5f6071"}}
                """, file: "iomtd.json")
            Issue.record("a configuration without dom and mqtt must be refused")
        } catch {
            #expect(error.problems.contains { $0.field == "dom" }, "\(error)")
            #expect(error.description.contains("mqtt"), "\(error)")
        }
    }
}
