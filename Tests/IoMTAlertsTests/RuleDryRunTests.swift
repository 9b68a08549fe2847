import IoMTAlerts
import IoMTCore
import Testing

/// The dry run reads both input forms (readings export NDJSON and `iomtctl decode` output) and reports
/// malformed lines by number and field.
@Suite struct RuleDryRunTests {
    let rules = RuleSet(version: "t", rules: [.threshold(id: "spo2-low", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(90), priority: .high)])

    @Test func decodeOutputLinesWithReceiptTimesAreReadings() throws {
        let first = #"{"receivedAt": "2026-11-23T10:00:00.000Z", "observations": [{"code": "MDC_PULS_OXIM_SAT_O2", "value": "97", "unit": "%", "status": []}]}"#
        let second = #"{"receivedAt": "2026-11-23T10:00:01.000Z", "observations": [{"code": "MDC_PULS_OXIM_SAT_O2", "value": "85", "unit": "%", "status": []}, "#
            + #"{"code": "MDC_PULS_OXIM_PULS_RATE", "value": "72", "unit": "/min", "status": []}]}"#
        let text = first + "\n" + second
        let result = try RuleDryRun(ruleSet: rules, deviceClasses: [:], patientReference: nil)
            .run(ndjson: text, decodedDevice: DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "", model: ""))
        #expect(result.readings == 3)
        #expect(result.alerts.map(\.line) == [2])
        #expect(result.alerts.first?.event.createdAt == Instant(iso8601: "2026-11-23T10:00:01.000Z"))
    }

    /// `readings export` writes an overnight oximetry session as one line with its series; the dry run reads it back and
    /// evaluates each sample at its own time, as the daemon does.
    @Test func anExportedSessionIsEvaluatedSampleBySample() throws {
        let ring = DeviceIdentity(profileId: "viatom-o2ring", manufacturer: "Viatom", model: "O2Ring")
        let start = Instant(iso8601: "2026-12-02T22:30:00.000Z")!
        let session = Observation(type: OvernightOximetry.session, value: nil, unit: "",
                                  components: [ObservationComponent(type: OvernightOximetry.Figure.spo2Minimum.type, value: DecimalValue(85), unit: "%")],
                                  receivedAt: start, correctedTime: start, device: ring, patientId: nil, rawFrame: [3],
                                  series: [SampleSeries(type: .spo2, periodMilliseconds: 4000, lowerLimit: nil, upperLimit: nil, samples: [95, nil, 85])])
        let line = ReadingRecord.json(id: 9, observation: session).serialized()
        let result = try RuleDryRun(ruleSet: rules, deviceClasses: [:], patientReference: nil).run(ndjson: line)
        #expect(result.readings == 1)
        let fired = result.alerts.filter { $0.event.occurrence == .fired }
        #expect(fired.count == 1 && fired.first?.event.value == DecimalValue(85) && fired.first?.event.observationId == 9)
        #expect(fired.first?.event.observedAt == start.adding(milliseconds: 8000))
    }

    @Test func malformedLinesAreNamedByLineAndField() {
        let text = """
            {"id": 1, "code": "MDC_PULS_OXIM_SAT_O2", "value": "97", "unit": "%", "status": [], "receivedAt": "2026-11-23T10:00:00.000Z", "device": {"profileId": "p"}}
            {"id": 2, "code": "MDC_PULS_OXIM_SAT_O2", "value": "97", "unit": "%", "status": [], "receivedAt": "yesterday", "device": {"profileId": "p"}}
            """
        #expect {
            try RuleDryRun(ruleSet: rules, deviceClasses: [:], patientReference: nil).run(ndjson: text)
        } throws: { error in
            (error as? ReadingRecord.Failure)?.description.hasPrefix("line 2: receivedAt: expected an ISO 8601 instant") == true
        }
    }
}
