import IoMTConfiguration
import IoMTDaemon
import Testing

/// The alert keys of the daemon configuration: every mistake named by field.
@Suite struct AlertConfigurationTests {
    func configuration(patient: String = #"{"pesel": "44051401359", "reference": "P-0001"}"#, alerts: String) -> String {
        """
        {"stateDirectory": "/tmp/s", "profilesDirectory": "/tmp/p", "gateway": {"systemId": "0011223344556677"},
         "patient": \(patient), "dom": {"baseURL": "https://dom.example/fhir"}, "alerts": \(alerts)}
        """
    }

    @Test func rulesFileWebhookAndPatientReferenceAreRead() throws {
        let parsed = try DaemonConfiguration.parse(configuration(alerts: #"{"rulesFile": "/etc/iomtd/rules.json", "webhook": {"url": "https://oncall.example/hook", "timeoutMs": 3000}}"#), file: "c.json")
        #expect(parsed.alertRulesFile == "/etc/iomtd/rules.json")
        #expect(parsed.alertWebhook?.url == "https://oncall.example/hook")
        #expect(parsed.alertWebhook?.timeoutMilliseconds == 3000)
        #expect(parsed.patientReference == "P-0001")
    }

    @Test func mistakesAreNamedByField() {
        #expect {
            try DaemonConfiguration.parse(configuration(patient: #"{"pesel": "44051401359", "reference": "44051401359"}"#,
                                                        alerts: #"{"webhook": {"url": "http://oncall.example/hook"}, "rulesfile": "x"}"#), file: "c.json")
        } throws: { error in
            let text = "\(error)"
            return text.contains("c.json: patient.reference: expected a reference that is not a PESEL")
                && text.contains("c.json: alerts.webhook.url: expected an https:// URL, or http:// only to a literal loopback address")
                && text.contains("c.json: alerts.rulesfile: expected one of")
                && !text.contains("44051401359")
        }
    }
}
