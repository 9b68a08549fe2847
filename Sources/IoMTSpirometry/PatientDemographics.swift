import IoMTCore

/// What the reference equations need to know about a patient: sex at birth and date of birth (both from the PESEL,
/// optionally declared and then checked against it), height, and the equations (with GLI-2012's ethnic group).
/// The PESEL itself is not kept: a demographics value can travel into logs' neighbourhood (alert inputs) safely.
public struct PatientDemographics: Sendable, Hashable {
    public let sex: SexAtBirth
    public let birthDate: CivilTime
    public let heightCm: Double
    public let equations: ReferenceEquations
    public let ethnicity: GLIEthnicity?

    public init(sex: SexAtBirth, birthDate: CivilTime, heightCm: Double, equations: ReferenceEquations = .gliGlobal,
                ethnicity: GLIEthnicity? = nil) {
        self.sex = sex; self.birthDate = birthDate; self.heightCm = heightCm; self.equations = equations; self.ethnicity = ethnicity
    }

    /// Why a patient's demographics were refused. Each case names the field; none carries the PESEL.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case pesel(PESEL.ValidationError)
        /// The declared sex at birth differs from the PESEL's tenth digit and the difference was not confirmed.
        case sexDiffersFromPESEL
        case birthDateDiffersFromPESEL
        case height(Double)
        case reference(ReferenceValueError)

        /// The configuration field the problem is about (relative to the patient's object).
        public var field: String {
            switch self {
            case .pesel: "pesel"
            case .sexDiffersFromPESEL: "sexAtBirth"
            case .birthDateDiffersFromPESEL: "dateOfBirth"
            case .height: "heightCm"
            case .reference: "ethnicity"
            }
        }

        /// What was expected, as a configuration error says it.
        public var expected: String {
            switch self {
            case .pesel: "a valid PESEL"
            case .sexDiffersFromPESEL:
                "a sex at birth that matches the PESEL's tenth digit (odd male, even female), or \"sexAtBirthConfirmed\": true when the registered sex differs from sex at birth"
            case .birthDateDiffersFromPESEL: "the date of birth the PESEL encodes (check both for a typo)"
            case .height:
                "a height in cm within \(Int(SpirometryReference.heightRangeCm.lowerBound))–\(Int(SpirometryReference.heightRangeCm.upperBound))"
            case let .reference(error): "\(error)"
            }
        }

        /// What was found, without the PESEL.
        public var found: String {
            switch self {
            case let .pesel(error): "\(error)"
            case .sexDiffersFromPESEL: "the other sex"
            case .birthDateDiffersFromPESEL: "another date"
            case let .height(value): ReferenceValueError.format(value)
            case .reference: "an ethnic group that does not fit the equations"
            }
        }

        public var description: String { "\(field): expected \(expected), found \(found)" }
    }

    /// Demographics from the PESEL (birth date, sex), checked against what the configuration declares. A declared sex at
    /// birth that differs from the PESEL's (its digit records the registered sex) is accepted only with
    /// `sexAtBirthConfirmed`: a silent swap would move every limit to the other sex's equations.
    public static func fromPESEL(_ pesel: String, heightCm: Double, declaredSex: SexAtBirth? = nil, sexAtBirthConfirmed: Bool = false,
                                 declaredBirthDate: CivilTime? = nil, equations: ReferenceEquations = .gliGlobal,
                                 ethnicity: GLIEthnicity? = nil) throws(Problem) -> PatientDemographics {
        let birthDate: CivilTime
        let registered: PESEL.Sex
        do {
            birthDate = try PESEL.validate(pesel)
            registered = try PESEL.sex(pesel)
        } catch { throw .pesel(error) }
        let peselSex: SexAtBirth = registered == .male ? .male : .female
        if let declaredSex, declaredSex != peselSex, !sexAtBirthConfirmed { throw .sexDiffersFromPESEL }
        if let declaredBirthDate, (declaredBirthDate.year, declaredBirthDate.month, declaredBirthDate.day) != (birthDate.year, birthDate.month, birthDate.day) {
            throw .birthDateDiffersFromPESEL
        }
        guard heightCm.isFinite, SpirometryReference.heightRangeCm.contains(heightCm) else { throw .height(heightCm) }
        let demographics = PatientDemographics(sex: declaredSex ?? peselSex, birthDate: birthDate, heightCm: heightCm,
                                               equations: equations, ethnicity: ethnicity)
        do { try SpirometryReference.checkEthnicity(demographics.subject(ageYears: 40), equations: equations) } catch { throw .reference(error) }
        return demographics
    }

    /// Days in a mean Gregorian year: GLI takes age as decimal years (the GLI calculators' convention).
    static let daysPerYear = 365.25

    /// Age in decimal years at `instant` (the test time), counted from midnight UTC of the birth date; nil before birth.
    public func ageYears(at instant: Instant) -> Double? {
        let born = CivilTime(year: birthDate.year, month: birthDate.month, day: birthDate.day).instant(assumingOffsetMinutes: 0)
        let milliseconds = instant.milliseconds(since: born)
        guard milliseconds >= 0 else { return nil }
        return Double(milliseconds) / (86_400_000 * Self.daysPerYear)
    }

    /// The reference subject at a test time; nil before birth.
    public func subject(at instant: Instant) -> ReferenceSubject? {
        ageYears(at: instant).map { subject(ageYears: $0) }
    }

    func subject(ageYears: Double) -> ReferenceSubject {
        ReferenceSubject(sex: sex, ageYears: ageYears, heightCm: heightCm, ethnicity: ethnicity)
    }
}
