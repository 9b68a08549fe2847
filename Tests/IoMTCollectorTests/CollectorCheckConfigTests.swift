import Foundation
import IoMTLab
import Testing

/// `iomt-collector --check-config` (the real binary) warns about an anonymous broker login, which docs/deployment.md
/// forbids: mosquitto 2.0.11 drops messages for a restored anonymous session under an ACL file while PUBACKing them.
@Suite struct CollectorCheckConfigTests {
    /// (exit status, standard output, standard error). The child is read and waited for on a thread of its own, not on
    /// one of the cooperative pool's 2 threads every other test of a parallel pass needs.
    func checkConfig(_ broker: String, directory: URL) async throws -> (Int32, String, String) {
        let config = directory.appendingPathComponent("collector.json")
        try """
            {"broker": {"url": "mqtt://127.0.0.1:1883", "clientId": "c1", "topicPrefix": "iomt/p"\(broker)},
             "dom": {"baseURL": "http://127.0.0.1:9/fhir"}, "stateDirectory": "\(directory.path)/state"}
            """.write(to: config, atomically: true, encoding: .utf8)
        let executable = CollectorLab.binDirectory.appendingPathComponent("iomt-collector")
        return try await LabChildProcess.offThePool {
            Result {
                let process = Process()
                process.executableURL = executable
                process.arguments = ["--check-config", "--config", config.path]
                let output = Pipe(), errors = Pipe()
                process.standardOutput = output
                process.standardError = errors
                try process.run()
                // stderr is short (a warning or two): reading stdout to its end first cannot fill the stderr pipe.
                let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                return (process.terminationStatus, out, err)
            }
        }.get()
    }

    @Test func anAnonymousBrokerLoginIsWarnedAboutAndANamedOneIsNot() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iomt-collector-check-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let (status, out, err) = try await checkConfig("", directory: directory)
        #expect(status == 0, "a valid configuration, only unsafe: \(err)")
        #expect(err.contains("warning:") && err.contains("anonymously") && err.contains("broker.username"), "no warning about the anonymous login:\n\(err)")
        #expect(out.contains("(with warnings)"), "\(out)")

        let passwordFile = directory.appendingPathComponent("broker.password").path
        #expect(FileManager.default.createFile(atPath: passwordFile, contents: Data("secret\n".utf8), attributes: [.posixPermissions: 0o600]))
        let (namedStatus, namedOut, namedErr) = try await checkConfig(", \"username\": \"collector-host1-1\", \"passwordFile\": \"\(passwordFile)\"",
                                                                directory: directory)
        #expect(namedStatus == 0, "\(namedErr)")
        #expect(!namedErr.contains("warning"), "\(namedErr)")
        #expect(namedOut.contains("is valid") && !namedOut.contains("warnings"), "\(namedOut)")
    }
}
