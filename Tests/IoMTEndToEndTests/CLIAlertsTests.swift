import Foundation
import IoMTCore
import IoMTStore
import Testing

/// `iomtctl readings export`, `rules validate|test` and `alerts list` against a real store file.
@Suite struct CLIAlertsTests {
    static let patient = "44051401359"
    static var defaultRules: String { LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles/rules/default-rules.json").path }
    static var profiles: String { LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles").path }

    /// 60 s of SpO2 at 1 Hz from a CMS50D+, 85 % from second 10 to 39.
    func storeWithADip() async throws -> (String, URL) {
        let directory = try LabHarness.temporaryDirectory("cli-alerts")
        let path = directory.appendingPathComponent("iomtd.sqlite").path
        let store = try Store(path: path, clock: ManualClock())
        let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "SN-DIP")
        let start = Instant(millisecondsSinceEpoch: 1_763_900_000_000)
        let observations = (0..<60).map { second -> Observation in
            let time = start.adding(milliseconds: Int64(second) * 1000)
            return Observation(type: .spo2, value: DecimalValue((10..<40).contains(second) ? 85 : 97), unit: "%", receivedAt: time,
                               correctedTime: time, device: device, patientId: Self.patient, rawFrame: [0x80])
        }
        _ = try await store.append(observations)
        try await store.checkpoint()
        return (path, directory)
    }

    @Test func exportThenDryRunShowsWhichRuleFiresAndWhen() async throws {
        let (path, directory) = try await storeWithADip()
        let (exportStatus, ndjson) = try await LabHarness.run("iomtctl", ["readings", "export", "--db", path])
        #expect(exportStatus == 0, "\(ndjson)")
        #expect(ndjson.split(separator: "\n").count == 60)
        #expect(!ndjson.contains(Self.patient))
        let readings = directory.appendingPathComponent("readings.ndjson")
        try ndjson.write(to: readings, atomically: true, encoding: .utf8)

        let (status, text) = try await LabHarness.run("iomtctl", ["rules", "test", "--rules", Self.defaultRules, "--readings", readings.path,
                                                            "--profiles-dir", Self.profiles, "--json"])
        #expect(status == 0, "\(text)")
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let alerts = json?["alerts"] as? [[String: Any]] ?? []
        // spo2-critical: below 88 for 15 s → fires at second 25 (2025-11-23T12:13:45Z); spo2-low needs 60 s: no.
        #expect(alerts.map { $0["rule"] as? String } == ["spo2-critical"])
        #expect(alerts.first?["at"] as? String == "2025-11-23T12:13:45.000Z")
        #expect(alerts.first?["readingLine"] as? Int == 26)
        #expect((alerts.first?["inputs"] as? [Any])?.count == 16)

        let (textStatus, human) = try await LabHarness.run("iomtctl", ["rules", "test", "--rules", Self.defaultRules, "--readings", readings.path,
                                                                 "--profiles-dir", Self.profiles, "--extend", "27h"])
        #expect(textStatus == 0)
        #expect(human.contains("HIGH    fired      spo2-critical"))
        #expect(human.contains("bp-missed")) // 26 h without blood pressure, found by ticking on
    }

    @Test func invalidRuleFilesNameFileRuleAndField() async throws {
        let directory = try LabHarness.temporaryDirectory("cli-rules")
        let file = directory.appendingPathComponent("rules.json")
        try #"{"version": "x", "rules": [{"id": "spo2-low", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": 92, "priority": "loud"}]}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let (status, text) = try await LabHarness.run("iomtctl", ["rules", "validate", "--rules", file.path])
        #expect(status == 2)
        #expect(text.contains("\(file.path): rule \"spo2-low\": rules[0].priority: expected one of high, medium, low"))
        let (okStatus, ok) = try await LabHarness.run("iomtctl", ["rules", "validate", "--rules", Self.defaultRules])
        #expect(okStatus == 0, "\(ok)")
        #expect(ok.contains("valid, version default-"))
    }

    /// Listing reads the store file (read-only); acknowledging and silencing go through the daemon
    /// (ControlledActionsTests).
    @Test func listShowsAnUnacknowledgedAlertWithoutThePatient() async throws {
        let (path, _) = try await storeWithADip()
        do {
            let store = try Store(path: path)
            _ = try await store.insertAlert(AlertEvent(
                ruleId: "spo2-critical", ruleSetHash: "f08d7acbaebf8178", priority: .high, condition: "below", measurement: "MDC_PULS_OXIM_SAT_O2",
                value: DecimalValue(85), unit: "%", threshold: DecimalValue(88), patientId: Self.patient, deviceKey: "sn:contec-cms50d-plus:SN-DIP",
                observedAt: Instant(millisecondsSinceEpoch: 1_763_900_025_000), createdAt: Instant(millisecondsSinceEpoch: 1_763_900_025_000),
                observationId: 26, message: "MDC_PULS_OXIM_SAT_O2 85 % below 88 for 15 s (rule spo2-critical, high priority)",
                episode: "spo2-critical/sn:contec-cms50d-plus:SN-DIP/1763900025000", ruleSetVersion: "default-2026-11-23.1", inputs: "[]",
                interpretation: "LL"))
            try await store.checkpoint()
        }
        let (listStatus, listed) = try await LabHarness.run("iomtctl", ["alerts", "list", "--db", path])
        #expect(listStatus == 0, "\(listed)")
        #expect(listed.contains("#1") && listed.contains("UNACKNOWLEDGED"))
        #expect(!listed.contains(Self.patient))

        let (jsonStatus, jsonText) = try await LabHarness.run("iomtctl", ["alerts", "list", "--db", path, "--json"])
        #expect(jsonStatus == 0)
        let alerts = try JSONSerialization.jsonObject(with: Data(jsonText.utf8)) as? [[String: Any]] ?? []
        #expect(alerts.first?["acknowledged"] is NSNull && alerts.first?["silencedUntil"] is NSNull)
        #expect(alerts.first?["interpretation"] as? String == "LL")
    }
}
