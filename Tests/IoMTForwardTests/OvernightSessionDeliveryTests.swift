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
}
