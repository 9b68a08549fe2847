import IoMTCore
import IoMTSpirometry
import IoMTTestSupport
import Testing
@testable import IoMTFHIR

/// Spirometry on the wire: reference range (LLN–ULN, equations, age), z-score and % predicted components, the reading's
/// interpretation, and the session's panel Observation with `hasMember` and the ATS/ERS 2022 interpretation.
@Suite struct SpirometryFHIRTests {
    static let patient = "44051401359"
    static let man = try! PatientDemographics.fromPESEL(patient, heightCm: 172)
    static let testTime = CivilTime(year: 2026, month: 5, day: 14, hour: 9).instant(assumingOffsetMinutes: 0)
    static let spirometer = DeviceIdentity(profileId: "contec-spirometer-ble", manufacturer: "Contec", model: "SP80B",
                                           bluetoothAddress: "a4:c1:38:0d:5e:e1")

    static func reading(_ type: MeasurementType, _ value: String, unit: String? = nil, patient: String = patient) -> Observation {
        Observation(type: type, value: DecimalValue(value), unit: unit ?? type.defaultUnit,
                    deviceTime: CivilTime(year: 2026, month: 5, day: 14, hour: 11), receivedAt: testTime, correctedTime: testTime,
                    device: spirometer, patientId: patient, rawFrame: [0xE1])
    }

    /// The value at z for this man, as text with `digits` fraction digits in the reading's unit.
    static func value(_ parameter: SpirometryParameter, atZ z: Double, digits: Int, scale: Double = 1) -> String {
        let subject = man.subject(at: testTime)!
        let raw = try! SpirometryReference.values(parameter, for: subject, equations: .gliGlobal).lms.value(atZ: z)! * scale
        return SpirometryFHIR.decimal(raw, digits: digits).description
    }

    /// An obstructed session: FEV1/FVC at z −2.5, FEV1 at z −3 (moderate), FVC at z −1, and a PEF (no equations).
    static func session(patient: String = patient) -> [BundleInput] {
        [BundleInput(storeId: 11, observation: reading(.fvc, value(.fvc, atZ: -1, digits: 2), patient: patient)),
         BundleInput(storeId: 12, observation: reading(.fev1, value(.fev1, atZ: -3, digits: 2), patient: patient)),
         BundleInput(storeId: 13, observation: reading(.fev1FvcRatio, value(.fev1FVC, atZ: -2.5, digits: 1, scale: 100), patient: patient)),
         BundleInput(storeId: 14, observation: reading(.pef, "5.20", patient: patient))]
    }

    static let builder = PHDBundleBuilder(gateway: Fixtures.gateway, patientDemographics: [patient: man])

    @Test func eachReadingCarriesItsReferenceRangeZScoreAndPercentPredicted() throws {
        let resources = Self.builder.transactionBundle(for: Self.session()).entryResources
        let fev1 = try #require(resources.first { $0["code"]?["coding"]?.arrayValue?.first?["code"]?.stringValue == "152586" })
        let subject = try #require(Self.man.subject(at: Self.testTime))
        let reference = try SpirometryReference.values(.fev1, for: subject, equations: .gliGlobal)
        let range = try #require(fev1["referenceRange"]?.arrayValue?.first)
        // LLN and ULN in litres, one decimal finer than the reading's 0.01 L.
        #expect(range["low"]?["value"]?.numberText == SpirometryFHIR.decimal(reference.lowerLimitOfNormal!, digits: 3).description)
        #expect(range["low"]?["code"]?.stringValue == "L")
        #expect(range["high"]?["value"]?.numberText == SpirometryFHIR.decimal(reference.upperLimitOfNormal!, digits: 3).description)
        #expect(range["age"]?["low"]?["value"]?.numberText == "82.0" && range["age"]?["low"]?["code"]?.stringValue == "a")
        #expect(range["text"]?.stringValue?.contains("GLI Global 2022 (Bowerman 2023, race-neutral), for male, 172 cm, 82.0 years") == true)
        let components = fev1["component"]?.arrayValue ?? []
        let z = try #require(components.first { $0["code"]?["coding"]?.arrayValue?.first?["code"]?.stringValue == "z-score" })
        let observed = try #require(DecimalValue(Self.value(.fev1, atZ: -3, digits: 2))).doubleValue
        #expect(z["valueQuantity"]?["value"]?.numberText == SpirometryFHIR.decimal(reference.zScore(observed: observed)!, digits: 2).description)
        let percent = try #require(components.first { $0["code"]?["coding"]?.arrayValue?.first?["code"]?.stringValue == "percent-predicted" })
        #expect(percent["code"]?["coding"]?.arrayValue?.contains { $0["code"]?.stringValue == "20152-5" } == true)
        // Below the LLN shows in the z-score and the range, not as a bare v3 `L`: PhdBaseObservation requires one
        // measurement-status coding in every interpretation, and none of its codes means "below the LLN".
        #expect(fev1["interpretation"] == nil)
        // The ratio's limits are in the reading's unit (%), not a fraction.
        let ratio = try #require(resources.first { $0["code"]?["coding"]?.arrayValue?.first?["code"]?.stringValue == "188948" })
        let ratioLow = try #require(ratio["referenceRange"]?.arrayValue?.first?["low"]?["value"]?.numberText.flatMap { DecimalValue($0) })
        #expect(ratioLow.doubleValue > 40 && ratioLow.doubleValue < 80)
        // PEF has no GLI equation: no reference range and no note.
        let pef = try #require(resources.first { $0["code"]?["coding"]?.arrayValue?.first?["code"]?.stringValue == "152584" })
        #expect(pef["referenceRange"] == nil && pef["note"] == nil)
    }

