import IoMTAlerts
import IoMTCore
import IoMTSpirometry
import Testing

/// Rules on a spirometry reading's z-score and on its fall from the patient's personal best, driven by a ManualClock
/// (the engine sees time only through its inputs).
@Suite struct SpirometryAlertTests {
    static let start = CivilTime(year: 2026, month: 5, day: 14, hour: 9).instant(assumingOffsetMinutes: 0)
    static let day: Int64 = 86_400_000
    let spirometer = DeviceIdentity(profileId: "contec-spirometer-ble", manufacturer: "Contec", model: "SP80B", serialNumber: "S1")
    /// 1944-05-14, male (PESEL digit 10 odd), 172 cm, GLI Global.
    let man = try! PatientDemographics.fromPESEL("44051401359", heightCm: 172)

    func context(references: [String: String] = ["44051401359": "P-0001"]) -> AlertContext {
        AlertContext(deviceClasses: ["contec-spirometer-ble": "spirometer"], patientReferences: references,
                     patientDemographics: ["44051401359": man])
    }

    func fev1(_ litres: String, at clock: ManualClock, id: Int64, patient: String = "44051401359") -> AlertInput {
        let observation = Observation(type: .fev1, value: DecimalValue(litres), unit: "L", receivedAt: clock.now(), correctedTime: clock.now(),
                                      device: spirometer, patientId: patient, rawFrame: [0xE1])
        return .observation(observation, id: id)
    }

    /// FEV1 in litres (3 decimals) at z for this man at the test time.
    func fev1(atZ z: Double, clock: ManualClock) throws -> String {
        let subject = try #require(man.subject(at: clock.now()))
        let value = try #require(try SpirometryReference.values(.fev1, for: subject, equations: .gliGlobal).lms.value(atZ: z))
        let millilitres = Int((value * 1000).rounded())
        return "\(millilitres / 1000).\(String(millilitres % 1000).count < 3 ? String(repeating: "0", count: 3 - String(millilitres % 1000).count) : "")\(millilitres % 1000)"
    }

    @Test func zScoreRuleFiresBelowItsLimitWithTheReferenceValuesAsInputs() throws {
        let rule = AlertRule(id: "fev1-z-low", kind: .zScore(measurement: "MDC_VOL_AWAY_EXP_FORCED_1S", below: DecimalValue("-2.5"), above: nil),
                             priority: .medium)
        var engine = AlertEngine(ruleSet: RuleSet(rules: [rule]), context: context())
        let clock = ManualClock(Self.start)
        #expect(engine.process(fev1(try fev1(atZ: 0, clock: clock), at: clock, id: 1)).isEmpty)
        clock.advance(milliseconds: Self.day)
        // z −2.49 is inside the limit (exclusive, as every limit).
        #expect(engine.process(fev1(try fev1(atZ: -2.49, clock: clock), at: clock, id: 2)).isEmpty)
        clock.advance(milliseconds: Self.day)
        let events = engine.process(fev1(try fev1(atZ: -3, clock: clock), at: clock, id: 3))
        let event = try #require(events.first)
        #expect(events.count == 1 && event.ruleId == "fev1-z-low" && event.occurrence == .fired)
        #expect(event.value == DecimalValue("-3.00") && event.unit == "{z-score}" && event.threshold == DecimalValue("-2.5"))
        #expect(event.condition == "below" && event.interpretation == "L" && event.observationId == 3)
        #expect(event.inputs.contains("\"observationId\":3") && event.inputs.contains("z=-3.00") && event.inputs.contains("equations=gli-global"))
        #expect(event.inputs.contains("LLN="))
        #expect(event.message.contains("z-score -3.00 below -2.5") && !event.message.contains("44051401359"))
    }

    @Test func zScoreRuleNeedsTheDemographics() throws {
        let rule = AlertRule(id: "fev1-z-low", kind: .zScore(measurement: "MDC_VOL_AWAY_EXP_FORCED_1S", below: DecimalValue("-2.5"), above: nil),
                             priority: .medium)
        var engine = AlertEngine(ruleSet: RuleSet(rules: [rule]), context: AlertContext(patientDemographics: [:]))
        let clock = ManualClock(Self.start)
        #expect(engine.process(fev1("0.50", at: clock, id: 1)).isEmpty)
    }

