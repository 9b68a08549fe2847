import IoMTCore

/// One spirometry reading against the patient's reference equations: predicted, LLN, ULN, z-score and % predicted —
/// the one path the alert engine and the FHIR mapping take (pure).
public struct ParameterAssessment: Sendable, Equatable {
    public let parameter: SpirometryParameter
    public let equations: ReferenceEquations
    /// The patient's age at the test, decimal years.
    public let ageYears: Double
    /// The observed value in the equations' unit (L, L/s, a fraction for FEV1/FVC).
    public let observed: Double
    public let reference: ReferenceValues
    public let zScore: Double
    public let percentPredicted: Double
}

public enum SpirometryAssessment {
    /// Why a spirometry reading has no reference values (each names the cause; none carries an identifier).
    public enum Unavailable: Error, Sendable, Equatable, CustomStringConvertible {
        case notReferenced(measurement: String)
        case noDemographics
        case unit(String, parameter: SpirometryParameter)
        case testBeforeBirth
        case reference(ReferenceValueError)
        case noValue

        public var description: String {
            switch self {
            case let .notReferenced(measurement): "\(measurement) has no GLI reference equation"
            case .noDemographics: "no demographics configured for the patient (heightCm in the configuration, docs/configuration.md, or with the clinic binding: iomtctl bind … --height)"
            case let .unit(unit, parameter): "\(parameter.rawValue) in unit \(unit) cannot be compared with the reference equations"
            case .testBeforeBirth: "the test time is before the patient's date of birth"
            case let .reference(error): "\(error)"
            case .noValue: "the reading has no usable value"
            }
        }
    }

    /// The GLI parameter a measurement type is, if any.
    public static func parameter(of type: MeasurementType) -> SpirometryParameter? {
        switch type.mdcRefId {
        case MeasurementType.fev1.mdcRefId: .fev1
        case MeasurementType.fvc.mdcRefId: .fvc
        case MeasurementType.fev1FvcRatio.mdcRefId: .fev1FVC
        case MeasurementType.fev6.mdcRefId: .fev6
        case MeasurementType.fef2575.mdcRefId: .fef2575
        default: nil
        }
    }

    /// The value in the equations' unit: litres, litres per second, the ratio as a fraction. Nil for a unit not understood.
    public static func equationValue(_ value: DecimalValue, unit: String, parameter: SpirometryParameter) -> Double? {
        let number = value.doubleValue
        let scale: Double?
        switch (parameter, unit) {
        case (.fev1FVC, "%"): scale = 0.01
        case (.fev1FVC, "1"), (.fev1FVC, "{ratio}"): scale = 1
        case (.fev1, "L"), (.fvc, "L"), (.fev6, "L"), (.fef2575, "L/s"): scale = 1
        case (.fev1, "mL"), (.fvc, "mL"), (.fev6, "mL"), (.fef2575, "mL/s"): scale = 0.001
        case (.fef2575, "L/min"): scale = 1.0 / 60
        default: scale = nil
        }
        return scale.map { number * $0 }
    }

    /// The inverse of `equationValue`: a value of the equations (LLN, predicted) in the reading's unit.
    public static func readingValue(_ equationValue: Double, unit: String, parameter: SpirometryParameter) -> Double? {
        guard let one = Self.equationValue(DecimalValue(1), unit: unit, parameter: parameter), one > 0 else { return nil }
        return equationValue / one
    }

    /// Assesses one reading taken at `time` (the corrected test time) for a patient with these demographics.
    public static func assess(type: MeasurementType, value: DecimalValue?, unit: String, demographics: PatientDemographics?,
                              at time: Instant) -> Result<ParameterAssessment, Unavailable> {
        guard let parameter = parameter(of: type) else { return .failure(.notReferenced(measurement: type.mdcRefId)) }
        guard let demographics else { return .failure(.noDemographics) }
        guard let value else { return .failure(.noValue) }
        guard let observed = equationValue(value, unit: unit, parameter: parameter) else { return .failure(.unit(unit, parameter: parameter)) }
        guard let subject = demographics.subject(at: time) else { return .failure(.testBeforeBirth) }
        let reference: ReferenceValues
        do { reference = try SpirometryReference.values(parameter, for: subject, equations: demographics.equations) } catch {
            return .failure(.reference(error))
        }
        guard let z = reference.zScore(observed: observed), let percent = reference.percentPredicted(observed: observed) else {
            return .failure(.noValue)
        }
        return .success(ParameterAssessment(parameter: parameter, equations: demographics.equations, ageYears: subject.ageYears,
                                            observed: observed, reference: reference, zScore: z, percentPredicted: percent))
    }
}
