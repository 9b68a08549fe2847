import Foundation
import IoMTCore
import Testing

@Suite(.serialized) struct AlertAndValidationTests {
    /// The SpO2 dip fires the threshold alert once (not once per second), through the exec hook,
    /// and the reading that fired it is at DOM.
    @Test func spo2DipRaisesOneAlertThroughTheExecHook() async throws {
        try await withGatewayScenario("alert") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "dip"]))
            try lab.writeConfiguration(rules: #"[{"id": "spo2-low", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": 90, "priority": "high"}]"#)
            try lab.startDaemon()
            let fired = await LabHarness.waitUntil(seconds: 40) { FileManager.default.fileExists(atPath: lab.alertsFile.path) }
            #expect(fired, "no alert\n\(lab.logs())")
            // No second alert while the daemon goes on reading (the episode is latched), however many readings follow.
            #expect(await lab.waitForMoreDOMObservations(6), "\(lab.logs())")
            await LabHarness.stop(lab.daemon!)
            let lines = LabHarness.readLog(lab.alertsFile).split(separator: "\n")
            #expect(lines.count == 1, "\(lines)")
            let fields = lines.first?.split(separator: " ").map(String.init) ?? []
            #expect(fields.first == "spo2-low")
            #expect(fields.dropFirst().first == "high")
            #expect(fields.contains("below"))
            if let value = fields.dropFirst(3).first.flatMap({ DecimalValue($0) }) { #expect(value < DecimalValue(90)) }
            // The alert is stored with its rule and rule-set hash; the triggering reading reached DOM.
            let (rows, _) = try await lab.storeSnapshot()
            #expect(rows.contains { $0.alertPriority == .high && ($0.observation.value ?? DecimalValue(100)) < DecimalValue(90) })
        }
    }

    /// Every bundle the daemon sent is valid FHIR according to an independent model (fhir.resources).
    @Test func everyBundleSentPassesIndependentValidation() async throws {
        try await withGatewayScenario("validate") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "demo"]))
            try lab.writeConfiguration()
            try lab.startDaemon()
            #expect(await LabHarness.waitUntil(seconds: 30) { (await lab.domObservationCount() ?? 0) >= 6 })
            await LabHarness.stop(lab.daemon!)
            try await FHIRValidator.validateRecordedBundles(lab)
        }
    }
}
