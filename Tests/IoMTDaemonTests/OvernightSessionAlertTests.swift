import IoMTAlerts
import IoMTCore
import IoMTIngest
import Testing

/// An overnight oximetry session is stored as one reading carrying its SpO2 and pulse-rate series (issue 15); the alert
/// engine still evaluates it sample by sample, each at its own time, as when every record was a reading of its own.
@Suite struct OvernightSessionAlertTests {
    @Test func aSessionsSamplesAreEvaluatedOneByOneAtTheirOwnTimes() async throws {
        let ring = DeviceIdentity(profileId: "viatom-o2ring", manufacturer: "Viatom", model: "O2Ring", bluetoothAddress: "c8:f0:9e:11:22:33")
        var rule = AlertRule.threshold(id: "spo2-low", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(88), priority: .high, latching: false)
        rule.persistenceMilliseconds = 8_000
        let evaluator = AlertEvaluator(ruleSet: RuleSet(version: "session-1", rules: [rule]))
        let start = Instant(millisecondsSinceEpoch: 1_796_250_600_000)
        // 4-s records: 95, no finger, then 85 for three records (8 s after the first: the persistence), then 96.
        let session = Observation(type: OvernightOximetry.session, value: nil, unit: "",
                                  deviceTime: CivilTime(year: 2026, month: 12, day: 2, hour: 22, minute: 30, second: 0),
                                  receivedAt: start.adding(milliseconds: 9 * 3_600_000), correctedTime: start, device: ring, patientId: nil, rawFrame: [3],
                                  series: [SampleSeries(type: .spo2, periodMilliseconds: 4000, lowerLimit: DecimalValue(0), upperLimit: DecimalValue(100),
                                                        samples: [95, nil, 85, 85, 85, 96])])
        #expect(session.evaluatedReadings.map(\.correctedTime.millisecondsSinceEpoch)
                == [0, 8_000, 12_000, 16_000, 20_000].map { start.millisecondsSinceEpoch + $0 })
        #expect(session.evaluatedReadings[1].deviceTime == CivilTime(year: 2026, month: 12, day: 2, hour: 22, minute: 30, second: 8))
        let events = await evaluator.evaluate([session], ids: [77], now: start.adding(milliseconds: 9 * 3_600_000))
        let fired = events.filter { $0.occurrence == .fired }
        #expect(fired.count == 1)
        #expect(fired.first?.value == DecimalValue(85) && fired.first?.observationId == 77)
        // At a sample's own time, not the session's start nor its receipt.
        #expect([8_000, 12_000, 16_000].map { start.adding(milliseconds: $0) }.contains(try #require(fired.first).observedAt))
        #expect(events.contains { $0.occurrence == .resolved })
    }
}
