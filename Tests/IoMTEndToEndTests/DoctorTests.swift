import Foundation
import Testing

/// `iomtctl doctor` against a running lab, and against a box with problems.
@Suite(.serialized) struct DoctorTests {
    func findings(_ output: String) -> [String: [String: Any]] {
        let document = (try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]) ?? [:]
        var byCheck: [String: [String: Any]] = [:]
        for finding in document["findings"] as? [[String: Any]] ?? [] { byCheck[finding["check"] as? String ?? ""] = finding }
        return byCheck
    }

    /// Issue 11.8 / 12.8: DOM refusing every reading for one reason pauses delivery (`dom-refusing`); the pause, its
    /// reason, the next probe and the quarantine count show in `iomtctl status` (human and --json) and in doctor.
    @Test func aForwarderPausedByDOMRefusingShowsInStatusAndDoctor() async throws {
        try await withGatewayScenario("doctor-paused") { lab in
            try lab.startReceiver(fault: "1-:entries=422/1")
            try lab.startSimulator(["--generation", "v46", "--script", "steady"])
            #expect(await lab.waitForReceiver())
            #expect(await lab.waitForDevice())
            try lab.writeConfiguration(profile: "contec-cms50e")
            try lab.startDaemon()
            var forwarder: [String: Any] = [:]
            let paused = await LabHarness.waitUntil(seconds: 60) {
                guard let (code, output) = try? await LabHarness.run("iomtctl", ["status", "--json", "--socket", lab.controlSocket]), code == 0,
                      let document = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else { return false }
                forwarder = document["forwarder"] as? [String: Any] ?? [:]
                return forwarder["state"] as? String == "paused"
            }
            #expect(paused, "\(forwarder)\n\(lab.logs())")
            #expect(forwarder["domRefusing"] as? Bool == true)
            let reason = forwarder["pausedReason"] as? String ?? ""
            #expect(!reason.isEmpty, "\(forwarder)")
            #expect(forwarder["pausedSince"] is String && forwarder["nextAttempt"] is String, "\(forwarder)")
            #expect(forwarder["quarantined"] is Int && forwarder["consecutiveFailures"] is Int, "\(forwarder)")

            let (_, human) = try await LabHarness.run("iomtctl", ["status", "--socket", lab.controlSocket])
            #expect(human.contains("forwarder:           paused"), "\(human)")
            #expect(human.contains("PAUSED: DOM refuses readings systemically"), "\(human)")
            let (status, output) = try await LabHarness.run("iomtctl", ["doctor", "--config", lab.configPath, "--socket", lab.controlSocket, "--json"])
            let delivery = findings(output)["delivery"]
            #expect(delivery?["status"] as? String == "problem", "\(output)")
            let detail = delivery?["detail"] as? String ?? "", fix = delivery?["fix"] as? String ?? ""
            #expect(detail.contains("PAUSED"), "\(detail)")
            #expect(fix.contains("iomtctl quarantine requeue"), "\(fix)")
            #expect(status == 1)
        }
    }

    @Test func aHealthyLabBoxHasNoProblems() async throws {
        try await withGatewayScenario("doctor") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "steady"]))
            try lab.writeConfiguration()
            try lab.startDaemon()
            #expect(await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) > 0 })
            let (status, output) = try await LabHarness.run("iomtctl", ["doctor", "--config", lab.configPath, "--socket", lab.controlSocket, "--json"])
            let byCheck = findings(output)
            #expect(byCheck["daemon"]?["status"] as? String == "ok", "\(output)")
            #expect(byCheck["configuration"]?["status"] as? String == "ok")
            #expect(byCheck["serial \(lab.devicePath)"] != nil, "each configured device is checked")
            #expect(byCheck["DOM"]?["status"] as? String == "warning", "plain HTTP to the lab receiver is only a warning")
            let domDetail = byCheck["DOM"]?["detail"] as? String ?? ""
            #expect(domDetail.contains("answered HTTP"))
            #expect(byCheck["store integrity"]?["status"] as? String == "ok")
            let problems = byCheck.values.filter { $0["status"] as? String == "problem" }
            #expect(problems.isEmpty == (status == 0), "exit status follows the problems: \(problems)")
        }
    }

    @Test func problemsComeWithTheirFixes() async throws {
        try await withGatewayScenario("doctor-bad") { lab in
            // No receiver, no simulator, no daemon: the device path and DOM's port lead nowhere.
            try lab.writeConfiguration()
            let (status, output) = try await LabHarness.run("iomtctl", ["doctor", "--config", lab.configPath, "--socket", lab.controlSocket, "--json"])
            #expect(status == 1)
            let byCheck = findings(output)
            #expect(byCheck["daemon"]?["status"] as? String == "problem")
            let daemonFix = byCheck["daemon"]?["fix"] as? String ?? ""
            #expect(daemonFix.contains("systemctl start iomtd"))
            let serial = byCheck["serial \(lab.devicePath)"]
            #expect(serial?["status"] as? String == "problem")
            let serialFix = serial?["fix"] as? String ?? ""
            #expect(serialFix.contains("plug the device in"))
            #expect(byCheck["DOM"]?["status"] as? String == "problem")
            let unreachable = byCheck["DOM"]?["detail"] as? String ?? ""
            #expect(unreachable.contains("connect"))

            // A broken configuration is reported with the field, and the fix names the check command.
            try "{\"stateDirectory\": 3}".write(toFile: lab.configPath, atomically: true, encoding: .utf8)
            let (brokenStatus, brokenOutput) = try await LabHarness.run("iomtctl", ["doctor", "--config", lab.configPath, "--socket", lab.controlSocket])
            #expect(brokenStatus == 1)
            #expect(brokenOutput.contains("stateDirectory"))
            #expect(brokenOutput.contains("iomtd --check-config"))
        }
    }
}
