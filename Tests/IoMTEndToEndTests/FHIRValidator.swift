import Foundation
import Testing

/// Runs scripts/validate_fhir.py (fhir.resources, an independent FHIR model) on files; returns (status, output).
enum FHIRValidator {
    static func validate(_ paths: [String]) throws -> (Int32, String) {
        let python = LabHarness.repositoryRoot.appendingPathComponent(".venv/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "run scripts/setup-python.sh to install the FHIR validator")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [LabHarness.repositoryRoot.appendingPathComponent("scripts/validate_fhir.py").path] + paths
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    static func recordedBundles(_ lab: GatewayScenario) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: lab.bundlesDirectory.path)) ?? [])
            .filter { $0.hasSuffix(".json") }.map { lab.bundlesDirectory.appendingPathComponent($0).path }
    }

    /// Every bundle the receiver recorded passes the independent validator.
    static func validateRecordedBundles(_ lab: GatewayScenario) throws {
        let bundles = recordedBundles(lab)
        #expect(!bundles.isEmpty, "the receiver recorded no bundle")
        let (status, output) = try validate(bundles)
        #expect(status == 0, "\(output)")
    }
}