    func fallRule(percent: String?, by: String? = nil, minimum: Int = 1) -> AlertRule {
        AlertRule(id: "fev1-fall", kind: .baselineFall(measurement: "MDC_VOL_AWAY_EXP_FORCED_1S", fallPercent: percent.flatMap { DecimalValue($0) },
                                                       fallBy: by.flatMap { DecimalValue($0) }, windowMilliseconds: 28 * Self.day,
                                                       minimumReadings: minimum),
                  priority: .medium)
    }

    /// Feeds one FEV1 a day; the ids (1-based) of the readings that fired.
    func firingIds(_ rule: AlertRule, _ values: [String], references: [String: String] = ["44051401359": "P-0001"]) -> [Int64] {
        var engine = AlertEngine(ruleSet: RuleSet(rules: [rule]), context: context(references: references))
        let clock = ManualClock(Self.start)
        var ids: [Int64] = []
        for (index, value) in values.enumerated() {
            let id = Int64(index + 1)
            if engine.process(fev1(value, at: clock, id: id)).contains(where: { $0.occurrence == .fired }) { ids.append(id) }
            clock.advance(milliseconds: Self.day)
        }
        return ids
    }

    @Test func aFallOfMoreThanTenPercentFromThePersonalBestFires() throws {
        // Best 2.00: 1.80 is exactly a 10 % fall (exact decimals, not 9.999…), inside the exclusive limit; 1.79 is more.
        #expect(firingIds(fallRule(percent: "10"), ["2.00", "1.95", "1.80"]).isEmpty)
        #expect(firingIds(fallRule(percent: "10"), ["2.00", "1.95", "1.79"]) == [3])
        // Re-arms when back above the limit; falls again: a new episode.
        #expect(firingIds(fallRule(percent: "10"), ["2.00", "1.79", "1.99", "1.70"]) == [2, 4])
        // Too few earlier readings to judge: nothing.
        #expect(firingIds(fallRule(percent: "10", minimum: 3), ["2.00", "1.50", "1.50"]).isEmpty)
        // 200 mL or 10 %, whichever limit is higher: best 3.00 → 2.80.
        #expect(firingIds(fallRule(percent: "10", by: "0.2"), ["3.00", "2.80"]).isEmpty)
        #expect(firingIds(fallRule(percent: "10", by: "0.2"), ["3.00", "2.79"]) == [2])
    }

    @Test func theBaselineIsTheWindowBeforeTheReading() {
        // A 15 % rule. 3.00 is 29 days before the 2.50: outside the 28-day window; the best within it is 2.60 (a 3.8 % fall).
        let values = ["3.00"] + Array(repeating: "2.60", count: 28) + ["2.50"]
        #expect(firingIds(fallRule(percent: "15"), values).isEmpty)
        // 27 days after 3.00 the 2.50 is a 16.7 % fall from it.
        #expect(firingIds(fallRule(percent: "15"), ["3.00"] + Array(repeating: "2.60", count: 26) + ["2.50"]) == [28])
    }

    @Test func theAlertNamesThePersonalBestItWasComparedWith() throws {
        var engine = AlertEngine(ruleSet: RuleSet(rules: [fallRule(percent: "15")]), context: context())
        let clock = ManualClock(Self.start)
        _ = engine.process(fev1("2.40", at: clock, id: 41))
        clock.advance(milliseconds: Self.day)
        _ = engine.process(fev1("2.30", at: clock, id: 42))
        clock.advance(milliseconds: Self.day)
        let event = try #require(engine.process(fev1("2.00", at: clock, id: 43)).first)
        #expect(event.condition == "below-baseline" && event.threshold == DecimalValue("2.0400") && event.value == DecimalValue("2.00"))
        #expect(event.inputs.contains("\"observationId\":41") && event.inputs.contains("personal best of 2 reading(s)"))
        #expect(event.inputs.contains("\"observationId\":43") && event.inputs.contains("fall 16.7 %"))
        #expect(event.deviceKey == "patient:P-0001" && event.message.contains("fell 16.7 % from the personal best 2.40 L"))
    }

