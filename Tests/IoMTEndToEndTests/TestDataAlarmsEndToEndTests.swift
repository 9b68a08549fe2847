import Foundation
import IoMTCore
import IoMTLab
import IoMTStore
import IoMTTestSupport
import Testing

/// Issue 12.6 on the real daemon: a replayed desaturation (test data) is evaluated and stored as a test alert but
/// reaches neither the exec hook, nor the webhook, nor DOM; with `--alarms` it reaches every channel, once, flagged test.
@Suite(.serialized) struct TestDataAlarmsEndToEndTests {
    /// Legacy CMS50 frames at the profile's line rate (about 350 frames a second of synthetic time):
    /// three seconds at SpO2 85 %, then three at 97 % (a desaturation that ends).
    static func desaturationHex() -> String {
        func frames(_ spo2: Int, _ count: Int) -> [UInt8] {
            (0..<count).flatMap { index in
                CMS50Frame.legacy(CMS50Sample(pleth: 60, signalStrength: 6, barGraph: 5, beat: index % 60 == 0, fingerOut: false,
                                              searching: false, probeError: false, spo2Dropping: false, pulseRate: 72, spo2: spo2))
            }
        }
        return (frames(85, 1100) + frames(97, 1100)).map { String(format: "%02x", $0) }.joined(separator: " ")
    }

