import Foundation
import IoMTSpirometry
import Testing

/// Reference values against published, independently computed vectors (Fixtures/README.md names their sources).
@Suite struct GLIPublishedVectorTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func rows(_ file: String) throws -> [[String: String]] {
        let text = try String(contentsOf: fixtures.appendingPathComponent(file), encoding: .utf8)
        var lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = lines.removeFirst()
        return lines.map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    static func number(_ row: [String: String], _ key: String) throws -> Double {
        try #require(row[key].flatMap(Double.init), "column \(key)")
    }

    /// The official GLI-2012 calculator's output (3 decimals), all five groups, ages between the quarter-year rows.
    @Test func gli2012MatchesTheOfficialCalculatorToItsPublishedPrecision() throws {
        let rows = try Self.rows("gli2012-calculator-sample.csv")
        #expect(rows.count >= 80)
        var compared = 0
        for row in rows {
            let sex: SexAtBirth = row["sex"] == "M" ? .male : .female
            let ethnicity = try #require(row["ethnicity"].flatMap(GLIEthnicity.init(rawValue:)))
            let subject = ReferenceSubject(sex: sex, ageYears: try Self.number(row, "age"), heightCm: try Self.number(row, "height"), ethnicity: ethnicity)
            for (parameter, stem) in [(SpirometryParameter.fev1, "fev1"), (.fvc, "fvc"), (.fev1FVC, "fev1fvc"), (.fef2575, "fef2575")] {
                let values = try SpirometryReference.values(parameter, for: subject, equations: .gli2012)
        
                let tolerance = 0.00051
                let context = "\(row) \(parameter.rawValue)"
                #expect(abs(values.predicted - (try Self.number(row, stem + "_predicted"))) <= tolerance, "\(context) predicted \(values.predicted)")
                #expect(abs((values.lowerLimitOfNormal ?? .nan) - (try Self.number(row, stem + "_lln"))) <= tolerance, "\(context) LLN \(String(describing: values.lowerLimitOfNormal))")
                #expect(abs((values.upperLimitOfNormal ?? .nan) - (try Self.number(row, stem + "_uln"))) <= tolerance, "\(context) ULN \(String(describing: values.upperLimitOfNormal))")
                compared += 1
            }
        }
        #expect(compared == rows.count * 4)
    }

    /// GLI Global against rspiro's implementation (a second implementation of the same tables, not the GLI
    /// calculator: no official worked example is published for GLI Global).
    @Test func gliGlobalAgreesWithRspiro() throws {
        let rows = try Self.rows("gli-global-rspiro-oracle.csv")
        #expect(rows.count == 30)
        for row in rows {
            let sex: SexAtBirth = row["sex"] == "M" ? .male : .female
            let subject = ReferenceSubject(sex: sex, ageYears: try Self.number(row, "age"), heightCm: try Self.number(row, "height"))
            for (parameter, stem) in [(SpirometryParameter.fev1, "fev1"), (.fvc, "fvc"), (.fev1FVC, "fev1fvc")] {
                let values = try SpirometryReference.values(parameter, for: subject, equations: .gliGlobal)
                let context = "\(row["sex"] ?? "") \(row["age"] ?? "") \(row["height"] ?? "") \(parameter.rawValue)"
                #expect(abs(values.predicted - (try Self.number(row, stem + "_pred_2022"))) < 1e-9, "\(context)")
                #expect(abs((values.lowerLimitOfNormal ?? .nan) - (try Self.number(row, stem + "_lln_2022"))) < 1e-9, "\(context)")
                let z = values.zScore(observed: try Self.number(row, stem + "_measured"))
                #expect(abs((z ?? .nan) - (try Self.number(row, stem + "_zscore_2022"))) < 1e-9, "\(context)")
            }
        }
    }
}