    @Test func theBaselineSurvivesARestart() throws {
        let ruleSet = RuleSet(rules: [fallRule(percent: "10")])
        var engine = AlertEngine(ruleSet: ruleSet, context: context())
        let clock = ManualClock(Self.start)
        _ = engine.process(fev1("2.00", at: clock, id: 1))
        let saved = try AlertEngineSnapshot.decode(json: try engine.snapshot().json())
        var restarted = AlertEngine(ruleSet: ruleSet, context: context(), restoring: saved)
        clock.advance(milliseconds: Self.day)
        #expect(restarted.process(fev1("1.70", at: clock, id: 2)).contains { $0.occurrence == .fired })
    }

    @Test func anotherPatientOnASharedDeviceStartsAfresh() {
        // No patient references (a clinic's shared device): the history follows the device, reset when the patient changes.
        var engine = AlertEngine(ruleSet: RuleSet(rules: [fallRule(percent: "10")]), context: context(references: [:]))
        let clock = ManualClock(Self.start)
        _ = engine.process(fev1("4.00", at: clock, id: 1))
        clock.advance(milliseconds: 3_600_000)
        #expect(engine.process(fev1("2.00", at: clock, id: 2, patient: "05230712343")).isEmpty)
        clock.advance(milliseconds: 3_600_000)
        #expect(engine.process(fev1("1.70", at: clock, id: 3, patient: "05230712343")).contains { $0.occurrence == .fired })
    }

