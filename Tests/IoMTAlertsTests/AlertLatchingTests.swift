import IoMTAlerts
import IoMTCore
import Testing

/// IEC 60601-1-8 latching and the end of an episode: a high-priority alarm stays until acknowledged even when its
/// condition clears; every episode that was announced ends with one `resolved` event; re-alarming after that
/// follows the rule's `reAlarmAfter`.
@Suite struct AlertLatchingTests {
    static let start = Instant(millisecondsSinceEpoch: 1_763_900_000_000)
    let oximeter = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "A1")

    func spo2(_ value: String, at clock: ManualClock) -> AlertInput {
        .observation(Observation(type: .spo2, value: DecimalValue(value), unit: "%", receivedAt: clock.now(), correctedTime: clock.now(),
                                 device: oximeter, patientId: nil, rawFrame: [0x80]), id: nil)
    }

    /// One SpO2 value per second; "ack" acknowledges the open episode instead. Returns "second occurrence" per event.
    func run(_ rule: AlertRule, _ values: [String]) -> [String] {
        var engine = AlertEngine(ruleSet: RuleSet(rules: [rule]))
        let clock = ManualClock(Self.start)
        var episode: String?
        var events: [String] = []
        for (second, value) in values.enumerated() {
            let produced = value == "ack" ? engine.process(.acknowledge(episode: episode ?? "", at: clock.now()))
                                          : engine.process(spo2(value, at: clock))
            for event in produced {
                if event.occurrence == .fired { episode = event.episode }
                events.append("\(second) \(event.occurrence.rawValue)")
            }
            clock.advance(milliseconds: 1000)
        }
        return events
    }

    let high = AlertRule.threshold(id: "spo2-critical", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(88), priority: .high)
    let medium = AlertRule.threshold(id: "spo2-low", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(93), priority: .medium)

    @Test func highPriorityLatchesUntilAcknowledgedThenResolves() {
        #expect(high.latches && !medium.latches)
        // Fires at 1, clears at 2 (latched: nothing), dips again at 3 (same episode), ack at 5 (still low: no end), clears at 6.
        #expect(run(high, ["97", "85", "97", "85", "97", "ack", "97"]) == ["1 fired", "5 resolved"])
        #expect(run(high, ["97", "85", "85", "ack", "85", "97", "85"]) == ["1 fired", "5 resolved", "6 fired"])
    }

    @Test func aNonLatchingAlarmResolvesWhenItsConditionClears() {
        #expect(run(medium, ["97", "90", "97", "90", "97"]) == ["1 fired", "2 resolved", "3 fired", "4 resolved"])
        var unlatched = high
        unlatched.latching = false
        #expect(run(unlatched, ["97", "85", "97"]) == ["1 fired", "2 resolved"])
        var latched = medium
        latched.latching = true
        #expect(run(latched, ["97", "90", "97", "97", "ack"]) == ["1 fired", "4 resolved"])
    }

    @Test func aLatchedAlarmWhoseConditionClearedIsAnnouncedAgainPerItsRule() {
        var rule = high
        rule.escalation = AlertRule.Escalation(repeatEveryMilliseconds: 60_000)
        var engine = AlertEngine(ruleSet: RuleSet(rules: [rule]))
        let clock = ManualClock(Self.start)
        let fired = engine.process(spo2("80", at: clock))
        clock.advance(milliseconds: 1000)
        #expect(engine.process(spo2("97", at: clock)).isEmpty)
        clock.advance(milliseconds: 59_000)
        let repeated = engine.process(.tick(clock.now()))
        #expect(repeated.map(\.occurrence) == [.repeated])
        #expect(repeated.first?.message.contains("latched") == true)
        let resolved = engine.process(.acknowledge(episode: fired[0].episode, at: clock.now()))
        #expect(resolved.map(\.occurrence) == [.resolved])
        #expect(resolved.first?.episode == fired[0].episode)
        #expect(resolved.first?.message.hasPrefix("RESOLVED") == true)
    }

    @Test func reAlarmAfterHoldsTheNextEpisodeBack() {
        var rule = medium
        rule.reAlarmAfterMilliseconds = 5_000
        // Resolved at 2; low again from 3: the next episode opens at 7 (5 s after the resolution), not at 3.
        #expect(run(rule, ["97", "90", "97", "90", "90", "90", "90", "90", "90"]) == ["1 fired", "2 resolved", "7 fired"])
    }

    @Test func ruleFilesSayLatchingAndReAlarmAfter() throws {
        let set = try RuleFileParser.parse(#"{"version": "1", "rules": [{"id": "a", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": 88, "priority": "high", "latching": false, "reAlarmAfter": "5m"}]}"#, file: "r.json")
        #expect(set.rules[0].latching == false && set.rules[0].reAlarmAfterMilliseconds == 300_000)
        #expect(throws: RuleFileError.self) {
            try RuleFileParser.parse(#"{"version": "1", "rules": [{"id": "a", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": 88, "priority": "high", "latching": "yes"}]}"#, file: "r.json")
        }
    }
}
