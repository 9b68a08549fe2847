/// The embedded tables, parsed once (GLITableText.generated.swift, from Tables/*.csv).
struct GLITables: Sendable {
    private let equations: [Key: GLIEquation]

    private struct Key: Hashable {
        let equations: ReferenceEquations
        let sex: SexAtBirth
        let parameter: SpirometryParameter
    }

    private static let parsed: Result<GLITables, ReferenceValueError> = Result { () throws(ReferenceValueError) in try GLITables() }

    static func shared() throws(ReferenceValueError) -> GLITables { try parsed.get() }

    private init() throws(ReferenceValueError) {
        let sources: [(ReferenceEquations, String, String, Bool)] = [
            (.gliGlobal, GLITableText.gliGlobalCoefficients, GLITableText.gliGlobalSplines, false),
            (.gli2012, GLITableText.gli2012Coefficients, GLITableText.gli2012Splines, true),
        ]
        var equations: [Key: GLIEquation] = [:]
        for (set, coefficientText, splineText, interpolates) in sources {
            let coefficients = try TextTable(text: coefficientText, name: "\(set.rawValue) coefficients")
            let splines = try TextTable(text: splineText, name: "\(set.rawValue) splines")
            for sex in SexAtBirth.allCases {
                for parameter in SpirometryReference.parameters(set) {
                    let column = Self.columnStem(parameter) + (sex == .male ? "_males" : "_females")
                    equations[Key(equations: set, sex: sex, parameter: parameter)] =
                        try GLIEquation(coefficients: coefficients, splines: splines, column: column, interpolates: interpolates)
                }
            }
        }
        self.equations = equations
    }

    private static func columnStem(_ parameter: SpirometryParameter) -> String {
        switch parameter {
        case .fev1: "FEV1"
        case .fvc: "FVC"
        case .fev1FVC: "FEV1FVC"
        case .fev6: "FEV6"
        case .fef2575: "FEF25_75"
        }
    }

    func equation(_ set: ReferenceEquations, sex: SexAtBirth, parameter: SpirometryParameter) throws(ReferenceValueError) -> GLIEquation {
        guard let equation = equations[Key(equations: set, sex: sex, parameter: parameter)] else {
            throw .notDefined(parameter: parameter, equations: set)
        }
        return equation
    }
}
