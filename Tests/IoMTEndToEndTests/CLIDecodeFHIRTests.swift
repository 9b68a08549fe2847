import Foundation
import Testing

/// `iomtctl decode --fhir`: the transaction Bundle the daemon would upload, validated independently.
@Suite struct CLIDecodeFHIRTests {
    let profiles = ["--profiles-dir", LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles").path]
    let pesel = "44051401359"

    func capture(_ name: String) throws -> String {
        try String(contentsOf: LabHarness.repositoryRoot.appendingPathComponent("Firmware-Fixtures/cms50/\(name)/capture.hex"), encoding: .utf8)
    }

    @Test func printsTheTransactionBundleTheDaemonWouldSend() async throws {
        let hex = try capture("legacy-normal-97-72")
        let (plainStatus, plain) = try await LabHarness.run("iomtctl", ["decode", "--profile", "contec-cms50d-plus", "--hex", hex] + profiles)
        #expect(plainStatus == 0)
        let decoded = (try JSONSerialization.jsonObject(with: Data(plain.utf8)) as? [String: Any])?["observations"] as? [Any] ?? []
        #expect(!decoded.isEmpty)

        let (status, output) = try await LabHarness.run("iomtctl", ["decode", "--profile", "contec-cms50d-plus", "--hex", hex, "--fhir",
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
        let (valid, report) = try await FHIRValidator.validate([file.path])
        #expect(valid == 0, "\(report)")
    }

    @Test func defaultGatewayIdIsTheDocumentedOne() async throws {
        let (status, output) = try await LabHarness.run("iomtctl", ["decode", "--profile", "contec-cms50d-plus", "--hex", try capture("legacy-normal-97-72"),
                                                              "--fhir", "--patient", pesel] + profiles)
        #expect(status == 0, "\(output)")
        #expect(output.contains("\"value\":\"00-00-00-00-00-00-00-00\"")) // the PhgDevice System Id, dash-separated (PHD IG)
    }

    @Test func invalidPESELIsRefusedWithoutEchoingIt() async throws {
        for bad in ["44051401358", "4405140135", "4405140135X"] {
            let (status, output) = try await LabHarness.run("iomtctl", ["decode", "--profile", "contec-cms50d-plus", "--hex", "e8",
                                                                  "--fhir", "--patient", bad] + profiles)
            #expect(status == 2, "\(output)")
            #expect(output.contains("--patient: "))
            #expect(!output.contains(bad))
        }
        let (missing, text) = try await LabHarness.run("iomtctl", ["decode", "--profile", "contec-cms50d-plus", "--hex", "e8", "--fhir"] + profiles)
        #expect(missing == 2)
        #expect(text.contains("--patient PESEL"))
        #expect(try await LabHarness.run("iomtctl", ["decode", "--profile", "contec-cms50d-plus", "--hex", "e8", "--patient", pesel] + profiles).0 == 2)
    }

    /// Bluetooth readings in FHIR: a compound blood pressure with a NaN component, a thermometer's
    /// +INF and a glucose record from a reset clock, each bundle valid, special values as
    /// dataAbsentReason and the unset clock replaced by the receipt time.
    @Test func bluetoothReadingsBecomeValidBundles() async throws {
        func bluetoothCapture(_ path: String) throws -> String {
            try String(contentsOf: LabHarness.repositoryRoot.appendingPathComponent("Firmware-Fixtures/\(path)/capture.hex"), encoding: .utf8)
        }
        let cases: [(profile: String, fixture: String, mustContain: [String])] = [
            ("ble-blood-pressure", "ble-blood-pressure/bpm-systolic-nan", ["\"code\":\"not-a-number\"", "\"code\":\"150022\""]),
            ("ble-health-thermometer", "ble-health-thermometer/temp-special-plusinf", ["\"code\":\"positive-infinity\""]),
            // An unset meter clock is kept as stamped (and flagged time-untrusted, so the daemon holds it), never re-stamped "now".
            ("ble-glucose", "ble-glucose/gm-clock-year-2000", ["\"effectiveDateTime\":\"2000-01-01T00:00:00.000Z\"", "\"code\":\"160184\""]),
            ("ble-weight-scale", "ble-weight-scale/weight-flags-0e-stamp-user-bmi-height", ["\"code\":\"188752\"", "\"code\":\"kg/m2\""]),
        ]
        let directory = try LabHarness.temporaryDirectory("decode-fhir-ble")
        var files: [String] = []
        for (index, item) in cases.enumerated() {
            let (status, output) = try await LabHarness.run("iomtctl", ["decode", "--profile", item.profile, "--hex", try bluetoothCapture(item.fixture),
                                                                  "--fhir", "--patient", pesel, "--at", "2026-11-23T10:00:00Z"] + profiles)
            #expect(status == 0, "\(item.fixture): \(output)")
            for text in item.mustContain { #expect(output.contains(text), "\(item.fixture) lacks \(text): \(output)") }
            let file = directory.appendingPathComponent("bundle-\(index).json")
            try output.write(to: file, atomically: true, encoding: .utf8)
            files.append(file.path)
        }
        let (valid, report) = try await FHIRValidator.validate(files)
        #expect(valid == 0, "\(report)")
    }
}
