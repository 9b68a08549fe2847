import Foundation
import IoMTSpirometry
import Testing

/// Outside an equation's range: no values, and the reason (field, value, range).
@Suite struct ReferenceRangeTests {
    @Test func ageOutsideTheTablesIsRefusedWithTheRange() {
        let child = ReferenceSubject(sex: .female, ageYears: 2.9, heightCm: 95)
        #expect(throws: ReferenceValueError.outOfRange(field: "age", value: 2.9, range: 3...95, equations: .gliGlobal)) {
            try SpirometryReference.values(.fev1, for: child, equations: .gliGlobal)
        }
        let old = ReferenceSubject(sex: .male, ageYears: 95.1, heightCm: 170, ethnicity: .caucasian)
        #expect(throws: ReferenceValueError.outOfRange(field: "age", value: 95.1, range: 3...95, equations: .gli2012)) {
            try SpirometryReference.values(.fvc, for: old, equations: .gli2012)
        }
        let notANumber = ReferenceSubject(sex: .male, ageYears: .nan, heightCm: 170)
        #expect(throws: ReferenceValueError.self) { try SpirometryReference.values(.fvc, for: notANumber, equations: .gliGlobal) }
    }

    @Test func fef2575StopsAtNinetyInGLI2012() throws {
        let subject = ReferenceSubject(sex: .female, ageYears: 92, heightCm: 160, ethnicity: .caucasian)
        #expect(throws: ReferenceValueError.outOfRange(field: "age", value: 92, range: 3...90, equations: .gli2012)) {
            try SpirometryReference.values(.fef2575, for: subject, equations: .gli2012)
        }
        _ = try SpirometryReference.values(.fev1, for: subject, equations: .gli2012)
    }

    @Test func heightOutsideTheAcceptedRangeIsRefused() {
        let subject = ReferenceSubject(sex: .male, ageYears: 40, heightCm: 260)
        let error = ReferenceValueError.outOfRange(field: "height", value: 260, range: 50...250, equations: .gliGlobal)
        #expect(throws: error) { try SpirometryReference.values(.fev1, for: subject, equations: .gliGlobal) }
        #expect(error.description.contains("height 260") && error.description.contains("50–250"))
    }

    @Test func ethnicityGoesWithGLI2012Only() {
        let withEthnicity = ReferenceSubject(sex: .male, ageYears: 40, heightCm: 175, ethnicity: .northEastAsian)
        #expect(throws: ReferenceValueError.ethnicityNotApplicable(equations: .gliGlobal)) {
            try SpirometryReference.values(.fev1, for: withEthnicity, equations: .gliGlobal)
        }
        let without = ReferenceSubject(sex: .male, ageYears: 40, heightCm: 175)
        #expect(throws: ReferenceValueError.ethnicityRequired(equations: .gli2012)) {
            try SpirometryReference.values(.fev1, for: without, equations: .gli2012)
        }
    }

    @Test func parametersWithoutAnEquationAreNamed() {
        let subject = ReferenceSubject(sex: .male, ageYears: 40, heightCm: 175)
        #expect(throws: ReferenceValueError.notDefined(parameter: .fev6, equations: .gliGlobal)) {
            try SpirometryReference.values(.fev6, for: subject, equations: .gliGlobal)
        }
        #expect(throws: ReferenceValueError.notDefined(parameter: .fef2575, equations: .gliGlobal)) {
            try SpirometryReference.values(.fef2575, for: subject, equations: .gliGlobal)
        }
    }

    @Test func gliGlobalLooksUpTheQuarterYearRowWithoutInterpolating() throws {
        let atRow = try SpirometryReference.values(.fev1, for: ReferenceSubject(sex: .male, ageYears: 40, heightCm: 175), equations: .gliGlobal)
        let between = try SpirometryReference.values(.fev1, for: ReferenceSubject(sex: .male, ageYears: 40.2, heightCm: 175), equations: .gliGlobal)
        // Same spline row; only the ln(age) terms move.
        // exp(a2·ln(40.2/40)) for male FEV1 (a2 = −0.011394, Bowerman 2023).
        let expectedRatio = exp(-0.011394 * log(40.2 / 40))
        #expect(abs(between.predicted / atRow.predicted - expectedRatio) < 1e-12)
    }
}
