import Foundation
import IoMTCore
import IoMTForward
import IoMTLab
import IoMTStore
import Testing

/// Bundles as they crossed the wire (recorded by the receiver) validated by Python fhir.resources.
@Suite struct RecordedBundleValidationTests {
    @Test func deliveredBundlesValidateWithFHIRResources() async throws {
        var root = URL(fileURLWithPath: #filePath)
        repeat { root.deleteLastPathComponent() } while root.path != "/" && !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path)
        let python = root.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("no Python venv at \(python): run scripts/setup-python.sh (installs fhir.resources==8.3.0)")
            return
        }
        let fixture = try StoreFixture()
        let recordDirectory = fixture.directory.appendingPathComponent("recorded").path
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration(recordDirectory: recordDirectory))
        let port = try receiver.start()
        defer { receiver.stop() }
        _ = try await fixture.store.append(readings(12) { DecimalValue(significand: Int64(950 + $0), exponent: -1) })
        await drain(makeForwarder(fixture, port: port, batchSize: 5))
        #expect(receiver.observationCount == 12)

        let files = try FileManager.default.contentsOfDirectory(atPath: recordDirectory).sorted().map { recordDirectory + "/" + $0 }
        #expect(files.count == 3)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [root.appendingPathComponent("scripts/validate_fhir.py").path] + files
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "fhir.resources rejected a delivered bundle: \(output)")
        #expect(output.contains("OK 3"))
        // Precision survived the whole pipeline: 95.0 stays 95.0 on the wire.
        let first = try String(contentsOfFile: files[0], encoding: .utf8)
        #expect(first.contains("\"value\":95.0,"))
    }
}
