/// The Polish national identification number (PESEL): 11 digits, YYMMDDZZZXQ, where the month
/// carries the century (+80 1800s, +0 1900s, +20 2000s, +40 2100s, +60 2200s) and Q is a check
/// digit with weights 1,3,7,9,1,3,7,9,1,3; the tenth digit X carries the sex (odd male, even female; Act of
/// 24 September 2010 on population records, art. 15). Validated before any reading is bound to a patient.
public enum PESEL {
    /// The sex the PESEL records (its tenth digit): the registered sex, which GLI's "sex at birth" may differ from.
    public enum Sex: String, Sendable, Hashable {
        case male, female
    }

    /// FHIR identifier system for PESEL (OID 2.16.840.1.113883.3.4424.1.1.616).
    public static let identifierSystem = "urn:oid:2.16.840.1.113883.3.4424.1.1.616"

    public enum ValidationError: Error, Equatable, CustomStringConvertible {
        case length(Int)
        case nonDigit
        case checksum(expected: Int, found: Int)
        case birthDate(String)

        public var description: String {
            switch self {
            case let .length(n): return "a PESEL has 11 digits, this one has \(n)"
            case .nonDigit: return "a PESEL contains digits only"
            case let .checksum(expected, found): return "PESEL check digit is \(found), expected \(expected) (a typo?)"
            case let .birthDate(text): return "PESEL encodes an impossible birth date (\(text))"
            }
        }
    }

    /// Validates and returns the encoded birth date.
    @discardableResult
    public static func validate(_ text: String) throws(ValidationError) -> CivilTime {
        let digits = text.compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
        guard text.count == 11 else { throw .length(text.count) }
        guard digits.count == 11 else { throw .nonDigit }
        let weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let expected = (10 - sum % 10) % 10
        guard expected == digits[10] else { throw .checksum(expected: expected, found: digits[10]) }
        let yy = digits[0] * 10 + digits[1]
        var month = digits[2] * 10 + digits[3]
        let day = digits[4] * 10 + digits[5]
        let century: Int
        switch month {
        case 81...92: century = 1800; month -= 80
        case 1...12: century = 1900
        case 21...32: century = 2000; month -= 20
        case 41...52: century = 2100; month -= 40
        case 61...72: century = 2200; month -= 60
        default: throw .birthDate("month field \(month)")
        }
        let date = CivilTime(year: century + yy, month: month, day: day)
        guard date.isValid else { throw .birthDate("\(century + yy)-\(month)-\(day)") }
        return date
    }

    /// Validates and returns the encoded sex: the tenth digit, odd for male, even for female.
    public static func sex(_ text: String) throws(ValidationError) -> Sex {
        try validate(text)
        let tenth = text.compactMap { $0.wholeNumberValue }[9]
        return tenth % 2 == 1 ? .male : .female
    }
}
