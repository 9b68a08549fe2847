import Foundation
import IoMTCore
import IoMTStore
import Testing

/// A CMS50D-BT's recording memory (the pty simulator, `--stored-samples`) read by iomtd through the `contec-cms50d-bt`
/// profile, stored with its record mark and delivered to the DOM receiver; a second sync after a restart takes only what
/// the recording gained (`--stored-growth`). All real processes. Serialized: each runs in real time.
@Suite(.serialized) struct CMS50StoredDataEndToEndTests {
    static let session = OvernightOximetry.session.mdcRefId

    /// Three hours ago on the local clock (the device clock runs in the gateway's zone), so the clock-trust rules hold
    /// whenever the test runs.
    static func recordingStart() -> CivilTime {
        let parts = Calendar.current.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date().addingTimeInterval(-3 * 3600))
        return CivilTime(year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second!)
    }

    static func text(_ time: CivilTime) -> String {
        String(format: "%04d-%02d-%02dT%02d:%02d:%02d", time.year, time.month, time.day, time.hour, time.minute, time.second)
    }

    @Test func aStoredRecordingReachesDOMOnceAndARestartTakesOnlyWhatItGained() async throws {
        let start = Self.recordingStart()
        let grownFrom = start.addingOnDeviceClock(seconds: 300)
        try await withGatewayScenario("cms50-stored") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "v46", "--script", "steady", "--stored-samples", "300", "--stored-growth", "40",
                                                         "--stored-start", Self.text(start)]))
            try lab.writeConfiguration(profile: "contec-cms50d-bt")
            try lab.startDaemon()
            func sessions() async throws -> [StoredObservation] {
                try await lab.storeSnapshot().acknowledged.filter { $0.observation.type == OvernightOximetry.session }
            }
            #expect(await LabHarness.waitUntil(seconds: 30) { ((try? await sessions()) ?? []).count == 1 }, "no stored session\n\(lab.logs())")
            // Live data follows the download.
            #expect(await LabHarness.waitUntil(seconds: 20) {
                ((try? await lab.storeSnapshot().acknowledged) ?? []).contains { $0.observation.type == .spo2 && $0.observation.value == DecimalValue(97) }
            }, "no live reading after the download\n\(lab.logs())")
            await LabHarness.stop(lab.daemon!)

            // Second sync: the recording gained 40 samples; only those arrive.
            try lab.startDaemon()
            #expect(await LabHarness.waitUntil(seconds: 30) { ((try? await sessions()) ?? []).count == 2 }, "no second session\n\(lab.logs())")
            #expect(await LabHarness.waitUntil(seconds: 20) { await lab.storeBacklog() == 0 }, "backlog left\n\(lab.logs())")
            await LabHarness.stop(lab.daemon!)

            let stored = try await sessions().sorted { $0.observation.correctedTime < $1.observation.correctedTime }
            #expect(stored.count == 2)
            #expect(stored.map { $0.observation.deviceTime.map(Self.text) } == [Self.text(start), Self.text(grownFrom)])
            #expect(stored.map { $0.observation.series.first { $0.type == .spo2 }?.samples.count } == [300, 40])
            #expect(stored.allSatisfy { !$0.observation.status.contains(.timeUntrusted) })

            // At DOM: each session's summary once, over the device's times, and its series as SampledData.
            let atDOM = await lab.domObservations()
            let summaries = atDOM.filter { ($0["effectivePeriod"] as? [String: Any]) != nil && $0["hasMember"] != nil }
            let starts = summaries.compactMap { ($0["effectivePeriod"] as? [String: Any])?["start"] as? String }.sorted()
            #expect(starts == stored.map { $0.observation.correctedTime.iso8601 }, "\(starts)")
            let sampled = atDOM.filter { $0["valueSampledData"] != nil }
            #expect(sampled.count == 4, "SpO2 and pulse-rate series of both sessions")
            let identifiers = atDOM.compactMap { (($0["identifier"] as? [[String: Any]])?.first?["value"]) as? String }
            #expect(Set(identifiers).count == atDOM.count, "duplicate identifiers at DOM")
            #expect(!lab.logs().contains("44051401359"))
        }
    }
}
