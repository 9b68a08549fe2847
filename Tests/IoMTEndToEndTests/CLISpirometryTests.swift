import Foundation
import Testing

/// `iomtctl spirometry reference` as a technician runs it: exit codes, the JSON shape, values against published vectors.
@Suite struct CLISpirometryTests {
    static func results(_ output: String) throws -> [String: [String: Any]] {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
        let results = try #require(document["results"] as? [[String: Any]], "\(output)")
        return Dictionary(uniqueKeysWithValues: results.compactMap { row in (row["parameter"] as? String).map { ($0, row) } })
    }

    static func number(_ row: [String: Any]?, _ key: String) -> Double? { (row?[key] as? NSNumber)?.doubleValue }

    @Test func gliGlobalJSONCarriesEveryFieldAsNumbers() async throws {
        // rspiro's GLI Global values for a man of 45 y, 155 cm (Fixtures of IoMTSpirometryTests): FEV1 predicted 2.75392,
        // LLN 2.09345; observed 2.34084 → z −1.04092.
        let (status, output) = try await LabHarness.run("iomtctl", ["spirometry", "reference", "--equations", "gli-global", "--sex", "male",
                                                                    "--age", "45", "--height", "155", "--fev1", "2.34083510732506",
                                                                    "--fvc", "2.80079325255426", "--json"])
        #expect(status == 0, "\(output)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(document["equations"] as? String == "gli-global")
        let rows = try Self.results(output)
        #expect(Set(rows.keys) == ["FEV1", "FVC", "FEV1/FVC"])
        let fev1 = rows["FEV1"]
        #expect(Self.number(fev1, "predicted") == 2.7539)
        #expect(Self.number(fev1, "lln") == 2.0935)
        #expect(Self.number(fev1, "z") == -1.0409)
        #expect(Self.number(fev1, "observed") == 2.3408)
        #expect(Self.number(fev1, "percentPredicted") == 85)
        #expect(Self.number(fev1, "uln") != nil)
        // The ratio is a fraction, from --fev1/--fvc when --ratio is absent.
        #expect(Self.number(rows["FEV1/FVC"], "observed") == 0.8358)
        #expect(Self.number(rows["FEV1/FVC"], "predicted") == 0.8273)
    }

    @Test func gli2012MatchesTheOfficialCalculator() async throws {
        // GLI calculator (pft's gli_test_grid_GLI.csv): African-American man, 15.4 y, 190 cm: FEV1 4.162 (LLN 3.235,
        // ULN 5.064), FVC 4.887, FEV1/FVC 0.857 (LLN 0.749).
        let (status, output) = try await LabHarness.run("iomtctl", ["spirometry", "reference", "--equations", "gli-2012", "--ethnicity", "african-american",
                                                                    "--sex", "male", "--age", "15.4", "--height", "190", "--ratio", "0.7", "--json"])
        #expect(status == 0, "\(output)")
        let rows = try Self.results(output)
        func close(_ value: Double?, _ published: Double) -> Bool { value.map { abs($0 - published) <= 0.0006 /* 3 published decimals, 4 printed */ } ?? false }
        #expect(close(Self.number(rows["FEV1"], "predicted"), 4.162))
        #expect(close(Self.number(rows["FEV1"], "lln"), 3.235))
        #expect(close(Self.number(rows["FEV1"], "uln"), 5.064))
        #expect(close(Self.number(rows["FVC"], "predicted"), 4.887))
        #expect(close(Self.number(rows["FEV1/FVC"], "predicted"), 0.857))
        #expect(close(Self.number(rows["FEV1/FVC"], "lln"), 0.749))
        #expect(rows["FEV1/FVC"]?["observed"] as? NSNumber == 0.7)
        #expect(rows["FEV1"]?["z"] is NSNull, "no observed FEV1, no z")
    }

    @Test func refusalsExitTwoWithTheReason() async throws {
        let base = ["spirometry", "reference", "--sex", "female", "--height", "160"]
        let (young, youngOutput) = try await LabHarness.run("iomtctl", base + ["--equations", "gli-global", "--age", "2.5", "--json"])
        #expect(young == 2)
        #expect(youngOutput.contains("age 2.5") && youngOutput.contains("3–95"))
        let (tall, tallOutput) = try await LabHarness.run("iomtctl", ["spirometry", "reference", "--equations", "gli-global", "--sex", "male",
                                                                      "--age", "40", "--height", "251"])
        #expect(tall == 2 && tallOutput.contains("height 251"))
        let (ethnic, ethnicOutput) = try await LabHarness.run("iomtctl", base + ["--equations", "gli-global", "--age", "40", "--ethnicity", "caucasian"])
        #expect(ethnic == 2 && ethnicOutput.contains("takes no ethnicity"))
        let (missing, missingOutput) = try await LabHarness.run("iomtctl", base + ["--equations", "gli-2012", "--age", "40"])
        #expect(missing == 2 && missingOutput.contains("north-east-asian"))
        let (unknown, unknownOutput) = try await LabHarness.run("iomtctl", base + ["--equations", "gli-global", "--age", "40", "--fev3", "2"])
        #expect(unknown == 2 && unknownOutput.contains("--fev3"))
        let (equations, equationsOutput) = try await LabHarness.run("iomtctl", base + ["--equations", "nhanes3", "--age", "40"])
        #expect(equations == 2 && equationsOutput.contains("gli-global|gli-2012"))
        let (percent, percentOutput) = try await LabHarness.run("iomtctl", base + ["--equations", "gli-global", "--age", "40", "--ratio", "78"])
        #expect(percent == 2 && percentOutput.contains("fraction"))
    }

    @Test func fev6HasNoGLIEquationAndSaysSo() async throws {
        let (status, output) = try await LabHarness.run("iomtctl", ["spirometry", "reference", "--equations", "gli-global", "--sex", "male",
                                                                    "--age", "40", "--height", "175", "--fev6", "4.2", "--json"])
        #expect(status == 0, "\(output)")
        let fev6 = try #require(try Self.results(output)["FEV6"])
        #expect(fev6["predicted"] is NSNull)
        #expect((fev6["reason"] as? String)?.contains("defines no equation for FEV6") == true)
    }
}
