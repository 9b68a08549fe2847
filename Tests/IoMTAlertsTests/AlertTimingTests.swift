import IoMTAlerts
import IoMTCore
import Testing

/// Persistence, hysteresis, escalation, missed measurements, technical alerts and rate limits, driven by a
/// ManualClock: the engine sees time only through its inputs, so every timing here is exact.
@Suite struct AlertTimingTests {
    static let start = Instant(millisecondsSinceEpoch: 1_763_900_000_000)
    let oximeter = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "A1")
    let cuff = DeviceIdentity(profileId: "omron-bp", manufacturer: "Omron", model: "M7", serialNumber: "B7")
    let context = AlertContext(deviceClasses: ["contec-cms50d-plus": "pulse-oximeter", "omron-bp": "blood-pressure-monitor"],
                               patientReferences: ["44051401359": "P-0001"])

    func reading(_ type: MeasurementType, _ value: String?, at clock: ManualClock, status: MeasurementStatus = [],
                 device: DeviceIdentity? = nil) -> AlertInput {
        let observation = Observation(type: type, value: value.flatMap { DecimalValue($0) }, unit: type.defaultUnit, status: status,
                                      receivedAt: clock.now(), correctedTime: clock.now(), device: device ?? oximeter,
                                      patientId: "44051401359", rawFrame: [0x80])
        return .observation(observation, id: nil)
    }

    func bloodPressure(systolic: String, at clock: ManualClock) -> AlertInput {
        let observation = Observation(type: .bloodPressure, value: nil, unit: "mm[Hg]",
                                      components: [ObservationComponent(type: .systolic, value: DecimalValue(systolic), unit: "mm[Hg]"),
                                                   ObservationComponent(type: .diastolic, value: DecimalValue(80), unit: "mm[Hg]")],
                                      receivedAt: clock.now(), correctedTime: clock.now(), device: cuff, patientId: "44051401359", rawFrame: [1])
        return .observation(observation, id: nil)
    }

    /// Feeds one SpO2 value per second; returns the seconds (from 0) at which alerts fired (first announcements only).
    func firingSeconds(_ rule: AlertRule, values: [String?]) -> [Int] {
        var engine = AlertEngine(ruleSet: RuleSet(rules: [rule]), context: context)
        let clock = ManualClock(Self.start)
        var seconds: [Int] = []
        for (second, value) in values.enumerated() {
            if engine.process(reading(.spo2, value, at: clock)).contains(where: { $0.occurrence == .fired }) { seconds.append(second) }
            clock.advance(milliseconds: 1000)
        }
        return seconds
    }

    @Test func persistenceFiresOnlyAfterTheConditionHeldForTheWholeWindow() {
        var rule = AlertRule.threshold(id: "spo2-critical", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(88), priority: .high)
        rule.persistenceMilliseconds = 15_000
        // 14 s below 88 then a recovery: nothing. Then 16 s below: fires 15 s after the first low sample.
        let dip = Array(repeating: "85", count: 15) + ["95"]
        let sustained = Array(repeating: "85", count: 17)
        #expect(firingSeconds(rule, values: dip).isEmpty)
        #expect(firingSeconds(rule, values: dip + sustained) == [16 + 15])
        // Exactly at the limit (88) is inside and restarts the window.
        #expect(firingSeconds(rule, values: Array(repeating: "85", count: 10) + ["88"] + Array(repeating: "85", count: 16)) == [11 + 15])
        // A sample with no value (finger out) neither extends nor breaks the window.
        #expect(firingSeconds(rule, values: Array(repeating: "85", count: 5) + [nil] + Array(repeating: "85", count: 12)) == [15])
    }

    @Test func hysteresisKeepsTheAlertArmedUntilClearlyBackInside() {
        var rule = AlertRule.threshold(id: "spo2-low", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(92), priority: .medium)
        rule.hysteresis = DecimalValue(2)
        // 91 fires; 92 and 93 are inside but within the 2-point band: no re-arm, so 91 again is the same episode.
        #expect(firingSeconds(rule, values: ["95", "91", "92", "93", "91", "90"]) == [1])
        // 94 (= 92 + 2) re-arms: the next low value is a new alert.
        #expect(firingSeconds(rule, values: ["95", "91", "94", "91"]) == [1, 3])
        var high = AlertRule.threshold(id: "pulse-high", measurement: "MDC_PULS_OXIM_SAT_O2", above: DecimalValue(100), priority: .low)
        high.hysteresis = DecimalValue("0.5")!
        #expect(firingSeconds(high, values: ["101", "99.6", "101", "99.5", "101"]) == [0, 4])
    }

    @Test func highAlertRepeatsAndEscalatesUntilAcknowledged() {
        var rule = AlertRule.threshold(id: "spo2-critical", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(88), priority: .high)
        rule.escalation = AlertRule.Escalation(repeatEveryMilliseconds: 120_000, escalateAfterMilliseconds: 600_000)
        var engine = AlertEngine(ruleSet: RuleSet(rules: [rule]), context: context)
        let clock = ManualClock(Self.start)
        let fired = engine.process(reading(.spo2, "80", at: clock))
        #expect(fired.map(\.occurrence) == [.fired])
        var timeline: [(Int64, AlertOccurrence)] = []
        for _ in 0..<(11 * 60) { // tick every second for 11 minutes
            clock.advance(milliseconds: 1000)
            for event in engine.process(.tick(clock.now())) {
                timeline.append((clock.now().milliseconds(since: Self.start) / 1000, event.occurrence))
                #expect(event.episode == fired[0].episode)
            }
        }
        #expect(timeline.map(\.0) == [120, 240, 360, 480, 600])
        #expect(timeline.map(\.1) == [.repeated, .repeated, .repeated, .repeated, .escalated])
        // Acknowledged: silence for good (this episode).
        _ = engine.process(.acknowledge(episode: fired[0].episode, at: clock.now()))
        clock.advance(milliseconds: 3_600_000)
        #expect(engine.process(.tick(clock.now())).isEmpty)
    }

    @Test func silencePausesRepetitionUntilItEnds() {
        var rule = AlertRule.threshold(id: "spo2-critical", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(88), priority: .high)
        rule.escalation = AlertRule.Escalation(repeatEveryMilliseconds: 60_000)
        var engine = AlertEngine(ruleSet: RuleSet(rules: [rule]), context: context)
        let clock = ManualClock(Self.start)
        let episode = engine.process(reading(.spo2, "80", at: clock))[0].episode
        _ = engine.process(.silence(episode: episode, until: clock.now().adding(milliseconds: 300_000), at: clock.now()))
        var repeats: [Int64] = []
        for _ in 0..<420 {
            clock.advance(milliseconds: 1000)
            if !engine.process(.tick(clock.now())).isEmpty { repeats.append(clock.now().milliseconds(since: Self.start) / 1000) }
        }
        #expect(repeats == [300, 360, 420])
    }

    @Test func missedMeasurementFiresAfterTheWindowAndClearsOnTheNextReading() {
        let rule = AlertRule(id: "bp-missed", kind: .missedMeasurement(measurement: "MDC_PRESS_BLD_NONINV", withinMilliseconds: 26 * 3_600_000),
                             priority: .low)
        var engine = AlertEngine(ruleSet: RuleSet(rules: [rule]), context: context)
        let clock = ManualClock(Self.start)
        // Monitoring starts; the patient's clock starts with it.
        #expect(engine.process(.tick(clock.now())).isEmpty)
        clock.advance(milliseconds: 26 * 3_600_000 - 1)
        #expect(engine.process(.tick(clock.now())).isEmpty)
        clock.advance(milliseconds: 1)
        let missed = engine.process(.tick(clock.now()))
        #expect(missed.map(\.condition) == ["missed"])
        #expect(missed.first?.message.contains("44051401359") == false)
        clock.advance(milliseconds: 3_600_000)
        #expect(engine.process(.tick(clock.now())).isEmpty) // one alert per gap, not one per tick
        // A measurement arrives: the episode resolves; the next gap counts from it.
        #expect(engine.process(bloodPressure(systolic: "120", at: clock)).map(\.occurrence) == [.resolved])
        clock.advance(milliseconds: 26 * 3_600_000 - 1000)
        #expect(engine.process(.tick(clock.now())).isEmpty)
        clock.advance(milliseconds: 1000)
        #expect(engine.process(.tick(clock.now())).count == 1)
    }

    @Test func fingerOutTooLongIsATechnicalAlert() {
        let rule = AlertRule(id: "finger-out", kind: .technical(condition: "sensor-off"), priority: .low, deviceClass: "pulse-oximeter",
                             persistenceMilliseconds: 60_000)
        var engine = AlertEngine(ruleSet: RuleSet(rules: [rule]), context: context)
        let clock = ManualClock(Self.start)
        var fired: [Int64] = []
        for second in 0..<200 {
            // Finger out from 10 s to 40 s (short: no alert), then from 100 s on.
            let out = (10..<40).contains(second) || second >= 100
            let input = reading(.spo2, out ? nil : "97", at: clock, status: out ? [.sensorOff, .notAvailable] : [])
            for event in engine.process(input) {
                fired.append(clock.now().milliseconds(since: Self.start) / 1000)
                #expect(event.condition == "sensor-off")
                #expect(event.priority == .low)
            }
            clock.advance(milliseconds: 1000)
        }
        #expect(fired == [160])
        // A blood-pressure cuff is not a pulse oximeter: the rule does not apply to it.
        #expect(engine.process(reading(.spo2, nil, at: clock, status: [.sensorOff], device: cuff)).isEmpty)
    }

    @Test func gatewayConditionsAreTechnicalAlertsWithPersistence() {
        let rule = AlertRule(id: "device-unreachable", kind: .technical(condition: "device-unreachable"), priority: .medium,
                             persistenceMilliseconds: 600_000)
        var engine = AlertEngine(ruleSet: RuleSet(rules: [rule]), context: context)
        let clock = ManualClock(Self.start)
        func condition(_ active: Bool) -> AlertInput {
            .condition(name: "device-unreachable", active: active, deviceKey: oximeter.key, deviceClass: "pulse-oximeter",
                       patientId: nil, at: clock.now())
        }
        #expect(engine.process(condition(true)).isEmpty)
        clock.advance(milliseconds: 599_999)
        #expect(engine.process(condition(true)).isEmpty)
        clock.advance(milliseconds: 1)
        #expect(engine.process(condition(true)).map(\.ruleId) == ["device-unreachable"])
        #expect(engine.process(condition(false)).map(\.occurrence) == [.resolved])
        // Reported once, then only time passes: the tick completes the persistence.
        #expect(engine.process(condition(true)).isEmpty)
        clock.advance(milliseconds: 599_000)
        #expect(engine.process(.tick(clock.now())).isEmpty)
        clock.advance(milliseconds: 1000)
        #expect(engine.process(.tick(clock.now())).map(\.condition) == ["device-unreachable"])
        clock.advance(milliseconds: 60_000)
        #expect(engine.process(.tick(clock.now())).isEmpty)
    }

    @Test func rateLimitCapsNewAlertsPerWindow() {
        var rule = AlertRule.threshold(id: "spo2-low", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(92), priority: .medium)
        rule.rateLimit = AlertRule.RateLimit(maximum: 2, windowMilliseconds: 10_000)
        // Alternating low/normal every second: six episodes in 12 s, at most two per 10 s window.
        let values = (0..<24).map { $0 % 2 == 0 ? "90" : "95" }
        #expect(firingSeconds(rule, values: values) == [0, 2, 10, 12, 20, 22])
    }

    @Test func patientRulesReplaceDefaultsOfTheSameIdForThatPatientOnly() throws {
        let text = """
            {"version": "t1",
             "rules": [{"id": "spo2-low", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": 92, "priority": "medium"}],
             "patients": {"P-0001": {"rules": [{"id": "spo2-low", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": 88, "priority": "high"}]}}}
            """
        let ruleSet = try RuleFileParser.parse(text, file: "t.json")
        var engine = AlertEngine(ruleSet: ruleSet, context: context)
        let clock = ManualClock(Self.start)
        // P-0001 (the bound patient) has a COPD target: 90 is fine for them, 87 is high priority.
        #expect(engine.process(reading(.spo2, "90", at: clock)).isEmpty)
        #expect(engine.process(reading(.spo2, "87", at: clock)).map(\.priority) == [.high])
        // Someone else on the same defaults: 90 fires at medium.
        var other = AlertEngine(ruleSet: ruleSet, context: AlertContext())
        #expect(other.process(reading(.spo2, "90", at: clock)).map(\.priority) == [.medium])
    }

    @Test func alertsRecordTheInputsThatFiredThem() throws {
        var rule = AlertRule.threshold(id: "spo2-critical", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(88), priority: .high)
        rule.persistenceMilliseconds = 2000
        var engine = AlertEngine(ruleSet: RuleSet(version: "v7", rules: [rule]), context: context)
        let clock = ManualClock(Self.start)
        var events: [AlertEvent] = []
        for value in ["86", "85", "84"] {
            events += engine.process(reading(.spo2, value, at: clock))
            clock.advance(milliseconds: 1000)
        }
        let event = try #require(events.first)
        let inputs = try JSONValue.parse(event.inputs).arrayValue ?? []
        #expect(inputs.compactMap { $0["value"]?.stringValue } == ["86", "85", "84"])
        #expect(event.ruleSetVersion == "v7")
        #expect(event.interpretation == "LL")
        #expect(!event.inputs.contains("44051401359"))
    }
}
