import IoMTAlerts
import IoMTCore
import Testing

@Suite struct RuleFileParserTests {
    @Test func theShippedDefaultsParseAndEveryRuleHasAPriority() throws {
        let rules = try ReplayDeterminismTests.defaultRules()
        #expect(rules.version.hasPrefix("default-"))
        #expect(rules.rules.count >= 15)
        #expect(Set(rules.rules.map(\.id)).count == rules.rules.count)
    }

    @Test func errorsNameFileRuleAndField() {
        let text = """
            {"version": "1", "rules": [
              {"id": "spo2-low", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": "ninety", "priority": "urgent"},
              {"id": "bp", "measurement": "MDC_PRESS_BLD_NONINV_SYS", "above": 140, "priority": "low", "for": "15 seconds", "hysterisis": 2},
              {"id": "gone", "kind": "missed-measurement", "measurement": "MDC_PRESS_BLD_NONINV", "priority": "low"}
            ], "patients": {"44051401359": {"rules": []}}}
            """
        #expect {
            try RuleFileParser.parse(text, file: "/etc/iomtd/rules.json")
        } throws: { error in
            let text = (error as? RuleFileError)?.description ?? ""
            return text.contains("/etc/iomtd/rules.json: rule \"spo2-low\": rules[0].below: expected a decimal number")
                && text.contains("rule \"spo2-low\": rules[0].priority: expected one of high, medium, low")
                && text.contains("rule \"bp\": rules[1].for: expected a duration such as \"15s\"")
                && text.contains("rule \"bp\": rules[1].hysterisis: expected one of")
                && text.contains("rule \"gone\": rules[2].within: expected a duration")
                && text.contains("patients.44051401359: expected a patient reference (not a PESEL")
                && !text.contains("44051401359\"")
        }
    }

    @Test func syntaxErrorsGiveLineAndColumn() {
        #expect {
            try RuleFileParser.parse("{\"version\": 1,\n \"rules\": [}", file: "r.json")
        } throws: { error in
            (error as? RuleFileError)?.description.hasPrefix("r.json: (syntax): expected valid JSON, found line 2") == true
        }
    }

    @Test(arguments: [("15s", 15_000), ("2m", 120_000), ("26h", 93_600_000), ("1d", 86_400_000), ("500ms", 500)] as [(String, Int64)])
    func durations(text: String, milliseconds: Int64) {
        #expect(RuleFileParser.duration(text) == milliseconds)
    }

    @Test(arguments: ["15", "s", "-5s", "1.5h", "15 s", "106751991167301d", "99999999999999999d", "9223372036854775807s"])
    func badDurationsAreRefused(text: String) {
        #expect(RuleFileParser.duration(text) == nil)
    }
}
