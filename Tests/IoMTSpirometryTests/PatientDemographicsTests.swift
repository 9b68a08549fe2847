import IoMTCore
import IoMTSpirometry
import Testing

/// Sex and date of birth from the PESEL, checked against declared values; age at the test date.
@Suite struct PatientDemographicsTests {
    /// 1944-05-14, tenth digit 5 (odd): male. Check digit: Σ weights·digits = 101 → 9.
    static let man1944 = "44051401359"
    /// 2005-03-07 (month 03 + 20 for the 2000s), tenth digit 4 (even): female. Σ = 117 → check digit 3.
    static let woman2005 = "05230712343"

    @Test func sexComesFromTheTenthDigitAndBirthDateFromTheCenturyOffset() throws {
        #expect(try PESEL.sex(Self.man1944) == .male)
        #expect(try PESEL.sex(Self.woman2005) == .female)
        let woman = try PatientDemographics.fromPESEL(Self.woman2005, heightCm: 160)
        #expect(woman.sex == .female)
        #expect((woman.birthDate.year, woman.birthDate.month, woman.birthDate.day) == (2005, 3, 7))
        let man = try PatientDemographics.fromPESEL(Self.man1944, heightCm: 172)
        #expect(man.sex == .male && man.birthDate.year == 1944 && man.equations == .gliGlobal)
    }

    @Test func aWrongCheckDigitIsRefusedNamingTheField() {
        #expect(throws: PatientDemographics.Problem.pesel(.checksum(expected: 9, found: 8))) {
            try PatientDemographics.fromPESEL("44051401358", heightCm: 172)
        }
        #expect(throws: PESEL.ValidationError.checksum(expected: 9, found: 8)) { try PESEL.sex("44051401358") }
        let problem = PatientDemographics.Problem.pesel(.checksum(expected: 9, found: 8))
        #expect(problem.field == "pesel" && !problem.description.contains("4405140135"))
    }

    @Test func declaredValuesAreCheckedAgainstThePESEL() throws {
        #expect(throws: PatientDemographics.Problem.sexDiffersFromPESEL) {
            try PatientDemographics.fromPESEL(Self.man1944, heightCm: 172, declaredSex: .female)
        }
        // A registered sex that differs from sex at birth: accepted only when confirmed, and then the declared one counts.
        let confirmed = try PatientDemographics.fromPESEL(Self.man1944, heightCm: 172, declaredSex: .female, sexAtBirthConfirmed: true)
        #expect(confirmed.sex == .female)
        #expect(throws: PatientDemographics.Problem.birthDateDiffersFromPESEL) {
            try PatientDemographics.fromPESEL(Self.man1944, heightCm: 172, declaredBirthDate: CivilTime(year: 1944, month: 5, day: 15))
        }
        _ = try PatientDemographics.fromPESEL(Self.man1944, heightCm: 172, declaredSex: .male, declaredBirthDate: CivilTime(year: 1944, month: 5, day: 14))
    }

    @Test func heightAndEquationsAreChecked() {
        #expect(throws: PatientDemographics.Problem.height(30)) { try PatientDemographics.fromPESEL(Self.man1944, heightCm: 30) }
        #expect(throws: PatientDemographics.Problem.reference(.ethnicityNotApplicable(equations: .gliGlobal))) {
            try PatientDemographics.fromPESEL(Self.man1944, heightCm: 172, ethnicity: .caucasian)
        }
        #expect(throws: PatientDemographics.Problem.reference(.ethnicityRequired(equations: .gli2012))) {
            try PatientDemographics.fromPESEL(Self.man1944, heightCm: 172, equations: .gli2012)
        }
    }

    @Test func ageIsDecimalYearsAtTheTestTime() throws {
        let man = try PatientDemographics.fromPESEL(Self.man1944, heightCm: 172)
        // 1944-05-14 → 2026-05-14: 82 × 365 + 20 leap days = 29,950 days = 81.9986 years of 365.25 days.
        let birthday = CivilTime(year: 2026, month: 5, day: 14).instant(assumingOffsetMinutes: 0)
        #expect(abs(man.ageYears(at: birthday)! - 29_950 / 365.25) < 1e-9)
        let halfDay = birthday.adding(milliseconds: 43_200_000)
        #expect(abs(man.ageYears(at: halfDay)! - 29_950.5 / 365.25) < 1e-9)
        #expect(man.ageYears(at: CivilTime(year: 1944, month: 5, day: 13).instant(assumingOffsetMinutes: 0)) == nil)
        let subject = try #require(man.subject(at: birthday))
        #expect(subject.sex == .male && subject.heightCm == 172 && subject.ethnicity == nil)
    }
}
