import IoMTSpirometry
import Testing

/// The LMS formulas on cases computed by hand.
@Suite struct LMSTests {
    @Test func linearCaseGivesZLimitsAndPercent() throws {
        // L = 1: z = (3.5/4 − 1)/(0.1) = −1.25; LLN = 4·(1 − 0.1645) = 3.342; ULN = 4.658; 87.5 %.
        let lms = LMS(l: 1, m: 4, s: 0.1)
        #expect(abs(try #require(lms.zScore(observed: 3.5)) + 1.25) < 1e-12)
        #expect(abs(try #require(lms.lowerLimitOfNormal) - 3.342) < 1e-12)
        #expect(abs(try #require(lms.upperLimitOfNormal) - 4.658) < 1e-12)
        #expect(abs(try #require(lms.percentPredicted(observed: 3.5)) - 87.5) < 1e-12)
    }

    @Test func skewedCase() throws {
        // L = 2, M = 2, S = 0.2, obs 2.4: z = (1.44 − 1)/0.4 = 1.1; LLN = 2·√(1 − 0.658) = 2·√0.342.
        let lms = LMS(l: 2, m: 2, s: 0.2)
        #expect(abs(try #require(lms.zScore(observed: 2.4)) - 1.1) < 1e-12)
        #expect(abs(try #require(lms.lowerLimitOfNormal) - 2 * 0.342.squareRoot()) < 1e-12)
        // The z of the LLN is the 5th centile's.
        let lln = try #require(lms.lowerLimitOfNormal)
        #expect(abs(try #require(lms.zScore(observed: lln)) + 1.645) < 1e-9)
    }

    @Test func zeroLIsTheLogNormalLimit() throws {
        // L = 0: z = ln(obs/M)/S; obs = M·e^0.1 with S = 0.1 gives z = 1.
        let lms = LMS(l: 0, m: 3, s: 0.1)
        #expect(abs(try #require(lms.zScore(observed: 3 * 1.1051709180756477)) - 1) < 1e-9)
    }

    @Test func noValueWhereTheCurveHasNone() {
        // L = 4, S = 0.2: 1 − 1.645·0.8 < 0, the 5th centile does not exist; a non-positive observation has no z.
        let lms = LMS(l: 4, m: 1, s: 0.2)
        #expect(lms.lowerLimitOfNormal == nil)
        #expect(lms.zScore(observed: 0) == nil)
        #expect(lms.zScore(observed: -1) == nil)
        #expect(lms.zScore(observed: .nan) == nil)
    }
}
