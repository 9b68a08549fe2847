import IoMTConfiguration
import IoMTDaemon
import Testing

/// `hotplug` in the daemon's configuration: on by default, and mistakes named by file and field.
@Suite struct HotplugConfigurationTests {
    func configuration(_ hotplug: String) -> String {
        """
        {"stateDirectory": "/var/lib/iomtd", "profilesDirectory": "/usr/share/iomtd/profiles",
         "gateway": {"systemId": "0A1B2C3D4E5F6071"}, "dom": {"baseURL": "https://dom.example/fhir"}\(hotplug)}
        """
    }

    @Test func hotplugIsOnUnlessSwitchedOff() throws {
        #expect(try DaemonConfiguration.parse(configuration(""), file: "iomtd.json").hotplug.enabled)
        #expect(try DaemonConfiguration.parse(configuration(#", "hotplug": {}"#), file: "iomtd.json").hotplug.enabled)
        #expect(try DaemonConfiguration.parse(configuration(#", "hotplug": {"enabled": true}"#), file: "iomtd.json").hotplug.enabled)
        #expect(try !DaemonConfiguration.parse(configuration(#", "hotplug": {"enabled": false}"#), file: "iomtd.json").hotplug.enabled)
    }

    @Test func mistakesNameTheFieldAndWhatWasExpected() {
        func problems(_ hotplug: String) -> String {
            do { _ = try DaemonConfiguration.parse(configuration(hotplug), file: "/etc/iomtd/iomtd.json"); return "" } catch { return error.description }
        }
        #expect(problems(#", "hotplug": {"enabled": "yes"}"#) == #"/etc/iomtd/iomtd.json: hotplug.enabled: expected true or false, found "yes""#)
        #expect(problems(#", "hotplug": {"enabled": 1}"#) == "/etc/iomtd/iomtd.json: hotplug.enabled: expected true or false, found 1")
        #expect(problems(#", "hotplug": {"enable": false}"#) == "/etc/iomtd/iomtd.json: hotplug.enable: expected one of enabled, found unknown field")
        #expect(problems(#", "hotplug": true"#) == "/etc/iomtd/iomtd.json: hotplug: expected an object, found a boolean")
    }
}
