/// The reference equations iomtd knows. GLI Global is the default (ATS 2023 recommends race-neutral equations).
public enum ReferenceEquations: String, Sendable, CaseIterable {
    case gliGlobal = "gli-global"
    case gli2012 = "gli-2012"

    public var title: String {
        switch self {
        case .gliGlobal: "GLI Global 2022 (Bowerman 2023, race-neutral)"
        case .gli2012: "GLI-2012 (Quanjer 2012)"
        }
    }
}

public enum SexAtBirth: String, Sendable, CaseIterable {
    case male, female
}

/// GLI-2012's groups; "other" is GLI's "other/mixed" (its coefficients a6/p5).
public enum GLIEthnicity: String, Sendable, CaseIterable {
    case caucasian
    case africanAmerican = "african-american"
    case northEastAsian = "north-east-asian"
    case southEastAsian = "south-east-asian"
    case other
}

/// The parameters with reference equations; FEV1/FVC is a fraction (0.78), not a percentage.
public enum SpirometryParameter: String, Sendable, CaseIterable {
    case fev1 = "FEV1", fvc = "FVC", fev1FVC = "FEV1/FVC", fev6 = "FEV6", fef2575 = "FEF25-75"
}

/// Who the reference values are for. Age in years (decimals allowed), height in cm.
public struct ReferenceSubject: Sendable, Equatable {
    public let sex: SexAtBirth
    public let ageYears: Double
    public let heightCm: Double
    /// GLI-2012 only; GLI Global refuses one.
    public let ethnicity: GLIEthnicity?

    public init(sex: SexAtBirth, ageYears: Double, heightCm: Double, ethnicity: GLIEthnicity? = nil) {
        self.sex = sex
        self.ageYears = ageYears
        self.heightCm = heightCm
        self.ethnicity = ethnicity
    }
}

/// Why no reference values: each case names the field, the value and what was expected.
public enum ReferenceValueError: Error, Sendable, Equatable, CustomStringConvertible {
    case outOfRange(field: String, value: Double, range: ClosedRange<Double>, equations: ReferenceEquations)
    case notDefined(parameter: SpirometryParameter, equations: ReferenceEquations)
    case ethnicityNotApplicable(equations: ReferenceEquations)
    case ethnicityRequired(equations: ReferenceEquations)
    case tableDamaged(String)

    public var description: String {
        switch self {
        case let .outOfRange(field, value, range, equations):
            "\(field) \(ReferenceValueError.format(value)) is outside \(equations.title)'s range \(ReferenceValueError.format(range.lowerBound))–\(ReferenceValueError.format(range.upperBound)); no reference values"
        case let .notDefined(parameter, equations):
            "\(equations.title) defines no equation for \(parameter.rawValue)"
        case let .ethnicityNotApplicable(equations):
            "\(equations.title) takes no ethnicity (use gli-2012 for ethnic-specific equations)"
        case let .ethnicityRequired(equations):
            "\(equations.title) needs the ethnic group: " + GLIEthnicity.allCases.map(\.rawValue).joined(separator: ", ")
        case let .tableDamaged(detail):
            "the embedded GLI table is damaged: \(detail) (rerun scripts/generate-gli-tables.py)"
        }
    }

    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

/// Predicted value (M), limits and, with an observation, its z-score and percent predicted.
public struct ReferenceValues: Sendable, Equatable {
    public let parameter: SpirometryParameter
    public let lms: LMS
    public var predicted: Double { lms.m }
    public var lowerLimitOfNormal: Double? { lms.lowerLimitOfNormal }
    public var upperLimitOfNormal: Double? { lms.upperLimitOfNormal }

    public func zScore(observed: Double) -> Double? { lms.zScore(observed: observed) }
    public func percentPredicted(observed: Double) -> Double? { lms.percentPredicted(observed: observed) }
}
