import Foundation
import Testing

/// `iomtctl decode --fhir`: the transaction Bundle the daemon would upload, validated independently.
@Suite struct CLIDecodeFHIRTests {
    let profiles = ["--profiles-dir", LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles").path]
    let pesel = "44051401359"

    func capture(_ name: String) throws -> String {
        try String(contentsOf: LabHarness.repositoryRoot.appendingPathComponent("Firmware-Fixtures/cms50/\(name)/capture.hex"), encoding: .utf8)
    }

    @Test func printsTheTransactionBundleTheDaemonWouldSend() throws {
        let hex = try capture("legacy-normal-97-72")
        let (plainStatus, plain) = try LabHarness.run("iomtctl", ["decode", "--profile", "contec-cms50d-plus", "--hex", hex] + profiles)
        #expect(plainStatus == 0)
        let decoded = (try JSONSerialization.jsonObject(with: Data(plain.utf8)) as? [String: Any])?["observations"] as? [Any] ?? []
        #expect(!decoded.isEmpty)

        let (status, output) = try LabHarness.run("iomtctl", ["decode", "--profile", "contec-cms50d-plus", "--hex", hex, "--fhir",
                                                              "--patient", pesel, "--gateway-id", "0A1B2C3D4E5F6071",
                                                              "--serial-number", "E2E-CMS50-1", "--at", "2026-11-23T10:00:00Z"] + profiles)
        #expect(status == 0, "\(output)")
        let bundle = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        #expect(bundle?["resourceType"] as? String == "Bundle")
        #expect(bundle?["type"] as? String == "transaction")
        let resources = (bundle?["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
        let profilesOf = resources.map { (($0["meta"] as? [String: Any])?["profile"] as? [String])?.first ?? "" }
        #expect(profilesOf.first?.hasSuffix("PhgDevice") == true)
        #expect(profilesOf.dropFirst().first?.hasSuffix("PhdDevice") == true)
        let observations = resources.filter { $0["resourceType"] as? String == "Observation" }
        #expect(observations.count == decoded.count)
        #expect(observations.allSatisfy { $0["effectiveDateTime"] as? String == "2026-11-23T10:00:00.000Z" })
        #expect(output.contains(pesel)) // the subject, as DOM needs it
        #expect(output.contains("0A1B2C3D4E5F6071"))

        let file = try LabHarness.temporaryDirectory("decode-fhir").appendingPathComponent("bundle.json")
        try output.write(to: file, atomically: true, encoding: .utf8)
        let (valid, report) = try FHIRValidator.validate([file.path])
        #expect(valid == 0, "\(report)")
    }

    @Test func defaultGatewayIdIsTheDocumentedOne() throws {
        let (status, output) = try LabHarness.run("iomtctl", ["decode", "--profile", "contec-cms50d-plus", "--hex", try capture("legacy-normal-97-72"),
                                                              "--fhir", "--patient", pesel] + profiles)
        #expect(status == 0, "\(output)")
        #expect(output.contains("\"value\":\"0000000000000000\""))
    }

    @Test func invalidPESELIsRefusedWithoutEchoingIt() throws {
        for bad in ["44051401358", "4405140135", "4405140135X"] {
            let (status, output) = try LabHarness.run("iomtctl", ["decode", "--profile", "contec-cms50d-plus", "--hex", "e8",
                                                                  "--fhir", "--patient", bad] + profiles)
            #expect(status == 2, "\(output)")
            #expect(output.contains("--patient: "))
            #expect(!output.contains(bad))
        }
        let (missing, text) = try LabHarness.run("iomtctl", ["decode", "--profile", "contec-cms50d-plus", "--hex", "e8", "--fhir"] + profiles)
        #expect(missing == 2)
        #expect(text.contains("--patient PESEL"))
        #expect(try LabHarness.run("iomtctl", ["decode", "--profile", "contec-cms50d-plus", "--hex", "e8", "--patient", pesel] + profiles).0 == 2)
    }
}
