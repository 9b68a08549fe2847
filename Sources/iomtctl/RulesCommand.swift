import IoMTAlerts
import IoMTCore
import IoMTSpirometry

/// `iomtctl rules validate --rules FILE` and `iomtctl rules test --rules FILE --readings FILE …`: check a rule
/// set before installing it, with the daemon's own engine.
enum RulesCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        switch arguments.next() {
        case "validate": try validate(&arguments)
        case "test": try test(&arguments)
        case let other:
            throw CLIError(message: "expected 'rules validate' or 'rules test', found \(other.map { "'\($0)'" } ?? "nothing")",
                           hint: "see iomtctl help rules", exitCode: .usage)
        }
    }

    static func load(_ path: String) throws(CLIError) -> RuleSet {
        let text: String
        do { text = try FileIO.readText(path) } catch { throw CLIError(message: "cannot read \(path): \(error)", exitCode: .usage) }
        do { return try RuleFileParser.parse(text, file: path) } catch {
            throw CLIError(message: "invalid rule file\n\(error.description)\n", exitCode: .usage)
        }
    }

    static func validate(_ arguments: inout CommandArguments) throws(CLIError) {
        let path = try arguments.requiredOption("--rules", value: "FILE")
        let json = arguments.flag("--json")
        try arguments.finish()
        let rules = try load(path)
        if json {
            print(JSONValue.object([("file", .string(path)), ("valid", .bool(true)), ("version", .string(rules.version)),
                                    ("hash", .string(rules.hash)), ("rules", .number(rules.rules.count))]).serialized())
        } else {
            print("\(path): valid, version \(rules.version), \(rules.rules.count) rule(s), hash \(rules.hash)")
        }
    }

    static func test(_ arguments: inout CommandArguments) throws(CLIError) {
        let rulesPath = try arguments.requiredOption("--rules", value: "FILE")
        let readingsPath = try arguments.requiredOption("--readings", value: "FILE")
        let patient = try arguments.option("--patient")
        let extend = try arguments.duration("--extend") ?? 0
        let profileId = try arguments.option("--profile")
        let profilesOption = try arguments.option("--profiles-dir")
        let configPath = try arguments.option("--config")
        let pesel = try arguments.pesel("--pesel")
        let json = arguments.flag("--json")
        try arguments.finish()
        let rules = try load(rulesPath)
        let profiles = try ProfilesLocation.load(option: profilesOption)
        let classes = Dictionary(profiles.map { ($0.id, $0.deviceClass) }, uniquingKeysWith: { a, _ in a })
        let text: String
        do { text = try FileIO.readText(readingsPath) } catch { throw CLIError(message: "cannot read \(readingsPath): \(error)", exitCode: .usage) }
        let device = profileId.map { DeviceIdentity(profileId: $0, manufacturer: "", model: "") }
        // z-score rules need the patient's demographics, as the daemon has them from its configuration.
        let demographics = try PatientDemographicsSource.load(option: configPath).patient(pesel: pesel, reference: patient)
        if pesel != nil, demographics == nil {
            throw CLIError(message: "--pesel: the configuration lists no demographics (heightCm) for this patient",
                           hint: "add them to patients[] (docs/configuration.md, \"Spirometry reference values\") or pass --config FILE", exitCode: .usage)
        }
        let result: RuleDryRun.Result
        do {
            result = try RuleDryRun(ruleSet: rules, deviceClasses: classes, patientReference: patient, demographics: demographics,
                                extendMilliseconds: extend)
                .run(ndjson: text, decodedDevice: device)
        } catch {
            throw CLIError(message: "\(readingsPath): \(error)", exitCode: .usage)
        }
        if json {
            print(JSONValue.object([
                ("rules", .string(rulesPath)), ("version", .string(rules.version)), ("hash", .string(rules.hash)),
                ("patient", patient.map { .string($0) } ?? .null), ("referenceValues", .bool(demographics != nil)),
                ("readings", .number(result.readings)),
                ("suppressedByRateLimit", .number(result.suppressedByRateLimit)),
                ("alerts", .array(result.alerts.map { line, event in
                    .object([("at", .string(event.createdAt.iso8601)), ("observedAt", .string(event.observedAt.iso8601)),
                             ("rule", .string(event.ruleId)), ("priority", .string(event.priority.rawValue)),
                             ("occurrence", .string(event.occurrence.rawValue)), ("condition", .string(event.condition)),
                             ("measurement", .string(event.measurement)), ("value", event.value.map { .string($0.description) } ?? .null),
                             ("threshold", event.threshold.map { .string($0.description) } ?? .null),
                             ("interpretation", event.interpretation.map { .string($0) } ?? .null),
                             ("device", .string(event.deviceKey)), ("episode", .string(event.episode)),
                             ("readingLine", line.map { .number($0) } ?? .null),
                             ("inputs", (try? JSONValue.parse(event.inputs)) ?? .array([])), ("message", .string(event.message))])
                })),
            ]).serialized())
            return
        }
        print("rule set \(rulesPath): version \(rules.version), hash \(rules.hash)\(patient.map { ", patient \($0)" } ?? "")"
              + (demographics == nil ? ", no patient demographics (z-score rules cannot fire)" : ", reference values from the configured demographics"))
        print("\(result.readings) reading(s), \(result.alerts.count) alert(s)" +
              (result.suppressedByRateLimit > 0 ? ", \(result.suppressedByRateLimit) held back by rate limits" : ""))
        for (line, event) in result.alerts {
            let source = line.map { "reading line \($0)" } ?? "timer"
            print("\(event.createdAt.iso8601)  \(event.priority.rawValue.uppercased().padded(6))  \(event.occurrence.rawValue.padded(9))  " +
                  "\(event.ruleId.padded(20))  \(event.message)  [\(source), \(event.deviceKey)]")
        }
    }
}

extension String {
    func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
