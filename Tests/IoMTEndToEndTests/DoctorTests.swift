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

    @Test func aHealthyLabBoxHasNoProblems() async throws {
        let lab = try GatewayScenario(name: "doctor")
        defer { lab.stopAll() }
        #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "steady"]))
        try lab.writeConfiguration()
        try lab.startDaemon()
        #expect(await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) > 0 })
        let (status, output) = try LabHarness.run("iomtctl", ["doctor", "--config", lab.configPath, "--socket", lab.controlSocket, "--json"])
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

    @Test func problemsComeWithTheirFixes() async throws {
        let lab = try GatewayScenario(name: "doctor-bad")
        defer { lab.stopAll() }
        // No receiver, no simulator, no daemon: the device path and DOM's port lead nowhere.
        try lab.writeConfiguration()
        let (status, output) = try LabHarness.run("iomtctl", ["doctor", "--config", lab.configPath, "--socket", lab.controlSocket, "--json"])
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
        let (brokenStatus, brokenOutput) = try LabHarness.run("iomtctl", ["doctor", "--config", lab.configPath, "--socket", lab.controlSocket])
        #expect(brokenStatus == 1)
        #expect(brokenOutput.contains("stateDirectory"))
        #expect(brokenOutput.contains("iomtd --check-config"))
    }
}
