import Foundation
import Testing

/// `iomtctl decode --fhir` and `iomtctl rules test` take the patients' demographics from the daemon's configuration
/// (`--config`), so a spirometry reading shows its reference range and z-score rules fire as in the daemon.
@Suite struct CLISpirometryDemographicsTests {
    let profiles = ["--profiles-dir", LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles").path]
    /// 1944-05-14, male.
    let pesel = "44051401359"

    /// A daemon configuration for the home patient, with or without height (demographics).
    func configuration(heightCm: Int?) throws -> String {
        let height = heightCm.map { #", "heightCm": \#($0)"# } ?? ""
        let file = try LabHarness.temporaryDirectory("cli-demographics").appendingPathComponent("iomtd-\(heightCm ?? 0).json")
        try """
            {"stateDirectory": "/tmp/s", "profilesDirectory": "/tmp/p", "gateway": {"systemId": "0011223344556677"},
             "patient": {"pesel": "\(pesel)", "reference": "P-0001"\(height)}, "dom": {"baseURL": "https://dom.example/fhir"}}
            """.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test func decodeFHIRGivesTheSpirometryReadingsTheirReferenceRangeFromTheConfiguration() async throws {
        let hex = try String(contentsOf: LabHarness.repositoryRoot.appendingPathComponent(
            "Firmware-Fixtures/contec-spirometer/example-record-models-swift/capture.hex"), encoding: .utf8)
        let arguments = ["decode", "--profile", "contec-spirometer-ble", "--characteristic", "FF02", "--hex", hex, "--fhir",
                         "--patient", pesel, "--at", "2022-08-29T17:40:00Z"] + profiles
        let (status, output) = try await LabHarness.run("iomtctl", arguments + ["--config", try configuration(heightCm: 172)])
        #expect(status == 0, "\(output)")
        #expect(output.contains("\"referenceRange\"") && output.contains("GLI"), "\(output.prefix(2000))")
        let (plainStatus, plain) = try await LabHarness.run("iomtctl", arguments + ["--config", try configuration(heightCm: nil)])
        #expect(plainStatus == 0, "\(plain)")
        #expect(!plain.contains("\"referenceRange\""))
        // An explicit configuration that cannot be read is an input error, not silently no reference values.
        let (missing, text) = try await LabHarness.run("iomtctl", arguments + ["--config", "/nonexistent/iomtd.json"])
        #expect(missing == 2 && text.contains("--config: cannot read"), "\(text)")
        let file = try LabHarness.temporaryDirectory("decode-fhir-spirometry").appendingPathComponent("bundle.json")
        try output.write(to: file, atomically: true, encoding: .utf8)
        let (valid, report) = try await FHIRValidator.validate([file.path])
        #expect(valid == 0, "\(report)")
    }

    @Test func rulesTestFiresZScoreRulesWithTheConfiguredDemographics() async throws {
        let directory = try LabHarness.temporaryDirectory("cli-rules-z")
        let rules = directory.appendingPathComponent("rules.json")
        try #"""
            {"version": "z-1", "rules": [{"id": "fev1-z-low", "kind": "z-score", "deviceClass": "spirometer",
              "measurement": "MDC_VOL_AWAY_EXP_FORCED_1S", "below": -2.5, "priority": "medium"}]}
            """#.write(to: rules, atomically: true, encoding: .utf8)
        let readings = directory.appendingPathComponent("readings.ndjson")
        // FEV1 1.20 L for an 82-year-old man of 172 cm: far below the LLN (z about −3.6).
        try #"{"receivedAt": "2026-11-23T10:00:00Z", "observations": [{"code": "MDC_VOL_AWAY_EXP_FORCED_1S", "value": "1.20", "unit": "L", "status": []}]}"#
            .write(to: readings, atomically: true, encoding: .utf8)
        let base = ["rules", "test", "--rules", rules.path, "--readings", readings.path, "--profile", "contec-spirometer-ble", "--patient", "P-0001",
                    "--json"] + profiles
        let (status, text) = try await LabHarness.run("iomtctl", base + ["--config", try configuration(heightCm: 172)])
        #expect(status == 0, "\(text)")
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        let alerts = json?["alerts"] as? [[String: Any]] ?? []
        #expect(alerts.map { $0["rule"] as? String } == ["fev1-z-low"], "\(text)")
        #expect(json?["referenceValues"] as? Bool == true)
        #expect(!text.contains(pesel))
        let (byPesel, peselText) = try await LabHarness.run("iomtctl", base.filter { $0 != "--patient" && $0 != "P-0001" }
            + ["--pesel", pesel, "--config", try configuration(heightCm: 172)])
        #expect(byPesel == 0 && peselText.contains("fev1-z-low") && !peselText.contains(pesel), "\(peselText)")
        // Without demographics nothing can be compared: no alert, and the output says why.
        let (plainStatus, plain) = try await LabHarness.run("iomtctl", base.filter { $0 != "--json" } + ["--config", try configuration(heightCm: nil)])
        #expect(plainStatus == 0 && !plain.contains("fev1-z-low  ") && plain.contains("no patient demographics"), "\(plain)")
    }
}
