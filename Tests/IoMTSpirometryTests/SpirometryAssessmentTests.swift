import IoMTCore
import IoMTSpirometry
import Testing

/// A reading against the patient's equations: units converted, age from the PESEL at the test time, the reason when
/// there are no reference values.
@Suite struct SpirometryAssessmentTests {
    let man = try! PatientDemographics.fromPESEL("44051401359", heightCm: 172)
    let testTime = CivilTime(year: 2026, month: 5, day: 14).instant(assumingOffsetMinutes: 0)

    @Test func fev1MatchesTheReferenceCodePath() throws {
        let assessment = try SpirometryAssessment.assess(type: .fev1, value: DecimalValue("2.10")!, unit: "L", demographics: man, at: testTime).get()
        let direct = try SpirometryReference.values(.fev1, for: ReferenceSubject(sex: .male, ageYears: 29_950 / 365.25, heightCm: 172), equations: .gliGlobal)
        #expect(assessment.zScore == direct.zScore(observed: 2.10))
        #expect(assessment.percentPredicted == direct.percentPredicted(observed: 2.10))
        #expect(assessment.equations == .gliGlobal && abs(assessment.ageYears - 81.9986) < 0.001)
    }

    @Test func ratioInPercentIsAFraction() throws {
        let percent = try SpirometryAssessment.assess(type: .fev1FvcRatio, value: DecimalValue("65.0")!, unit: "%", demographics: man, at: testTime).get()
        #expect(abs(percent.observed - 0.65) < 1e-12)
        let millilitres = try SpirometryAssessment.assess(type: .fvc, value: DecimalValue("3100")!, unit: "mL", demographics: man, at: testTime).get()
        #expect(abs(millilitres.observed - 3.1) < 1e-12)
    }

    @Test func noReferenceValuesSayWhy() {
        func reason(_ type: MeasurementType, _ unit: String = "L", demographics: PatientDemographics?, at time: Instant) -> SpirometryAssessment.Unavailable? {
            if case let .failure(reason) = SpirometryAssessment.assess(type: type, value: DecimalValue("2.0")!, unit: unit, demographics: demographics, at: time) { return reason }
            return nil
        }
        #expect(reason(.pef, "L/s", demographics: man, at: testTime) == .notReferenced(measurement: "MDC_FLOW_AWAY_EXP_FORCED_PEAK"))
        #expect(reason(.fev1, demographics: nil, at: testTime) == .noDemographics)
        #expect(reason(.fev1, "cL", demographics: man, at: testTime) == .unit("cL", parameter: .fev1))
        #expect(reason(.fev6, demographics: man, at: testTime) == .reference(.notDefined(parameter: .fev6, equations: .gliGlobal)))
        // 1944 + 96 years: past GLI's 95.
        let late = CivilTime(year: 2040, month: 6, day: 1).instant(assumingOffsetMinutes: 0)
        guard case .reference(.outOfRange(field: "age", _, _, _))? = reason(.fev1, demographics: man, at: late) else {
            Issue.record("an age past the equations' range must say so"); return
        }
    }
}
