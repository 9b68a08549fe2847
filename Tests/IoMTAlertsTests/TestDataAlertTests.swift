import IoMTAlerts
import IoMTCore
import Testing

/// Issue 12.6: test and demonstration data are evaluated in episodes of their own, never mixed with a real episode
/// of the same device or patient, and their alerts say they are tests (recorded unless a technician asked).
@Suite struct TestDataAlertTests {
    let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "A1")
    let patient = "44051401359"

    func spo2(_ value: String, at second: Int64, test: StatusFlag? = nil) -> Observation {
        Observation(type: .spo2, value: DecimalValue(value), unit: "%", status: test.map { [$0] } ?? [],
                    receivedAt: Instant(millisecondsSinceEpoch: second * 1000), correctedTime: Instant(millisecondsSinceEpoch: second * 1000),
                    device: device, patientId: patient, rawFrame: [0x80])
    }

    func engine(latching: Bool = false) -> AlertEngine {
        AlertEngine(ruleSet: RuleSet(rules: [
            AlertRule.threshold(id: "spo2-low", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(90), priority: .high, latching: latching),
        ]))
    }

    @Test func aTestReadingNeitherJoinsNorResolvesTheRealEpisodeOfTheSameDevice() throws {
        var engine = engine()
        let real = engine.process(.observation(spo2("85", at: 0), id: 1))
        #expect(real.map(\.occurrence) == [.fired])
        #expect(real.first?.test == nil)

        // Same device, same rule, while the real episode is open: a separate test episode, recorded, saying so.
        let test = engine.process(.observation(spo2("84", at: 1, test: .testData), id: 2))
        let fired = try #require(test.first, "a test desaturation during a real one is not folded into the real episode")
        #expect(test.count == 1)
        #expect(fired.test == .recorded)
        #expect(fired.occurrence == .fired)
        #expect(fired.episode != real.first?.episode)
        #expect(fired.message.hasPrefix("TEST: "))

        // A normal test value ends the test episode only; the real one stays open until a real reading clears it.
        let testClear = engine.process(.observation(spo2("97", at: 2, test: .demonstrationData), id: 3))
        #expect(testClear.map(\.occurrence) == [.resolved])
        #expect(testClear.first?.episode == fired.episode)
        #expect(testClear.first?.test == .recorded)
        #expect(engine.openEpisodeCount == 1)
        let realClear = engine.process(.observation(spo2("97", at: 3), id: 4))
        #expect(realClear.map(\.occurrence) == [.resolved])
        #expect(realClear.first?.episode == real.first?.episode)
        #expect(realClear.first?.test == nil)
    }

    @Test func aTestReadingNeverClearsALatchedRealAlarm() {
        var engine = engine(latching: true)
        let real = engine.process(.observation(spo2("85", at: 0), id: 1))
        #expect(real.count == 1)
        // A normal test value during a real latched alarm must not mark its condition cleared (an ack would then end it).
        _ = engine.process(.observation(spo2("97", at: 1, test: .testData), id: 2))
        let ack = engine.process(.acknowledge(episode: real[0].episode, at: Instant(millisecondsSinceEpoch: 2000)))
        #expect(ack.isEmpty, "the real condition never cleared: the acknowledgement does not resolve it")
        #expect(engine.openEpisodeCount >= 1)
    }

    @Test func announcedTestAlarmsStayAnnouncedForTheirWholeEpisode() {
        var engine = engine()
        let fired = engine.process(.observation(spo2("85", at: 0, test: .testData), id: 1), announcingTests: true)
        #expect(fired.map(\.test) == [.announced])
        // The resolution belongs to the same test episode: announced too, even without the flag on this input.
        let resolved = engine.process(.observation(spo2("97", at: 1, test: .testData), id: 2))
        #expect(resolved.map(\.occurrence) == [.resolved])
        #expect(resolved.map(\.test) == [.announced])
        // The flag never touches real alarms.
        let real = engine.process(.observation(spo2("85", at: 2), id: 3), announcingTests: true)
        #expect(real.map(\.test) == [nil])
    }

    @Test func testReadingsDoNotCountForMissedMeasurementRules() {
        let day: Int64 = 86_400_000
        var engine = AlertEngine(ruleSet: RuleSet(rules: [
            AlertRule(id: "spo2-daily", kind: .missedMeasurement(measurement: "MDC_PULS_OXIM_SAT_O2", withinMilliseconds: day), priority: .medium),
        ]))
        _ = engine.process(.observation(spo2("97", at: 0), id: 1))
        // A replay half a day later must not restart the patient's clock: the real deadline still falls at 24 h.
        _ = engine.process(.observation(spo2("97", at: 43_200, test: .testData), id: 2))
        let missed = engine.process(.tick(Instant(millisecondsSinceEpoch: day + 1000)))
        #expect(missed.map(\.condition) == ["missed"])
        #expect(missed.first?.test == nil)
    }
}
