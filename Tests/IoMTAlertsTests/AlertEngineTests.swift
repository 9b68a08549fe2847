import IoMTAlerts
import IoMTCore
import Testing

@Suite struct AlertEngineTests {
    let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "A1")
    let rules = RuleSet(rules: [
        AlertRule.threshold(id: "spo2-low", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(90), priority: .high),
        AlertRule.threshold(id: "pulse-range", measurement: "MDC_PULS_OXIM_PULS_RATE", below: DecimalValue(40), above: DecimalValue(120), priority: .medium),
    ])

    func spo2(_ value: String?, at second: Int64 = 0) -> Observation {
        Observation(type: .spo2, value: value.flatMap { DecimalValue($0) }, unit: "%",
                    status: value == nil ? [.sensorOff, .notAvailable] : [],
                    receivedAt: Instant(millisecondsSinceEpoch: second * 1000), correctedTime: Instant(millisecondsSinceEpoch: second * 1000),
                    device: device, patientId: "44051401359", rawFrame: [0x80])
    }

    @Test(arguments: [("90", false), ("90.0", false), ("89.9", true), ("89", true), ("97", false)])
    func limitsAreExclusive(value: String, fires: Bool) {
        var engine = AlertEngine(ruleSet: rules)
        let events = engine.evaluate(spo2(value), observationId: 1, now: Instant(millisecondsSinceEpoch: 0))
        #expect(events.count == (fires ? 1 : 0))
    }

    @Test func firesOncePerEpisodeAndRearmsAfterRecovery() {
        // Not latching: the episode ends when the value recovers (a latching one waits for its acknowledgement, AlertLatchingTests).
        var engine = AlertEngine(ruleSet: RuleSet(rules: rules.rules.map { var rule = $0; rule.latching = false; return rule }))
        let values = ["97", "88", "85", "86", nil, "87", "95", "89", "89"]
        var fired: [Int] = []
        for (index, value) in values.enumerated() {
            if engine.evaluate(spo2(value, at: Int64(index)), observationId: Int64(index), now: Instant(millisecondsSinceEpoch: 0))
                .contains(where: { $0.occurrence == .fired }) {
                fired.append(index)
            }
        }
        // Fires at the first low value, stays quiet through the dip (and the finger-out gap), re-arms at 95.
        #expect(fired == [1, 7])
    }

    @Test func alertCarriesRuleInputsAndNoPatientInItsMessage() throws {
        var engine = AlertEngine(ruleSet: rules)
        let event = try #require(engine.evaluate(spo2("85", at: 42), observationId: 7, now: Instant(millisecondsSinceEpoch: 99)).first)
        #expect(event.ruleId == "spo2-low")
        #expect(event.ruleSetHash == rules.hash)
        #expect(event.priority == .high)
        #expect(event.condition == "below")
        #expect(event.value == DecimalValue(85))
        #expect(event.threshold == DecimalValue(90))
        #expect(event.observationId == 7)
        #expect(event.observedAt == Instant(millisecondsSinceEpoch: 42_000))
        #expect(event.patientId == "44051401359")
        #expect(!event.message.contains("44051401359"))
    }

    @Test func devicesAreTrackedSeparately() {
        var engine = AlertEngine(ruleSet: rules)
        var other = spo2("85")
        other.device.serialNumber = "B2"
        #expect(engine.evaluate(spo2("85"), observationId: 1, now: Instant(millisecondsSinceEpoch: 0)).count == 1)
        #expect(engine.evaluate(other, observationId: 2, now: Instant(millisecondsSinceEpoch: 0)).count == 1)
    }

    @Test func replayingTheSameReadingsGivesTheSameAlerts() {
        let readings = (0..<120).map { spo2(String(80 + ($0 * 7) % 20), at: Int64($0)) }
        func run() -> [AlertEvent] {
            var engine = AlertEngine(ruleSet: rules)
            return readings.enumerated().flatMap { engine.evaluate($1, observationId: Int64($0), now: Instant(millisecondsSinceEpoch: 0)) }
        }
        let first = run()
        #expect(!first.isEmpty)
        #expect(first == run())
    }

    @Test func ruleSetHashChangesWithAnyRuleField() {
        let changed = RuleSet(rules: [
            AlertRule.threshold(id: "spo2-low", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(89), priority: .high),
            rules.rules[1],
        ])
        #expect(changed.hash != rules.hash)
        #expect(RuleSet(rules: rules.rules).hash == rules.hash)
        #expect(rules.hash.count == 16)
    }
}