    @Test func ruleFilesDeclareBothKinds() throws {
        let set = try RuleFileParser.parse(#"""
            {"version": "spiro-1", "rules": [
              {"id": "fev1-z", "kind": "z-score", "measurement": "MDC_VOL_AWAY_EXP_FORCED_1S", "below": -2.5, "priority": "medium"},
              {"id": "fev1-fall", "kind": "baseline-fall", "measurement": "MDC_VOL_AWAY_EXP_FORCED_1S", "fallPercent": 10, "fallBy": 0.2,
               "baselineWindow": "14d", "minimumBaselineReadings": 3, "priority": "high"}]}
            """#, file: "rules.json")
        #expect(set.rules[0].kind == .zScore(measurement: "MDC_VOL_AWAY_EXP_FORCED_1S", below: DecimalValue("-2.5"), above: nil))
        #expect(set.rules[1].kind == .baselineFall(measurement: "MDC_VOL_AWAY_EXP_FORCED_1S", fallPercent: DecimalValue(10), fallBy: DecimalValue("0.2"),
                                                   windowMilliseconds: 14 * Self.day, minimumReadings: 3))
        func problems(_ rule: String) -> String {
            do { _ = try RuleFileParser.parse(#"{"version": 1, "rules": [\#(rule)]}"#, file: "rules.json"); return "" } catch { return "\(error)" }
        }
        #expect(problems(#"{"id": "pef-z", "kind": "z-score", "measurement": "MDC_FLOW_AWAY_EXP_FORCED_PEAK", "below": -2, "priority": "low"}"#)
            .contains("rules[0].measurement: expected a measurement with GLI reference equations"))
        #expect(problems(#"{"id": "f", "kind": "baseline-fall", "measurement": "MDC_VOL_AWAY_EXP_FORCED_1S", "priority": "low"}"#)
            .contains("expected at least one of \"fallPercent\""))
        #expect(problems(#"{"id": "f", "kind": "baseline-fall", "measurement": "MDC_VOL_AWAY_EXP_FORCED_1S", "fallPercent": 120, "priority": "low"}"#)
            .contains("rules[0].fallPercent: expected a percentage above 0 and below 100"))
    }

    func pefZoneRule(_ zone: PeakFlowZone) -> AlertRule {
        AlertRule(id: "pef-\(zone.rawValue)", kind: .baselineFall(measurement: "MDC_FLOW_AWAY_EXP_FORCED_PEAK", fallPercent: nil, fallBy: nil,
                                                             windowMilliseconds: 21 * Self.day, minimumReadings: 1, zone: zone),
                  priority: zone == .red ? .high : .medium)
    }

    func pef(_ litresPerMinute: String, at clock: ManualClock, id: Int64) -> AlertInput {
        let observation = Observation(type: .pef, value: DecimalValue(litresPerMinute), unit: "L/min", receivedAt: clock.now(),
                                      correctedTime: clock.now(), device: spirometer, patientId: "44051401359", rawFrame: [0xE1])
        return .observation(observation, id: id)
    }

    /// NAEPP EPR-3 zones against the personal best 500 L/min: 400 (80 %) is green, 399 yellow, 250 (50 %) yellow, 249 red.
    @Test func peakFlowZonesFireAtTheirBoundariesAndNameTheZone() throws {
        let ruleSet = RuleSet(rules: [pefZoneRule(.yellow), pefZoneRule(.red)])
        var engine = AlertEngine(ruleSet: ruleSet, context: context())
        let clock = ManualClock(Self.start)
        var fired: [(id: Int64, event: AlertEvent)] = []
        for (index, value) in ["500", "400", "399", "450", "250", "450", "249"].enumerated() {
            let id = Int64(index + 1)
            fired += engine.process(pef(value, at: clock, id: id)).filter { $0.occurrence == .fired }.map { (id, $0) }
            clock.advance(milliseconds: Self.day)
        }
        // 399: yellow; 250 (exactly 50 %) a new yellow episode after 450 re-armed it; 249: yellow again and red.
        #expect(fired.map { "\($0.id):\($0.event.ruleId)" } == ["3:pef-yellow", "5:pef-yellow", "7:pef-yellow", "7:pef-red"])
        let red = try #require(fired.last?.event)
        #expect(red.threshold == DecimalValue("250.00") && red.value == DecimalValue("249") && red.condition == "below-baseline")
        #expect(red.inputs.contains("\"observationId\":1") && red.inputs.contains("49.8 % of personal best: red zone"))
        #expect(red.inputs.contains("NAEPP EPR-3") && red.message.contains("red zone"))
        let yellowOfRed = try #require(fired.dropLast().last?.event)
        #expect(yellowOfRed.inputs.contains("red zone"))
        let exactlyHalf = try #require(fired.dropFirst().first?.event)
        #expect(exactlyHalf.inputs.contains("50.0 % of personal best: yellow zone"))
        #expect(PeakFlowZone.of(DecimalValue(400), best: DecimalValue(500)) == .green)
    }

    @Test func ruleFilesDeclarePeakFlowZones() throws {
        let set = try RuleFileParser.parse(#"""
            {"version": 1, "rules": [
              {"id": "pef-red", "kind": "baseline-fall", "measurement": "MDC_FLOW_AWAY_EXP_FORCED_PEAK", "zone": "red", "baselineWindow": "21d",
               "priority": "high"}]}
            """#, file: "rules.json")
        #expect(set.rules[0].kind == .baselineFall(measurement: "MDC_FLOW_AWAY_EXP_FORCED_PEAK", fallPercent: nil, fallBy: nil,
                                                   windowMilliseconds: 21 * Self.day, minimumReadings: 1, zone: .red))
        func problems(_ rule: String) -> String {
            do { _ = try RuleFileParser.parse(#"{"version": 1, "rules": [\#(rule)]}"#, file: "rules.json"); return "" } catch { return "\(error)" }
        }
        #expect(problems(#"{"id": "p", "kind": "baseline-fall", "measurement": "MDC_FLOW_AWAY_EXP_FORCED_PEAK", "zone": "green", "priority": "low"}"#)
            .contains("rules[0].zone: expected one of yellow"))
        #expect(problems(#"{"id": "p", "kind": "baseline-fall", "measurement": "MDC_FLOW_AWAY_EXP_FORCED_PEAK", "zone": "red", "fallPercent": 10,"#
                         + #" "priority": "low"}"#).contains("rules[0].zone: expected either a peak-flow"))
        // A zone changes the rule set's hash; a rule without one keeps the hash it had.
        let withZone = RuleSet(rules: [pefZoneRule(.yellow)])
        var plain = pefZoneRule(.yellow)
        plain.kind = .baselineFall(measurement: "MDC_FLOW_AWAY_EXP_FORCED_PEAK", fallPercent: DecimalValue(20), fallBy: nil,
                                   windowMilliseconds: 21 * Self.day, minimumReadings: 1)
        #expect(withZone.hash != RuleSet(rules: [plain]).hash)
    }
}
