import Foundation

/// The independent FHIR validator (scripts/validate_fhir.py on fhir.resources in the repository's .venv, plus the PHD IG
/// v1.1.0 profile check scripts/phd_conformance.py), for every test target that checks what we put on the wire.
public enum FHIRValidation {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    public static var python: String { RepositoryRoot.path(".venv/bin/python") }

    /// Validates the files (JSON bundles or NDJSON); (exit status, output). Throws when the validator is not installed.
    public static func validate(_ paths: [String]) async throws -> (Int32, String) {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Missing(description: "no Python venv at \(python): run scripts/setup-python.sh (installs fhir.resources)")
        }
        return try await ProgramRun.run(python, [RepositoryRoot.path("scripts/validate_fhir.py")] + paths)
    }

    /// The PHD IG profile check alone (scripts/phd_conformance.py on the vendored IG sources); (exit status, output).
    public static func conformance(_ paths: [String]) async throws -> (Int32, String) {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw Missing(description: "no Python venv at \(python): run scripts/setup-python.sh")
        }
        return try await ProgramRun.run(python, [RepositoryRoot.path("scripts/phd_conformance.py")] + paths)
    }

    /// Validates resources given as text, one per line (written to a temporary NDJSON file).
    public static func validate(texts: [String]) async throws -> (Int32, String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("iomtd-bundles-\(UUID().uuidString).ndjson")
        try texts.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try await validate([file.path])
    }
}
