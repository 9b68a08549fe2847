import IoMTCore
import IoMTSpirometry

/// `iomtctl spirometry reference …`: GLI reference values (predicted, LLN, ULN, z, % predicted) for one subject and,
/// optionally, observed values — the IoMTSpirometry code path the daemon uses.
enum SpirometryCommand {
    static let usage = "iomtctl spirometry reference --equations gli-global|gli-2012 [--ethnicity GROUP] --sex male|female --age YEARS --height CM [--fev1 L] [--fvc L] [--ratio R] [--fev6 L] [--fef2575 L/s] [--json]"

    static func run(_ arguments: inout CommandArguments) throws(CLIError) {
        guard arguments.next() == "reference" else { throw CLIError(message: "expected the subcommand 'reference'", hint: usage, exitCode: .usage) }
        let equationsText = try arguments.option("--equations")
        let ethnicityText = try arguments.option("--ethnicity")
        let sexText = try arguments.option("--sex")
        let age = try number(arguments.option("--age"), option: "--age")
        let height = try number(arguments.option("--height"), option: "--height")
        var observed: [SpirometryParameter: Double] = [:]
        for (option, parameter) in [("--fev1", SpirometryParameter.fev1), ("--fvc", .fvc), ("--ratio", .fev1FVC), ("--fev6", .fev6), ("--fef2575", .fef2575)] {
            if let value = try number(arguments.option(option), option: option) {
                if parameter == .fev1FVC, value > 1 {
                    throw CLIError(message: "--ratio \(value): FEV1/FVC is a fraction (0.78), not a percentage", exitCode: .usage)
                }
                guard value > 0, value < 30 else { throw CLIError(message: "\(option) \(value) is not a plausible value (expected > 0 and < 30)", exitCode: .usage) }
                observed[parameter] = value
            }
        }
        let json = arguments.flag("--json")
        try arguments.finish()

        let known = ReferenceEquations.allCases.map(\.rawValue).joined(separator: "|")
        guard let equationsText else { throw CLIError(message: "--equations \(known) is required", hint: usage, exitCode: .usage) }
        guard let equations = ReferenceEquations(rawValue: equationsText) else {
            throw CLIError(message: "--equations: unknown '\(equationsText)', expected \(known)", exitCode: .usage)
        }
        guard let sexText, let sex = SexAtBirth(rawValue: sexText) else {
            throw CLIError(message: "--sex male|female is required (sex at birth)", hint: usage, exitCode: .usage)
        }
        guard let age else { throw CLIError(message: "--age YEARS is required", hint: usage, exitCode: .usage) }
        guard let height else { throw CLIError(message: "--height CM is required", hint: usage, exitCode: .usage) }
        var ethnicity: GLIEthnicity?
        if let ethnicityText {
            guard let group = GLIEthnicity(rawValue: ethnicityText) else {
                throw CLIError(message: "--ethnicity: unknown '\(ethnicityText)', expected " + GLIEthnicity.allCases.map(\.rawValue).joined(separator: "|"), exitCode: .usage)
            }
            ethnicity = group
        }
        // Without --ratio, the observed ratio follows from --fev1 and --fvc.
        if observed[.fev1FVC] == nil, let fev1 = observed[.fev1], let fvc = observed[.fvc] { observed[.fev1FVC] = fev1 / fvc }

        let subject = ReferenceSubject(sex: sex, ageYears: age, heightCm: height, ethnicity: ethnicity)
        let requested = SpirometryReference.parameters(equations).filter { $0 != .fef2575 || observed[.fef2575] != nil }
            + [SpirometryParameter.fev6, .fef2575].filter { observed[$0] != nil && !SpirometryReference.parameters(equations).contains($0) }
        var rows: [Row] = []
        for parameter in requested {
            do {
                let values = try SpirometryReference.values(parameter, for: subject, equations: equations)
                rows.append(Row(parameter: parameter, observed: observed[parameter], values: values, reason: nil))
            } catch {
                switch error {
                case .notDefined:
                    rows.append(Row(parameter: parameter, observed: observed[parameter], values: nil, reason: error.description))
                case .outOfRange where parameter == .fef2575:
                    // FEF25-75's own (shorter) age range: the other parameters still stand.
                    rows.append(Row(parameter: parameter, observed: observed[parameter], values: nil, reason: error.description))
                default:
                    throw CLIError(message: error.description, hint: usage, exitCode: .usage)
                }
            }
        }
        print(json ? document(equations, rows).serialized() : table(equations, subject, rows))
    }

    struct Row {
        let parameter: SpirometryParameter
        let observed: Double?
        let values: ReferenceValues?
        let reason: String?
    }

    private static func number(_ text: String?, option: String) throws(CLIError) -> Double? {
        guard let text else { return nil }
        guard let value = Double(text), value.isFinite else { throw CLIError(message: "\(option) expects a number, got '\(text)'", exitCode: .usage) }
        return value
    }

    static func document(_ equations: ReferenceEquations, _ rows: [Row]) -> JSONValue {
        func number(_ value: Double?) -> JSONValue { value.map { .number(rounded($0)) } ?? .null }
        let results: [JSONValue] = rows.map { row in
            var members: [(String, JSONValue)] = [
                ("parameter", .string(row.parameter.rawValue)),
                ("observed", number(row.observed)),
                ("predicted", number(row.values?.predicted)),
                ("lln", number(row.values?.lowerLimitOfNormal)),
                ("uln", number(row.values?.upperLimitOfNormal)),
                ("z", number(row.observed.flatMap { row.values?.zScore(observed: $0) })),
                ("percentPredicted", number(row.observed.flatMap { row.values?.percentPredicted(observed: $0) })),
            ]
            if let reason = row.reason { members.append(("reason", .string(reason))) }
            return .object(members)
        }
        return .object([("equations", .string(equations.rawValue)), ("results", .array(results))])
    }

    /// Four decimals: more than any spirometer reports, and what the GLI calculator publishes (3) survives.
    static func rounded(_ value: Double) -> String {
        let scaled = (value * 10_000).rounded()
        guard scaled.isFinite, abs(scaled) < 1e15 else { return "0" }
        let integer = Int64(scaled)
        let sign = integer < 0 ? "-" : ""
        let magnitude = integer.magnitude
        var fraction = String(magnitude % 10_000)
        fraction = String(repeating: "0", count: 4 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return sign + String(magnitude / 10_000) + (fraction.isEmpty ? "" : "." + fraction)
    }

    static func table(_ equations: ReferenceEquations, _ subject: ReferenceSubject, _ rows: [Row]) -> String {
        func cell(_ value: Double?, _ width: Int) -> String {
            let text = value.map(rounded) ?? "—"
            return String(repeating: " ", count: max(0, width - text.count)) + text
        }
        var lines = ["\(equations.title): \(subject.sex.rawValue), \(rounded(subject.ageYears)) y, \(rounded(subject.heightCm)) cm"
                     + (subject.ethnicity.map { ", \($0.rawValue)" } ?? ""),
                     "parameter   observed  predicted     LLN      ULN        z   %pred"]
        for row in rows {
            let name = row.parameter.rawValue + String(repeating: " ", count: max(0, 10 - row.parameter.rawValue.count))
            var line = name + cell(row.observed, 10) + cell(row.values?.predicted, 11) + cell(row.values?.lowerLimitOfNormal, 8)
                + cell(row.values?.upperLimitOfNormal, 9) + cell(row.observed.flatMap { row.values?.zScore(observed: $0) }, 9)
                + cell(row.observed.flatMap { row.values?.percentPredicted(observed: $0) }, 8)
            if let reason = row.reason { line += "  (\(reason))" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
