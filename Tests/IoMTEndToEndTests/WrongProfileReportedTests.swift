import Foundation
import IoMTControl
import Testing

/// A port whose bytes never decode (here a spirometer's text reports read with the CMS50D+ oximeter profile) is
/// reported after 30 s where a technician looks: `iomtctl devices`, `iomtctl doctor`, the log and the
/// `device-no-frames` technical alarm of the default rules. (The 30 s themselves are tested on an injected clock
/// in UnframedInputWatchTests; this is the wiring, end to end.)
@Suite(.serialized) struct WrongProfileReportedTests {
    @Test func bytesWithoutFramesAreReportedAsWrongProfile() async throws {
        try await withGatewayScenario("wrong-profile") { lab in
            try lab.startReceiver()
            lab.simulator = try LabHarness.launch("iomt-lab", ["sim", "spirometer", "--link", lab.devicePath, "--interval", "0.5"],
                                                  log: lab.directory.appendingPathComponent("simulator.log"))
            #expect(await lab.waitForReceiver())
            #expect(await lab.waitForDevice())
            let rules = LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles/rules/default-rules.json").path
            try lab.writeConfiguration(profile: "contec-cms50d-plus", alertsExtra: #", "rulesFile": "\#(rules)""#)
            try lab.startDaemon()
            let key = "sn:contec-cms50d-plus:E2E-CMS50-1"
            let reported = await LabHarness.waitUntil(seconds: 90) {
                await lab.devices().first { $0["key"] as? String == key }?["detail"] as? String == DeviceStatus.wrongProfileSuspected
            }
            let listed = await lab.devices()
            #expect(reported, "\(listed)\n\(lab.logs())")
            #expect(await lab.devices().first { $0["key"] as? String == key }?["state"] as? String == "connected")
            #expect(lab.logs().contains("but no valid frame for profile contec-cms50d-plus — wrong profile?"))
            #expect(await LabHarness.waitUntil(seconds: 10) { LabHarness.readLog(lab.alertsFile).contains("device-no-frames") }, "\(lab.logs())")
            let (status, doctor) = try await LabHarness.run("iomtctl", ["doctor", "--config", lab.configPath, "--socket", lab.controlSocket])
            #expect(status == 1)
            #expect(doctor.contains("\(lab.devicePath) (\(key)): bytes but no frames — wrong profile? (read with contec-cms50d-plus)"), "\(doctor)")
            #expect(doctor.contains("pick its profile"))
        }
    }
}
