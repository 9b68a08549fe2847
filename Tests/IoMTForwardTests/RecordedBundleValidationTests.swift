import Foundation
import IoMTCore
import IoMTForward
import IoMTLab
import IoMTStore
import IoMTTestSupport
import Testing

/// Bundles as they crossed the wire (recorded by the receiver) validated by Python fhir.resources.
@Suite struct RecordedBundleValidationTests {
    @Test func deliveredBundlesValidateWithFHIRResources() async throws {
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
        let (status, output) = try await FHIRValidation.validate(files)
        #expect(status == 0, "fhir.resources rejected a delivered bundle: \(output)")
        #expect(output.contains("OK 3"))
        // Precision survived the whole pipeline: 95.0 stays 95.0 on the wire.
        let first = try String(contentsOfFile: files[0], encoding: .utf8)
        #expect(first.contains("\"value\":95.0,"))
    }
}
