import IoMTAlerts
import IoMTIngest
import IoMTCore
import IoMTForward
import IoMTLab
import Testing

/// Store → FHIR → HTTP → our DOM receiver for an O2Ring night (docs/fhir-mapping.md, "Overnight oximetry"): one stored
/// row reaches DOM as its summary and two sample arrays, is delivered once DOM took all three, and a second copy of the
/// night (the device read again) creates nothing new.
@Suite struct OvernightSessionDeliveryTests {
    @Test func aNightIsOneRowAndThreeObservationsAtDOM() async throws {
        let start = Instant(millisecondsSinceEpoch: 1_796_250_600_000)
        var night = readings(1)[0]
        (night.type, night.value, night.unit, night.deviceTime) = (OvernightOximetry.session, nil, "", CivilTime(year: 2026, month: 12, day: 2, hour: 22, minute: 30))
        (night.correctedTime, night.rawFrame) = (start, [3, 0, 0xEA, 0x07])
        night.series = [SampleSeries(type: .spo2, periodMilliseconds: 2000, lowerLimit: DecimalValue(0), upperLimit: DecimalValue(100), samples: [96, nil, 89]),
                        SampleSeries(type: .pulseRateOximetry, periodMilliseconds: 2000, lowerLimit: nil, upperLimit: nil, samples: [60, nil, 71])]
        let fixture = try StoreFixture()
        _ = try await fixture.store.append([night])
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        defer { receiver.stop() }
        let forwarder = makeForwarder(fixture, port: try receiver.start())
        await drain(forwarder)
        #expect(receiver.observationCount == 3)
        let arrays: [String] = receiver.observations().compactMap { $0["valueSampledData"]?["data"]?.stringValue }
        #expect(arrays.sorted() == ["60 E 71", "96 E 89"])
        #expect(try await fixture.store.stats(destination: "dom").delivered == 1)
        // The same night stored again (a second download): set aside as a duplicate, nothing new at DOM.
        _ = try await fixture.store.append([night])
        await drain(forwarder)
        #expect(receiver.observationCount == 3)
        #expect(try await fixture.store.stats(destination: "dom").duplicates == 1)
    }

    /// An alarm a night's SpO2 samples raised reaches DOM on the SpO2 array (in-alarm + the alert's v3 code), as it
    /// would on a single reading; the pulse-rate array and the summary, which raised nothing, carry none.
    @Test func aNightsAlarmIsInterpretedOnTheSeriesThatRaisedIt() async throws {
        let start = Instant(millisecondsSinceEpoch: 1_796_250_600_000)
        var night = readings(1)[0]
        (night.type, night.value, night.unit, night.deviceTime) = (OvernightOximetry.session, nil, "", CivilTime(year: 2026, month: 12, day: 2, hour: 22, minute: 30))
        (night.correctedTime, night.rawFrame) = (start, [3, 0, 0xEA, 0x07])
        night.series = [SampleSeries(type: .spo2, periodMilliseconds: 4000, lowerLimit: DecimalValue(0), upperLimit: DecimalValue(100), samples: [95, 84, 84, 96]),
                        SampleSeries(type: .pulseRateOximetry, periodMilliseconds: 4000, lowerLimit: nil, upperLimit: nil, samples: [60, 61, 62, 63])]
        let fixture = try StoreFixture()
        let id = try #require(try await fixture.store.append([night]).first)
        let rule = AlertRule.threshold(id: "spo2-low", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(88), priority: .high, latching: false)
        let evaluator = AlertEvaluator(ruleSet: RuleSet(version: "night-1", rules: [rule]))
        let events = await evaluator.evaluate([night], ids: [id], now: start.adding(milliseconds: 3_600_000))
        #expect(events.contains { $0.occurrence == .fired && $0.interpretation != nil })
        _ = try await fixture.store.insertAlerts(events)
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        defer { receiver.stop() }
        await drain(makeForwarder(fixture, port: try receiver.start()))
        let observations = receiver.observations()
        #expect(observations.count == 3)
        func interpretationCodes(_ mdc: String) -> [String] {
            let series = observations.first { $0["code"]?["coding"]?.arrayValue?.contains { $0["code"]?.stringValue == mdc } == true }
            return (series?["interpretation"]?.arrayValue ?? []).flatMap { $0["coding"]?.arrayValue ?? [] }.compactMap { $0["code"]?.stringValue }
        }
        let fired = try #require(events.first { $0.occurrence == .fired }?.interpretation)
        #expect(interpretationCodes("150456") == ["in-alarm", fired])
        #expect(interpretationCodes("149530").isEmpty)
        let summary = observations.first { $0["hasMember"] != nil }
        #expect(summary?["interpretation"] == nil)
    }
}
