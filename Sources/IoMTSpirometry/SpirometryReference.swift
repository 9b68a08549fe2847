/// Reference values (predicted, LLN, ULN, z-score, percent predicted) by the GLI equations — the one code path for
/// iomtctl and the daemon.
public enum SpirometryReference {
    /// Neither publication states a height range; the GLI calculator's output we test against covers 50–230 cm.
    /// Heights outside 50–250 cm are refused as implausible input rather than extrapolated.
    public static let heightRangeCm: ClosedRange<Double> = 50...250

    /// The parameters each equation set defines (GLI-2012's FEV0.75 and FEF75 are not offered).
    public static func parameters(_ equations: ReferenceEquations) -> [SpirometryParameter] {
        switch equations {
        case .gliGlobal: [.fev1, .fvc, .fev1FVC]
        case .gli2012: [.fev1, .fvc, .fev1FVC, .fef2575]
        }
    }

    public static func values(_ parameter: SpirometryParameter, for subject: ReferenceSubject,
                              equations: ReferenceEquations) throws(ReferenceValueError) -> ReferenceValues {
        try checkEthnicity(subject, equations: equations)
        guard parameters(equations).contains(parameter) else { throw .notDefined(parameter: parameter, equations: equations) }
        let equation = try GLITables.shared().equation(equations, sex: subject.sex, parameter: parameter)
        guard subject.ageYears.isFinite, equation.ageRange.contains(subject.ageYears) else {
            throw .outOfRange(field: "age", value: subject.ageYears, range: equation.ageRange, equations: equations)
        }
        guard subject.heightCm.isFinite, heightRangeCm.contains(subject.heightCm) else {
            throw .outOfRange(field: "height", value: subject.heightCm, range: heightRangeCm, equations: equations)
        }
        let lms = equation.lms(ageYears: subject.ageYears, heightCm: subject.heightCm, ethnicity: subject.ethnicity)
        return ReferenceValues(parameter: parameter, lms: lms)
    }

    /// GLI Global takes no ethnicity; GLI-2012 needs one (a silent default would give the wrong group's limits).
    public static func checkEthnicity(_ subject: ReferenceSubject, equations: ReferenceEquations) throws(ReferenceValueError) {
        switch equations {
        case .gliGlobal: if subject.ethnicity != nil { throw .ethnicityNotApplicable(equations: equations) }
        case .gli2012: if subject.ethnicity == nil { throw .ethnicityRequired(equations: equations) }
        }
    }
}