    @Test func theSessionIsAPanelWithItsMembersAndTheInterpretation() throws {
        let inputs = Self.session()
        let bundle = Self.builder.transactionBundle(for: inputs)
        let entries = bundle["entry"]?.arrayValue ?? []
        let panel = try #require(entries.last)
        #expect(panel["resource"]?["code"]?["coding"]?.arrayValue?.first?["code"]?.stringValue == "session")
        let members = panel["resource"]?["hasMember"]?.arrayValue?.compactMap { $0["reference"]?.stringValue } ?? []
        let observationURLs = entries.filter { $0["request"]?["url"]?.stringValue == "Observation" }.dropLast().compactMap { $0["fullUrl"]?.stringValue }
        #expect(members == observationURLs && members.count == 4)
        let coding = panel["resource"]?["interpretation"]?.arrayValue?.first?["coding"]?.arrayValue ?? []
        #expect(coding.first?["code"]?.stringValue == "obstruction-moderate")
        #expect(coding.last?["code"]?.stringValue == "A")
        #expect(panel["request"]?["ifNoneExist"]?.stringValue?.contains("spirometry-session-152584.152586.188928.188948-20260514110000.00") == true)
        // The panel maps to no store row.
        #expect(Self.builder.entryStoreIds(for: inputs) == [nil, nil, 11, 12, 13, 14, nil])
        // A lone reading is no session.
        #expect(Self.builder.entryStoreIds(for: [inputs[0]]) == [nil, nil, 11])
    }

    @Test func withoutReferenceValuesTheReasonIsStated() throws {
        let unknown = PHDBundleBuilder(gateway: Fixtures.gateway).transactionBundle(for: Self.session()).entryResources
        let fev1 = try #require(unknown.first { $0["code"]?["coding"]?.arrayValue?.first?["code"]?.stringValue == "152586" })
        #expect(fev1["referenceRange"] == nil)
        #expect(fev1["note"]?.arrayValue?.first?["text"]?.stringValue?.hasPrefix("No reference values: no demographics configured") == true)
        #expect(unknown.last?["note"]?.arrayValue?.first?["text"]?.stringValue?.hasPrefix("Not interpreted") == true)
        // A child of two (born 2024-05-14): below GLI's age range of 3 years.
        let child = "24251401357"
        let toddler = try PatientDemographics.fromPESEL(child, heightCm: 90)
        let resources = PHDBundleBuilder(gateway: Fixtures.gateway, patientDemographics: [child: toddler])
            .transactionBundle(for: [BundleInput(storeId: 1, observation: Self.reading(.fev1, "0.80", patient: child))]).entryResources
        let reason = resources.last?["note"]?.arrayValue?.first?["text"]?.stringValue ?? ""
        #expect(reason.contains("No reference values: age 1.99") && reason.contains("is outside"))
    }

    @Test func spirometryBundlesValidate() async throws {
        let inputs = Self.session()
        let bundles = [Self.builder.transactionBundle(for: inputs).serialized(),
                       PHDBundleBuilder(gateway: Fixtures.gateway).transactionBundle(for: inputs).serialized()]
        let (status, output) = try await FHIRValidation.validate(texts: bundles)
        #expect(status == 0, "fhir.resources rejected a spirometry bundle: \(output)")
        #expect(output.contains("OK 2"))
    }
}
