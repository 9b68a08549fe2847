import Foundation
import IoMTCore
import IoMTTestSupport
import Testing
@testable import IoMTFHIR

/// Independent validation: our bundles checked by Python fhir.resources (R4B models), a peer we did not write.
@Suite struct FHIRResourcesValidationTests {
    /// Runs the independent validator on bundles (NDJSON); (exit status, output).
    static func validate(_ bundles: [String]) async throws -> (Int32, String) { try await FHIRValidation.validate(texts: bundles) }

    @Test func ourBundlesValidate() async throws {
        let builder = PHDBundleBuilder(gateway: Fixtures.gateway)
        var mixedUnits = Fixtures.bloodPressure()
        mixedUnits.components[2] = ObservationComponent(type: .meanArterial, value: nil, unit: "kPa", status: [.invalid])
        let inputs = Fixtures.sampleInputs() + [
            BundleInput(storeId: 7, observation: Fixtures.spo2(DecimalValue(90), status: [.measurementOngoing])),
            BundleInput(storeId: 8, observation: Fixtures.spo2(DecimalValue(91), status: [.earlyIndication, .calibrationOngoing])),
            BundleInput(storeId: 9, observation: mixedUnits),
            BundleInput(storeId: 10, observation: Fixtures.spo2(DecimalValue(significand: 935, exponent: -1), status: [.compactedSummary]),
                        summary: ReadingSummary(count: 60, minimum: DecimalValue(88), maximum: DecimalValue(97),
                                                periodEnd: Fixtures.received.adding(milliseconds: 60_000))),
        ]
        let bundles = [builder.transactionBundle(for: inputs).serialized()]
            + inputs.map { builder.transactionBundle(for: [$0]).serialized() }
        let (status, output) = try await Self.validate(bundles)
        #expect(status == 0, "fhir.resources rejected our bundle: \(output)")
        #expect(output.contains("OK \(bundles.count)"))
    }

    @Test func theValidatorCanFail() async throws {
        let builder = PHDBundleBuilder(gateway: Fixtures.gateway)
        let good = builder.transactionBundle(for: [BundleInput(storeId: 1, observation: Fixtures.temperature())]).serialized()
        // valueQuantity.value as a string, and an Observation without its required status.
        let stringValue = good.replacingOccurrences(of: "\"value\":36.50", with: "\"value\":\"thirty-six\"")
        let noStatus = good.replacingOccurrences(of: "\"status\":\"final\",", with: "")
        #expect(stringValue != good && noStatus != good)
        for broken in [stringValue, noStatus] {
            let (status, output) = try await Self.validate([broken])
            #expect(status == 1, "validator accepted a broken bundle: \(output)")
            #expect(output.contains("INVALID"))
        }
    }
}
