import IoMTAlerts
import IoMTCore
import Testing

/// Replaying the same readings (and ticks) through the shipped default rules gives the same alerts,
/// field for field, whatever the run.
@Suite struct ReplayDeterminismTests {
    static func defaultRules() throws -> RuleSet {
        let path = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let text = try FileIO.readText("/" + path + "/DeviceProfiles/rules/default-rules.json")
        return try RuleFileParser.parse(text, file: "default-rules.json")
    }

    static func inputs() -> [AlertInput] {
        var random = SeededRandom(seed: 42)
        let oximeter = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "A1")
        var inputs: [AlertInput] = []
        var time = Instant(millisecondsSinceEpoch: 1_763_900_000_000)
        for second in 0..<7200 {
            let dip = (second / 600) % 2 == 1
            let value = dip ? 80 + Int(random.next() % 7) : 93 + Int(random.next() % 6)
            let fingerOut = (5000..<5100).contains(second)
            let observation = Observation(type: .spo2, value: fingerOut ? nil : DecimalValue(value), unit: "%",
                                          status: fingerOut ? [.sensorOff] : [], receivedAt: time, correctedTime: time,
                                          device: oximeter, patientId: "44051401359", rawFrame: [0x80])
            inputs.append(.observation(observation, id: Int64(second)))
            if second % 10 == 0 { inputs.append(.tick(time)) }
            time = time.adding(milliseconds: 1000)
        }
        inputs.append(.tick(time.adding(milliseconds: 30 * 3_600_000)))
        return inputs
    }

    @Test func replayingTheSameInputsGivesTheSameAlerts() throws {
        let rules = try Self.defaultRules()
        let context = AlertContext(deviceClasses: ["contec-cms50d-plus": "pulse-oximeter"], patientReferences: ["44051401359": "P-0001"])
        let inputs = Self.inputs()
        func run() -> [AlertEvent] {
            var engine = AlertEngine(ruleSet: rules, context: context)
            return inputs.flatMap { engine.process($0) }
        }
        let first = run()
        let second = run()
        #expect(first == second)
        // The run exercises persistence, repetition/escalation, technical and missed-measurement rules.
        let ruleIds = Set(first.map(\.ruleId))
        #expect(ruleIds.isSuperset(of: ["spo2-critical", "spo2-low", "finger-out", "bp-missed"]))
        #expect(first.contains { $0.occurrence == .repeated })
        #expect(first.allSatisfy { $0.ruleSetHash == rules.hash && !$0.message.contains("44051401359") })
    }
}
