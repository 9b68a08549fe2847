import IoMTAlerts
import IoMTCore
import Testing

/// The engine saved and restored (through its JSON snapshot, as the daemon stores it) at the awkward moments: a
/// restart changes nothing a clinician sees. Each test runs the same inputs once straight through and once with
/// a restart in the middle, and expects the same events.
@Suite struct AlertRestartTests {
    static let start = Instant(millisecondsSinceEpoch: 1_763_900_000_000)
    let oximeter = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "A1")
    let cuff = DeviceIdentity(profileId: "omron-bp", manufacturer: "Omron", model: "M7", serialNumber: "B7")
    let context = AlertContext(deviceClasses: ["contec-cms50d-plus": "pulse-oximeter", "omron-bp": "blood-pressure-monitor"],
                               patientReferences: ["44051401359": "P-0001"])

    func spo2(_ value: String?, at clock: ManualClock) -> AlertInput {
        .observation(Observation(type: .spo2, value: value.flatMap { DecimalValue($0) }, unit: "%", receivedAt: clock.now(),
                                 correctedTime: clock.now(), device: oximeter, patientId: "44051401359", rawFrame: [0x80]), id: nil)
    }

    func bloodPressure(at clock: ManualClock) -> AlertInput {
        .observation(Observation(type: .bloodPressure, value: nil, unit: "mm[Hg]",
                                 components: [ObservationComponent(type: .systolic, value: DecimalValue(120), unit: "mm[Hg]")],
                                 receivedAt: clock.now(), correctedTime: clock.now(), device: cuff, patientId: "44051401359",
                                 rawFrame: [1]), id: nil)
    }

    /// A daemon restart: the snapshot goes through JSON, a fresh engine continues from it.
    func restarted(_ engine: AlertEngine, ruleSet: RuleSet? = nil) throws -> AlertEngine {
        let json = try engine.snapshot().json()
        return AlertEngine(ruleSet: ruleSet ?? engine.ruleSet, context: context, restoring: try AlertEngineSnapshot.decode(json: json))
    }

    /// Runs `steps` (one input per second, built from the clock) and returns (second, occurrence) for every event;
    /// with `restartAt`, the engine is restarted before that step.
    func timeline(_ rules: [AlertRule], steps: Int, restartAt: Int? = nil,
                  input: (Int, ManualClock) -> [AlertInput]) throws -> [String] {
        var engine = AlertEngine(ruleSet: RuleSet(rules: rules), context: context)
        let clock = ManualClock(Self.start)
        var events: [String] = []
        for step in 0..<steps {
            if step == restartAt { engine = try restarted(engine) }
            for item in input(step, clock) {
                events += engine.process(item).map { "\(step) \($0.ruleId) \($0.occurrence.rawValue)" }
            }
            clock.advance(milliseconds: 1000)
        }
        return events
    }

    var critical: AlertRule {
        var rule = AlertRule.threshold(id: "spo2-critical", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(88), priority: .high)
        rule.persistenceMilliseconds = 15_000
        rule.escalation = AlertRule.Escalation(repeatEveryMilliseconds: 120_000, escalateAfterMilliseconds: 600_000)
        return rule
    }

    @Test(arguments: [3, 10, 15, 16, 40, 119, 121, 300, 599, 601])
    func aRestartAnywhereInADesaturationChangesNoEvent(restartAt: Int) throws {
        let input: (Int, ManualClock) -> [AlertInput] = { step, clock in [self.spo2(step < 700 ? "84" : "97", at: clock), .tick(clock.now())] }
        let straight = try timeline([critical], steps: 720, input: input)
        #expect(straight.first == "15 spo2-critical fired") // after the 15 s window
        #expect(straight.filter { $0.hasSuffix("escalated") } == ["615 spo2-critical escalated"])
        #expect(try timeline([critical], steps: 720, restartAt: restartAt, input: input) == straight)
    }

    @Test func anAcknowledgementGivenBeforeARestartStaysInForce() throws {
        var engine = AlertEngine(ruleSet: RuleSet(rules: [critical]), context: context)
        let clock = ManualClock(Self.start)
        var fired: [AlertEvent] = []
        for _ in 0...15 { fired += engine.process(spo2("84", at: clock)); clock.advance(milliseconds: 1000) }
        #expect(fired.map(\.occurrence) == [.fired])
        _ = engine.process(.acknowledge(episode: fired[0].episode, at: clock.now()))
        engine = try restarted(engine)
        var after: [AlertEvent] = []
        for _ in 0..<900 { after += engine.process(spo2("84", at: clock)); clock.advance(milliseconds: 1000) }
        #expect(after.isEmpty) // no re-firing, no repetition, no escalation
        after += engine.process(spo2("97", at: clock))
        #expect(after.map(\.occurrence) == [.resolved])
        #expect(after.first?.episode == fired[0].episode)
    }

    @Test func aSilenceSurvivesARestartAndEndsOnTime() throws {
        var rule = critical
        rule.persistenceMilliseconds = 0
        rule.escalation = AlertRule.Escalation(repeatEveryMilliseconds: 60_000)
        var engine = AlertEngine(ruleSet: RuleSet(rules: [rule]), context: context)
        let clock = ManualClock(Self.start)
        let episode = engine.process(spo2("80", at: clock))[0].episode
        _ = engine.process(.silence(episode: episode, until: clock.now().adding(milliseconds: 300_000), at: clock.now()))
        var repeats: [Int64] = []
        for second in 1...420 {
            clock.advance(milliseconds: 1000)
            if second == 100 { engine = try restarted(engine) }
            if !engine.process(.tick(clock.now())).isEmpty { repeats.append(clock.now().milliseconds(since: Self.start) / 1000) }
        }
        #expect(repeats == [300, 360, 420])
    }

    @Test func theMissedMeasurementDeadlineSurvivesARestart() throws {
        let rule = AlertRule(id: "bp-missed", kind: .missedMeasurement(measurement: "MDC_PRESS_BLD_NONINV", withinMilliseconds: 26 * 3_600_000),
                             priority: .low)
        var engine = AlertEngine(ruleSet: RuleSet(rules: [rule]), context: context)
        let clock = ManualClock(Self.start)
        _ = engine.process(.tick(clock.now()))
        _ = engine.process(bloodPressure(at: clock))
        clock.advance(milliseconds: 20 * 3_600_000)
        _ = engine.process(.tick(clock.now()))
        engine = try restarted(engine) // 20 h into the 26 h window
        clock.advance(milliseconds: 6 * 3_600_000 - 1000)
        #expect(engine.process(.tick(clock.now())).isEmpty)
        clock.advance(milliseconds: 1000)
        #expect(engine.process(.tick(clock.now())).map(\.condition) == ["missed"]) // 26 h after the reading, not 26 h after the restart
        engine = try restarted(engine)
        clock.advance(milliseconds: 3_600_000)
        #expect(engine.process(.tick(clock.now())).isEmpty) // the open episode is not announced again
        #expect(engine.process(bloodPressure(at: clock)).map(\.occurrence) == [.resolved])
    }

    @Test func aChangedRuleSetKeepsEpisodesOfUnchangedRulesOnly() throws {
        var pulse = AlertRule.threshold(id: "pulse-low", measurement: "MDC_PULS_OXIM_PULS_RATE", below: DecimalValue(41), priority: .medium)
        pulse.persistenceMilliseconds = 0
        var rule = critical
        rule.persistenceMilliseconds = 0
        var engine = AlertEngine(ruleSet: RuleSet(version: "1", rules: [rule, pulse]), context: context)
        let clock = ManualClock(Self.start)
        _ = engine.process(spo2("80", at: clock))
        _ = engine.process(.observation(Observation(type: .pulseRateOximetry, value: DecimalValue(35), unit: "/min", receivedAt: clock.now(),
                                                    correctedTime: clock.now(), device: oximeter, patientId: nil, rawFrame: [1]), id: nil))
        #expect(engine.openEpisodeCount == 2)
        var changed = pulse
        changed.kind = .threshold(measurement: "MDC_PULS_OXIM_PULS_RATE", below: DecimalValue(45), above: nil)
        let newSet = RuleSet(version: "2", rules: [rule, changed])
        engine = try restarted(engine, ruleSet: newSet)
        #expect(engine.openEpisodeCount == 1)
        #expect(engine.droppedTracks == 1)
        clock.advance(milliseconds: 1000)
        #expect(engine.process(spo2("80", at: clock)).isEmpty) // spo2-critical unchanged: still the same episode
    }
}
