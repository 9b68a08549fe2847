/// The ATS/ERS 2022 interpretive strategy for spirometry, from z-scores (Stanojevic S, Kaminsky DA, Miller MR, et al.
/// ERS/ATS technical standard on interpretive strategies for routine lung function tests. Eur Respir J 2022;60:2101499):
/// - airflow obstruction when FEV1/FVC is below its LLN (z < −1.645, the 5th centile);
/// - with a normal ratio, a low FVC is a *possible* restriction (spirometry cannot confirm it: TLC is needed), and a low
///   FEV1 with a normal FVC is PRISm (preserved ratio impaired spirometry);
/// - severity from the FEV1 z-score (for obstruction always; otherwise when FEV1 is below its LLN): above −2.5 mild, −2.5 to −4 moderate, below −4 severe (the standard's Table 5,
///   whose published bands −1.65…−2.5 / −2.51…−4.0 / < −4.1 leave gaps this closes: −2.5 and −4 are moderate).
/// Pure: the same z-scores always give the same interpretation.
public struct SpirometryInterpretation: Sendable, Hashable {
    public enum Pattern: String, Sendable, Hashable, CaseIterable {
        case normal
        case obstruction
        case possibleRestriction = "possible-restriction"
        case prism
    }

    public enum Severity: String, Sendable, Hashable, CaseIterable {
        case mild, moderate, severe
    }

    public let pattern: Pattern
    /// Nil for a normal result.
    public let severity: Severity?
    /// FVC below its LLN together with obstruction: a possible mixed defect or air trapping (the standard: TLC needed).
    public let reducedFVC: Bool

    /// The lower limit of normal as a z-score (5th centile).
    public static let lowerLimitZ = -LMS.limitZ

    /// Interprets one session's z-scores. Nil when they do not decide it: no ratio, or a normal ratio with FEV1 or FVC
    /// missing while neither present one is low.
    public static func interpret(ratioZ: Double?, fev1Z: Double?, fvcZ: Double?) -> SpirometryInterpretation? {
        guard let ratioZ, ratioZ.isFinite else { return nil }
        func low(_ z: Double?) -> Bool? { z.flatMap { $0.isFinite ? $0 < lowerLimitZ : nil } }
        if ratioZ < lowerLimitZ {
            return SpirometryInterpretation(pattern: .obstruction, severity: fev1Z.flatMap(severity), reducedFVC: low(fvcZ) == true)
        }
        let fvcLow = low(fvcZ), fev1Low = low(fev1Z)
        if fvcLow == true {
            return SpirometryInterpretation(pattern: .possibleRestriction, severity: fev1Low == true ? fev1Z.flatMap(severity) : nil, reducedFVC: true)
        }
        if fev1Low == true {
            return SpirometryInterpretation(pattern: .prism, severity: fev1Z.flatMap(severity), reducedFVC: false)
        }
        guard fvcLow == false, fev1Low == false else { return nil }
        return SpirometryInterpretation(pattern: .normal, severity: nil, reducedFVC: false)
    }

    /// Severity of an impairment from the FEV1 z-score: above −2.5 mild, −2.5 down to −4 moderate, below −4 severe.
    public static func severity(fev1Z z: Double) -> Severity? {
        guard z.isFinite else { return nil }
        if z > -2.5 { return .mild }
        if z >= -4 { return .moderate }
        return .severe
    }

    /// One line for people: "obstruction, moderate (FEV1 z −3.10)" style, without numbers (callers add them).
    public var text: String {
        switch pattern {
        case .normal: return "normal spirometry"
        case .obstruction:
            return "airflow obstruction" + (severity.map { ", \($0.rawValue)" } ?? "")
                + (reducedFVC ? "; FVC also below LLN (possible mixed defect or air trapping: TLC needed)" : "")
        case .possibleRestriction:
            return "possible restriction (FVC below LLN with a normal FEV1/FVC; spirometry cannot confirm it: TLC needed)"
                + (severity.map { ", \($0.rawValue)" } ?? "")
        case .prism:
            return "PRISm: preserved ratio impaired spirometry (FEV1 below LLN, FEV1/FVC and FVC normal)" + (severity.map { ", \($0.rawValue)" } ?? "")
        }
    }
}
