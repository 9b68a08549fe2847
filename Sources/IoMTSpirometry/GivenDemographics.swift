import IoMTCore

/// Demographics a technician gives with a clinic binding (`iomtctl bind DEVICE --patient PESEL --height CM [--sex …]
/// [--birth-date …]`), checked where they are typed (iomtctl) and again where they are kept (the daemon), by this one rule.
public enum GivenDemographics {
    /// Why given demographics were refused: the field (as the control request names it: heightCm, sexAtBirth, birthDate,
    /// patient), what was expected, what was found. Never the PESEL.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let field: String
        public let expected: String
        public let found: String
        public var description: String { "\(field): expected \(expected), found \(found)" }
    }

    /// Sex and birth date from the PESEL when not given; when given, they must be the PESEL's. (A sex at birth that differs
    /// from the registered one is a configuration matter: patients[] with "sexAtBirthConfirmed": true.)
    public static func check(pesel: String, heightCm: Double, sexAtBirth: String?, birthDate: String?) throws(Problem) -> PatientDemographics {
        var sex: SexAtBirth?
        if let sexAtBirth {
            guard let known = SexAtBirth(rawValue: sexAtBirth) else { throw Problem(field: "sexAtBirth", expected: "male or female", found: "\"\(sexAtBirth)\"") }
            sex = known
        }
        var date: CivilTime?
        if let birthDate {
            guard let known = CivilTime(isoDate: birthDate) else { throw Problem(field: "birthDate", expected: "a date YYYY-MM-DD", found: "\"\(birthDate)\"") }
            date = known
        }
        do {
            return try PatientDemographics.fromPESEL(pesel, heightCm: heightCm, declaredSex: sex, declaredBirthDate: date)
        } catch {
            switch error {
            case .pesel: throw Problem(field: "patient", expected: error.expected, found: error.found)
            case .sexDiffersFromPESEL:
                throw Problem(field: "sexAtBirth", expected: "the sex at birth the PESEL records (its tenth digit: odd male, even female); check both for a typo",
                              found: "the other sex")
            case .birthDateDiffersFromPESEL:
                throw Problem(field: "birthDate", expected: "the date of birth the PESEL encodes; check both for a typo", found: "another date")
            case .height, .reference: throw Problem(field: "heightCm", expected: error.expected, found: error.found)
            }
        }
    }
}
