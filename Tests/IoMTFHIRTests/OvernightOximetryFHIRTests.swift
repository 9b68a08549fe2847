import Foundation
import IoMTCore
import IoMTTestSupport
import Testing
@testable import IoMTFHIR

/// An overnight oximetry session (one stored row with its sample series and summary) as DOM receives it
/// (docs/fhir-mapping.md, "Overnight oximetry"): a summary Observation and two PhdRtsaObservations, one bundle.
@Suite struct OvernightOximetryFHIRTests {
    static let ring = DeviceIdentity(profileId: "viatom-o2ring", manufacturer: "Viatom", model: "O2Ring", bluetoothAddress: "c8:f0:9e:11:22:33")

    static func session(patient: String? = "85010112345") -> Observation {
        let figures: [(MeasurementType, DecimalValue?)] = [
            (OvernightOximetry.Figure.recordingTime.type, DecimalValue(20)), (OvernightOximetry.Figure.validTime.type, DecimalValue(16)),
            (OvernightOximetry.Figure.spo2Mean.type, DecimalValue(significand: 928, exponent: -1)), (OvernightOximetry.Figure.spo2Minimum.type, DecimalValue(88)),
            (OvernightOximetry.Figure.t90.type, DecimalValue(4)), (OvernightOximetry.Figure.t90Share.type, DecimalValue(significand: 250, exponent: -1)),
            (OvernightOximetry.Figure.odi3.type, DecimalValue(significand: 0, exponent: -1)), (OvernightOximetry.Figure.odi4.type, nil),
        ]
        return Observation(type: OvernightOximetry.session, value: nil, unit: "",
                           components: figures.map { ObservationComponent(type: $0.0, value: $0.1, unit: $0.0.defaultUnit) },
                           deviceTime: CivilTime(year: 2026, month: 12, day: 2, hour: 22, minute: 30, second: 0),
                           receivedAt: Fixtures.received, correctedTime: Instant(millisecondsSinceEpoch: 1_796_250_600_000),
                           device: ring, patientId: patient, rawFrame: [3, 0],
                           series: [SampleSeries(type: .spo2, periodMilliseconds: 4000, lowerLimit: DecimalValue(0), upperLimit: DecimalValue(100),
                                                 samples: [95, nil, 88, 96, 97]),
                                    SampleSeries(type: .pulseRateOximetry, periodMilliseconds: 4000, lowerLimit: DecimalValue(20),
                                                 upperLimit: DecimalValue(350), samples: [62, nil, 70, 400, 61])])
    }

