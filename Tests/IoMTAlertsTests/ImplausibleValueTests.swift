import IoMTAlerts
import IoMTCore
import Testing

/// Physiologically impossible values (a negative SpO2 from a BLE oximeter, a pulse of 400): flagged at
/// normalisation, never a physiological alarm, a `device-fault` technical alarm instead.
@Suite struct ImplausibleValueTests {
    static let start = Instant(millisecondsSinceEpoch: 1_763_900_000_000)
    let oximeter = DeviceIdentity(profileId: "ble-pulse-oximeter", manufacturer: "Sim", model: "PLX", serialNumber: "C3")

    func normalised(_ type: MeasurementType, _ value: String, unit: String? = nil, at clock: ManualClock) -> Observation {
        Normaliser().normalise(DecodedMeasurement(type: type, value: DecimalValue(value)!, unit: unit ?? type.defaultUnit, rawFrame: [1]),
                               device: oximeter, patientId: nil, receivedAt: clock.now())
    }

    @Test(arguments: [("-1", true), ("0", false), ("100", false), ("100.1", true), ("101", true), ("85", false)])
    func spo2OutsideZeroToHundredIsFlagged(value: String, implausible: Bool) {
        let observation = normalised(.spo2, value, at: ManualClock(Self.start))
        #expect(observation.status.contains(.implausible) == implausible)
        #expect(observation.status.contains(.invalid) == implausible)
    }

    @Test func everyCatalogueTypeWithAValueHasAPlausibleRangeInItsDefaultUnit() {
        let compound: Set<String> = [MeasurementType.bloodPressure.mdcRefId] // a panel: its components carry the values
        for type in MeasurementType.all where !compound.contains(type.mdcRefId) {
            #expect(type.plausibleRanges.contains { $0.unit == type.defaultUnit }, "\(type.mdcRefId) has no range in \(type.defaultUnit)")
        }
        #expect(MeasurementType.pulseRateOximetry.isImplausible(DecimalValue(351), unit: "/min"))
        #expect(MeasurementType.systolic.isImplausible(DecimalValue(39), unit: "mm[Hg]"))
        #expect(MeasurementType.bodyTemperature.isImplausible(DecimalValue(46), unit: "Cel"))
        #expect(!MeasurementType.bodyTemperature.isImplausible(DecimalValue(104), unit: "[degF]"))
    }

    @Test func aNegativeSpO2RaisesADeviceFaultNotSpo2Critical() throws {
        let rules = try RuleFileParser.parse("""
            {"version": "1", "rules": [
              {"id": "spo2-critical", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": 88, "priority": "high"},
              {"id": "device-fault", "kind": "technical", "condition": "device-fault", "priority": "medium"}]}
            """, file: "rules.json")
        var engine = AlertEngine(ruleSet: rules)
        let clock = ManualClock(Self.start)
        let fault = engine.process(.observation(normalised(.spo2, "-3", at: clock), id: 1))
        #expect(fault.map(\.ruleId) == ["device-fault"])
        #expect(fault.first?.condition == "device-fault")
        clock.advance(milliseconds: 1000)
        // A plausible value clears the fault (resolved); a real low value still alarms.
        #expect(engine.process(.observation(normalised(.spo2, "95", at: clock), id: 2)).map(\.occurrence) == [.resolved])
        clock.advance(milliseconds: 1000)
        #expect(engine.process(.observation(normalised(.spo2, "84", at: clock), id: 3)).map(\.ruleId) == ["spo2-critical"])
    }

    @Test func anImpossibleBloodPressureComponentFiresNoThreshold() {
        let rule = AlertRule.threshold(id: "bp-systolic-low", measurement: "MDC_PRESS_BLD_NONINV_SYS", below: DecimalValue(91), priority: .medium)
        var engine = AlertEngine(ruleSet: RuleSet(rules: [rule]))
        let decoded = DecodedMeasurement(type: .bloodPressure, value: nil, unit: "mm[Hg]",
                                         components: [ObservationComponent(type: .systolic, value: DecimalValue(12), unit: "mm[Hg]")], rawFrame: [1])
        let observation = Normaliser().normalise(decoded, device: oximeter, patientId: nil, receivedAt: Self.start)
        #expect(observation.components[0].status.contains(.implausible))
        #expect(engine.process(.observation(observation, id: 1)).isEmpty)
    }
}
