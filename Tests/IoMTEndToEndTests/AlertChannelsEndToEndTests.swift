import Foundation
import IoMTCore
import IoMTStore
import Testing

/// iomtd with a rule file and a webhook, a simulated oximeter dipping to 85 % for 20 s: one alert after the
/// persistence window, on every channel — exec hook, webhook (the lab receiver's POST /webhook), and DOM as a
/// Communication — with the reading's interpretation at DOM, every bundle valid FHIR, and the rule set audited.
@Suite(.serialized) struct AlertChannelsEndToEndTests {
    @Test func oneAlertReachesEveryChannelAndDOMSeesTheInterpretation() async throws {
        try await withGatewayScenario("alert-channels") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "dip"]))
            let rules = lab.directory.appendingPathComponent("rules.json")
            try #"{"version": "e2e-1", "rules": [{"id": "spo2-critical", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": 88, "for": "5s", "hysteresis": 2, "priority": "high"}]}"#
                .write(to: rules, atomically: true, encoding: .utf8)
            try lab.writeConfiguration(alertsExtra: #", "rulesFile": "\#(rules.path)", "webhook": {"url": "\#(lab.baseURL)/webhook", "timeoutMs": 2000}"#)
            try lab.startDaemon()
            let hooked = await LabHarness.waitUntil(seconds: 45) { FileManager.default.fileExists(atPath: lab.alertsFile.path) }
            #expect(hooked, "no alert\n\(lab.logs())")
            let webhooked = await LabHarness.waitUntil(seconds: 15) {
                ((try? JSONSerialization.jsonObject(with: await lab.get("/webhook")?.1 ?? Data())) as? [Any])?.isEmpty == false
            }
            #expect(webhooked)
            let communicated = await LabHarness.waitUntil(seconds: 15) {
                FHIRValidator.recordedBundles(lab).contains { (try? String(contentsOfFile: $0, encoding: .utf8))?.contains("\"Communication\"") == true }
            }
            #expect(communicated)
            // No second alert on any channel while the daemon goes on reading and delivering.
            #expect(await lab.waitForMoreDOMObservations(6), "\(lab.logs())")
            await LabHarness.stop(lab.daemon!)

            #expect(LabHarness.readLog(lab.alertsFile).split(separator: "\n").count == 1)
            let calls = (try JSONSerialization.jsonObject(with: await lab.get("/webhook")?.1 ?? Data())) as? [[String: Any]] ?? []
            #expect(calls.count == 1)
            #expect(calls.first?["rule"] as? String == "spo2-critical")
            #expect(calls.first?["ruleSetVersion"] as? String == "e2e-1")
            #expect(calls.first?["interpretation"] as? String == "LL")
            let observations = await lab.domObservations()
            let interpreted = observations.filter { observation in
                let codes = (observation["interpretation"] as? [[String: Any]] ?? []).flatMap { $0["coding"] as? [[String: Any]] ?? [] }
                return codes.contains { $0["code"] as? String == "LL" }
            }
            #expect(interpreted.count == 1)
            try await FHIRValidator.validateRecordedBundles(lab)

            let store = try Store(path: lab.storePath)
            let audit = try await store.auditLog(limit: 20)
            #expect(audit.contains { $0.2 == "rules-change" && $0.3.contains("new version e2e-1") })
            let alerts = try await store.alerts(limit: 10)
            #expect(alerts.count == 1)
            #expect(alerts.first?.dispatchedChannels == ["log", "exec", "webhook", "dom"])
            #expect(alerts.first?.event.ruleSetVersion == "e2e-1")
        }
    }
}