    @Test func aReplayedDesaturationIsRecordedNotAnnouncedUnlessTheTechnicianAsks() async throws {
        try await withGatewayScenario("test-alarms") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "steady"]))
            // Not latching, so each replay's episode fires and resolves within the replay.
            let rules = lab.directory.appendingPathComponent("rules.json")
            try #"{"version": "test-data-1", "rules": [{"id": "spo2-low", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": 90, "priority": "high", "latching": false}]}"#
                .write(to: rules, atomically: true, encoding: .utf8)
            try lab.writeConfiguration(alertsExtra: #", "rulesFile": "\#(rules.path)", "webhook": {"url": "\#(lab.baseURL)/webhook", "timeoutMs": 2000}"#)
            // The hook records what a buzzer script would see, including the test flag.
            let hook = lab.directory.appendingPathComponent("alert-hook.sh")
            try ExecutableScript.write("""
                #!/bin/sh
                echo "$IOMT_ALERT_ID $IOMT_ALERT_OCCURRENCE test=$IOMT_ALERT_TEST $IOMT_ALERT_MESSAGE" >> "\(lab.alertsFile.path)"
                """, to: hook.path)
            try lab.startDaemon()
            let capture = lab.directory.appendingPathComponent("desaturation.hex")
            try Self.desaturationHex().write(to: capture, atomically: true, encoding: .utf8)
            let ready = await LabHarness.waitUntil(seconds: 20) {
                (try? await LabHarness.run("iomtctl", ["devices", "--json", "--socket", lab.controlSocket]).0) == 0
            }
            #expect(ready, "\(lab.logs())")

            // 1. Without --alarms: evaluated and stored as a test, logged, not announced.
            let (quiet, quietOutput) = try await LabHarness.run("iomtctl", ["replay", capture.path, "--profile", "contec-cms50d-plus", "--json",
                                                                      "--socket", lab.controlSocket])
            #expect(quiet == 0, "\(quietOutput)")
            let state = lab.directory.appendingPathComponent("state").path
            func alerts() async -> [[String: Any]] {
                guard let (status, output) = try? await LabHarness.run("iomtctl", ["alerts", "list", "--json", "--state-dir", state]), status == 0 else { return [] }
                return (try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]]) ?? []
            }
            let recorded = await LabHarness.waitUntil(seconds: 20) {
                let rows = await alerts()
                return rows.count == 2 && rows.allSatisfy { ($0["dispatched"] as? [String]) == ["log"] }
            }
            let recordedRows = await alerts()
            #expect(recorded, "the replay's fired and resolved alerts are stored and logged: \(recordedRows)\n\(lab.logs())")
            #expect(await alerts().allSatisfy { $0["test"] as? String == "recorded" })
            #expect(Set(await alerts().compactMap { $0["occurrence"] as? String }) == ["fired", "resolved"])
            let recordedIds = await Set(alerts().compactMap { $0["id"] as? Int })
            // The running daemon's status says so too.
            let (statusCode, statusOutput) = try await LabHarness.run("iomtctl", ["status", "--json", "--socket", lab.controlSocket])
            #expect(statusCode == 0, "\(statusOutput)")
            let recent = ((try? JSONSerialization.jsonObject(with: Data(statusOutput.utf8))) as? [String: Any])?["recentAlerts"] as? [[String: Any]] ?? []
            #expect(recent.count == 2 && recent.allSatisfy { $0["test"] as? String == "recorded" }, "\(recent)")

            // 2. With --alarms: the same desaturation again, announced on every channel, each flagged test. The channels
            // deliver oldest first, so had the recorded alerts been meant for them, they would have arrived before these.
            let (loud, loudOutput) = try await LabHarness.run("iomtctl", ["replay", capture.path, "--profile", "contec-cms50d-plus", "--alarms", "--json",
                                                                    "--socket", lab.controlSocket])
            #expect(loud == 0, "\(loudOutput)")
            let hooked = await LabHarness.waitUntil(seconds: 30) { LabHarness.readLog(lab.alertsFile).split(separator: "\n").count >= 2 }
            #expect(hooked, "\(lab.logs())")
            let webhooked = await LabHarness.waitUntil(seconds: 30) {
                (((try? JSONSerialization.jsonObject(with: await lab.get("/webhook")?.1 ?? Data())) as? [Any])?.count ?? 0) >= 2
            }
            #expect(webhooked)
            func communications() -> [[String: Any]] {
                FHIRValidator.recordedBundles(lab).flatMap { path -> [[String: Any]] in
                    let bundle = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))) as? [String: Any]
                    return (bundle?["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
                        .filter { $0["resourceType"] as? String == "Communication" }
                }
            }
            let communicated = await LabHarness.waitUntil(seconds: 30) {
                Set(communications().map { "\(($0["identifier"] as? [[String: Any]])?.first?["value"] ?? "")" }).count >= 2
            }
            #expect(communicated)
            let all = await alerts()
            let announced = all.filter { $0["test"] as? String == "announced" }
            #expect(announced.count == 2, "\(all)")
            let allChannels = await LabHarness.waitUntil(seconds: 20) {
                await alerts().filter { $0["test"] as? String == "announced" }.allSatisfy { Set($0["dispatched"] as? [String] ?? []) == ["log", "exec", "webhook", "dom"] }
            }
            let announcedRows = await alerts()
            #expect(allChannels, "\(announcedRows)")
            await LabHarness.stop(lab.daemon!)

            // Exactly the announced episode (its alarm and its resolution) on the hook and the webhook, each flagged test.
            let hookLines = LabHarness.readLog(lab.alertsFile).split(separator: "\n").map(String.init)
            #expect(hookLines.count == 2, "\(hookLines)")
            #expect(hookLines.allSatisfy { $0.contains("test=1") && $0.contains("TEST: ") }, "\(hookLines)")
            #expect(hookLines.map { $0.split(separator: " ")[1] } == ["fired", "resolved"])
            let calls = (try JSONSerialization.jsonObject(with: await lab.get("/webhook")?.1 ?? Data())) as? [[String: Any]] ?? []
            #expect(calls.count == 2, "\(calls)")
            #expect(calls.allSatisfy { $0["test"] as? Bool == true })
            #expect(calls.compactMap { $0["occurrence"] as? String } == ["fired", "resolved"])
            let announcedIdentifiers = Set(hookLines.map { String($0.split(separator: " ")[0]) })
            #expect(Set(calls.compactMap { $0["alertId"] as? String }) == announcedIdentifiers)
            // DOM: the Communications carry v3-ActReason HTEST, like the test Observations they are about.
            let sent = communications()
            #expect(!sent.isEmpty && sent.allSatisfy { communication in
                (((communication["meta"] as? [String: Any])?["security"] as? [[String: Any]]) ?? []).contains { $0["code"] as? String == "HTEST" }
            }, "\(sent)")
            // The recorded alerts never went anywhere but the log, and the replays are audited with the choice.
            #expect(await alerts().filter { recordedIds.contains($0["id"] as? Int ?? -1) }.allSatisfy { ($0["dispatched"] as? [String]) == ["log"] })
            let store = try Store(readOnlyPath: lab.storePath)
            let replays = try await store.auditLog(limit: 50).filter { $0.2 == "replay" }.map(\.3)
            #expect(replays.contains { $0.contains("not announced") } && replays.contains { $0.contains("announced on every channel") }, "\(replays)")
        }
    }
}
