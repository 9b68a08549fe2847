import IoMTSpirometry
import Testing

/// The ATS/ERS 2022 interpretive strategy (Stanojevic et al., Eur Respir J 2022;60:2101499) at its boundaries.
@Suite struct SpirometryInterpretationTests {
    struct Case: Sendable, CustomStringConvertible {
        let ratioZ: Double?, fev1Z: Double?, fvcZ: Double?
        let pattern: SpirometryInterpretation.Pattern?
        let severity: SpirometryInterpretation.Severity?
        var reducedFVC = false
        var description: String { "ratio \(ratioZ.map { "\($0)" } ?? "-") FEV1 \(fev1Z.map { "\($0)" } ?? "-") FVC \(fvcZ.map { "\($0)" } ?? "-")" }
    }

    static let cases: [Case] = [
        // The ratio's LLN: exactly −1.645 is normal (below LLN means z < −1.645).
        Case(ratioZ: -1.645, fev1Z: 0, fvcZ: 0, pattern: .normal, severity: nil),
        Case(ratioZ: -1.6451, fev1Z: 0, fvcZ: 0, pattern: .obstruction, severity: .mild),
        // Severity by FEV1 z: above −2.5 mild, −2.5…−4 moderate, below −4 severe.
        Case(ratioZ: -3, fev1Z: -2.4999, fvcZ: 0, pattern: .obstruction, severity: .mild),
        Case(ratioZ: -3, fev1Z: -2.5, fvcZ: 0, pattern: .obstruction, severity: .moderate),
        Case(ratioZ: -3, fev1Z: -4, fvcZ: 0, pattern: .obstruction, severity: .moderate),
        Case(ratioZ: -3, fev1Z: -4.0001, fvcZ: 0, pattern: .obstruction, severity: .severe),
        Case(ratioZ: -3, fev1Z: -4.5, fvcZ: -2, pattern: .obstruction, severity: .severe, reducedFVC: true),
        // Obstruction is decided by the ratio alone; severity needs FEV1.
        Case(ratioZ: -2, fev1Z: nil, fvcZ: nil, pattern: .obstruction, severity: nil),
        // Normal ratio: low FVC is possible restriction, low FEV1 alone is PRISm.
        Case(ratioZ: 0.5, fev1Z: -1, fvcZ: -1.6451, pattern: .possibleRestriction, severity: nil, reducedFVC: true),
        Case(ratioZ: 0.5, fev1Z: -2.6, fvcZ: -2.8, pattern: .possibleRestriction, severity: .moderate, reducedFVC: true),
        Case(ratioZ: 0.5, fev1Z: -1.6451, fvcZ: -1.645, pattern: .prism, severity: .mild),
        Case(ratioZ: 0.5, fev1Z: -1.645, fvcZ: -1.645, pattern: .normal, severity: nil),
        // Not enough to decide: no ratio, or a normal ratio with a parameter missing and nothing low.
        Case(ratioZ: nil, fev1Z: -5, fvcZ: -5, pattern: nil, severity: nil),
        Case(ratioZ: 0, fev1Z: 0, fvcZ: nil, pattern: nil, severity: nil),
        Case(ratioZ: 0, fev1Z: nil, fvcZ: -2, pattern: .possibleRestriction, severity: nil, reducedFVC: true),
        Case(ratioZ: .nan, fev1Z: 0, fvcZ: 0, pattern: nil, severity: nil),
    ]

    @Test(arguments: cases) func boundary(_ item: Case) {
        let result = SpirometryInterpretation.interpret(ratioZ: item.ratioZ, fev1Z: item.fev1Z, fvcZ: item.fvcZ)
        #expect(result?.pattern == item.pattern)
        #expect(result?.severity == item.severity)
        if let result { #expect(result.reducedFVC == item.reducedFVC) }
    }

    @Test func textSaysPossibleForRestriction() {
        let restriction = SpirometryInterpretation.interpret(ratioZ: 0, fev1Z: 0, fvcZ: -2)
        #expect(restriction?.text.hasPrefix("possible restriction") == true)
        #expect(restriction?.text.contains("TLC needed") == true)
        #expect(SpirometryInterpretation.interpret(ratioZ: -2, fev1Z: -3, fvcZ: 0)?.text == "airflow obstruction, moderate")
    }
}