    @Test func aSessionIsOneSummaryWithTwoSampleArraysInOneBundle() throws {
        let builder = PHDBundleBuilder(gateway: Fixtures.gateway)
        let inputs = [BundleInput(storeId: 41, observation: Self.session())]
        let bundle = builder.transactionBundle(for: inputs)
        let observations = bundle.entryResources.filter { $0["resourceType"]?.stringValue == "Observation" }
        #expect(observations.count == 3)
        #expect(builder.entryStoreIds(for: inputs) == [nil, nil, 41, 41, 41])
        let summary = observations[0], spo2 = observations[1], pulse = observations[2]
        // The summary: local codes with text, the method, the period, and its members are the two arrays of this bundle.
        #expect(summary["code"]?["coding"]?[0]?["system"]?.stringValue == "urn:iomtd:oximetry")
        #expect(summary["code"]?["coding"]?[0]?["code"]?.stringValue == "session")
        #expect(summary["meta"] == nil && summary["method"]?["text"]?.stringValue?.contains("120 s") == true)
        #expect(summary["effectivePeriod"]?["start"]?.stringValue == "2026-12-02T22:30:00.000Z")
        #expect(summary["effectivePeriod"]?["end"]?.stringValue == "2026-12-02T22:30:20.000Z")
        let urls = (bundle["entry"]?.arrayValue ?? []).suffix(2).compactMap { $0["fullUrl"]?.stringValue }
        let members: [String] = summary["hasMember"]?.arrayValue?.compactMap { $0["reference"]?.stringValue } ?? []
        #expect(members == urls)
        let components = summary["component"]?.arrayValue ?? []
        let codes: [String] = components.compactMap { $0["code"]?["coding"]?[0]?["code"]?.stringValue }
        let expectedCodes: [String] = ["recording-time", "valid-time", "spo2-mean", "spo2-min", "t90", "t90-percent", "odi3", "odi4"]
        #expect(codes == expectedCodes)
        #expect(components[2]["valueQuantity"]?["value"]?.numberText == "92.8" && components[2]["valueQuantity"]?["code"]?.stringValue == "%")
        #expect(components[2]["code"]?["text"]?.stringValue == "SpO2 mean over the valid time")
        #expect(components[7]["valueQuantity"] == nil && components[7]["dataAbsentReason"]?["coding"]?[0]?["code"]?.stringValue == "not-performed")
        // The arrays: the RTSA profile, MDC + LOINC, period in ms, origin 0 and factor 1, the limits, "E" for no sample,
        // "U" above the upper limit.
        #expect(spo2["meta"]?["profile"]?[0]?.stringValue == PHDProfile.rtsa)
        let spo2Codes: [String] = spo2["code"]?["coding"]?.arrayValue?.compactMap { $0["code"]?.stringValue } ?? []
        #expect(spo2Codes == ["150456", "2708-6"])
        #expect(spo2["effectiveDateTime"]?.stringValue == "2026-12-02T22:30:00.000Z")
        let sampled = try #require(spo2["valueSampledData"])
        #expect(sampled["period"]?.numberText == "4000" && sampled["factor"]?.numberText == "1" && sampled["dimensions"]?.numberText == "1")
        #expect(sampled["origin"]?["value"]?.numberText == "0" && sampled["origin"]?["code"]?.stringValue == "%")
        #expect(sampled["lowerLimit"]?.numberText == "0" && sampled["upperLimit"]?.numberText == "100")
        #expect(sampled["data"]?.stringValue == "95 E 88 96 97")
        #expect(pulse["valueSampledData"]?["data"]?.stringValue == "62 E 70 U 61")
        // Conditional-create identifiers: the summary's is the row's; the arrays' follow the RTSA profile's rule.
        let identifiers: [String] = observations.compactMap { $0["identifier"]?[0]?["value"]?.stringValue }
        let expectedIdentifiers: [String] = ["C8F09E112233-85010112345-urn:oid:2.16.840.1.113883.3.4424.1.1.616-oximetry-session-20261202223000.00",
                                "C8F09E112233-85010112345-urn:oid:2.16.840.1.113883.3.4424.1.1.616-150456-4000-1-95-%-20261202223000.00",
                                "C8F09E112233-85010112345-urn:oid:2.16.840.1.113883.3.4424.1.1.616-149530-4000-1-62-/min-20261202223000.00"]
        #expect(identifiers == expectedIdentifiers)
        #expect(PHDObservationIdentifier.value(for: Self.session()) == identifiers[0])
        // Re-sending the row builds the same bundle.
        #expect(builder.transactionBundle(for: inputs).serialized() == bundle.serialized())
    }

    @Test func theSessionBundleIsValidFHIRAndConformsToThePHDIG() async throws {
        let builder = PHDBundleBuilder(gateway: Fixtures.gateway)
        let bundles = [builder.transactionBundle(for: [BundleInput(storeId: 41, observation: Self.session())]),
                       builder.transactionBundle(for: Fixtures.sampleInputs() + [BundleInput(storeId: 42, observation: Self.session(), seriesInterpretations: ["MDC_PULS_OXIM_SAT_O2": "LL"])])]
            .map { $0.serialized() }
        let (valid, validation) = try await FHIRValidation.validate(texts: bundles)
        #expect(valid == 0, "\(validation)")
        let directory = TemporaryDirectory("iomt-oximetry-session")
        let (conformant, output) = try await FHIRValidation.conformance(try PHDConformanceTests.write(bundles, in: directory))
        #expect(conformant == 0, "\(output)")
        #expect(output.contains("PhdRtsaObservation") || output.contains("CONFORMANT"))
    }
}
