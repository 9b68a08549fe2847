import Foundation
import IoMTLab
import Testing

/// `iomtctl capture` against the real processes: iomtd reading a simulated CMS50 on a pseudo-terminal, the capture
/// written as a Firmware-Fixtures case, and `iomtctl replay` of that case giving the readings its expected.json holds.
@Suite(.serialized) struct CaptureKitTests {
    func ctl(_ lab: GatewayScenario, _ arguments: [String]) async throws -> (Int32, String) {
        try await LabHarness.run("iomtctl", arguments + ["--socket", lab.controlSocket])
    }

    func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func aFieldCaptureBecomesACaseThatReplayReproduces() async throws {
        try await withGatewayScenario("capture") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "demo"]))
            try lab.writeConfiguration()
            try lab.startDaemon()
            let reading = await LabHarness.waitUntil(seconds: 20) {
                guard let (status, output) = try? await ctl(lab, ["devices", "--json"]), status == 0 else { return false }
                return ((json(output)["devices"] as? [[String: Any]])?.first?["readings"] as? Int ?? 0) > 0
            }
            #expect(reading, "\(lab.logs())")

            let out = lab.directory.appendingPathComponent("captures")
            let profiles = LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles").path
            let (status, output) = try await ctl(lab, ["capture", "E2E-CMS50", "--seconds", "3", "--out", out.path, "--name", "e2e",
                                                       "--profiles-dir", profiles, "--json"])
            #expect(status == 0, "\(output)\n\(lab.logs())")
            let summary = json(output)
            let folder = out.appendingPathComponent("contec-cms50-legacy/e2e") // <out>/<driver id>/<case>
            #expect(summary["case"] as? String == folder.path)
            #expect((summary["events"] as? Int ?? 0) > 10 && summary["limitReached"] as? Bool == false, "\(summary)")
            for file in ["capture.hex", "transcript.txt", "case.json", "expected.json"] {
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                #expect(!text.contains("44051401359"), "\(file) holds no patient identifier")
            }
            let caseInfo = json(try String(contentsOf: folder.appendingPathComponent("case.json"), encoding: .utf8))
            #expect(caseInfo["profile"] as? String == "contec-cms50d-plus" && caseInfo["timeline"] as? String == "transcript.txt")
            #expect((caseInfo["description"] as? String)?.contains("field capture of") == true)
            let expected = json(try String(contentsOf: folder.appendingPathComponent("expected.json"), encoding: .utf8))["observations"]
                as? [[String: Any]] ?? []
            #expect(expected.count >= 4, "a reading a second for about three seconds: \(expected.count)")
            let daemonLog = { LabHarness.readLog(lab.directory.appendingPathComponent("iomtd-1.log")) }
            #expect(daemonLog().contains("capture of device") && !daemonLog().contains("44051401359"), "the log names no patient")

            // A second capture while one runs is refused, with the reason.
            let (socket, outPath) = (lab.controlSocket, out.path)
            let first = Task {
                try await LabHarness.run("iomtctl", ["capture", "E2E-CMS50", "--seconds", "4", "--out", outPath, "--name", "first", "--profiles-dir", profiles, "--socket", socket])
            }
            #expect(await LabHarness.waitUntil(seconds: 10) { daemonLog().contains("started a 4 s capture") })
            let (secondStatus, secondOutput) = try await ctl(lab, ["capture", "E2E-CMS50", "--seconds", "1", "--out", out.path, "--name", "second"])
            #expect(secondStatus == 1 && secondOutput.contains("a capture is already running"), "\(secondOutput)")
            #expect(try await first.value.0 == 0)

            // The case through the live pipeline: the readings of expected.json, stored as test data.
            let (replayStatus, replayOutput) = try await ctl(lab, ["replay", folder.path, "--json"])
            #expect(replayStatus == 0, "\(replayOutput)")
            let ids = Set((json(replayOutput)["ids"] as? [Int]) ?? [])
            #expect(ids.count == expected.count)
            let (exportStatus, export) = try await LabHarness.run("iomtctl", ["readings", "export", "--db", lab.storePath])
            #expect(exportStatus == 0)
            let replayed = export.split(separator: "\n").map { json(String($0)) }.filter { ids.contains($0["id"] as? Int ?? -1) }
            #expect(replayed.map { "\($0["code"] ?? "") \($0["value"] ?? "")" } == expected.map { "\($0["code"] ?? "") \($0["value"] ?? "")" },
                    "replay gives expected.json's readings in order")
        }
    }
}
