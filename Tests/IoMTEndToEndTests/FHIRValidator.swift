import Foundation
import IoMTTestSupport
import Testing

/// Runs scripts/validate_fhir.py (fhir.resources, an independent FHIR model) on files; returns (status, output).
enum FHIRValidator {
    static func validate(_ paths: [String]) async throws -> (Int32, String) { try await FHIRValidation.validate(paths) }

    static func recordedBundles(_ lab: GatewayScenario) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: lab.bundlesDirectory.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.map { lab.bundlesDirectory.appendingPathComponent($0).path }
    }

    /// (all entries, Observation entries) over the bundles the receiver recorded: what DOM was asked to process.
    static func recordedEntryCounts(_ lab: GatewayScenario) throws -> (Int, Int) {
        var entries = 0, observations = 0
        for path in recordedBundles(lab) {
            let bundle = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
            for entry in bundle?["entry"] as? [[String: Any]] ?? [] {
                entries += 1
                if (entry["resource"] as? [String: Any])?["resourceType"] as? String == "Observation" { observations += 1 }
            }
        }
        return (entries, observations)
    }

    /// Every bundle the receiver recorded passes the independent validator.
    static func validateRecordedBundles(_ lab: GatewayScenario) async throws {
        let bundles = recordedBundles(lab)
        #expect(!bundles.isEmpty, "the receiver recorded no bundle")
        let (status, output) = try await validate(bundles)
        #expect(status == 0, "\(output)")
    }
}
