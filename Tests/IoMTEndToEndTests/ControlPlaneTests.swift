import IoMTLab
import Foundation
import IoMTCore
import IoMTStore
import Testing

/// iomtctl ↔ iomtd over the control socket, against a running daemon with a simulated device.
@Suite(.serialized) struct ControlPlaneTests {
    func ctl(_ lab: GatewayScenario, _ arguments: [String]) async throws -> (Int32, String) {
        try await LabHarness.run("iomtctl", arguments + ["--socket", lab.controlSocket])
    }

    func json(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func statusAndDevicesComeFromTheRunningDaemon() async throws {
        try await withGatewayScenario("control") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "steady"]))
            try lab.writeConfiguration()
            try lab.startDaemon()
            let connected = await LabHarness.waitUntil(seconds: 20) {
                guard let (status, output) = try? await ctl(lab, ["devices", "--json"]), status == 0 else { return false }
                let devices = json(output)["devices"] as? [[String: Any]] ?? []
                return devices.first?["state"] as? String == "connected" && (devices.first?["readings"] as? Int ?? 0) > 0
            }
            #expect(connected, "\(lab.logs())")

            let (status, output) = try await ctl(lab, ["status", "--json"])
            #expect(status == 0, "\(output)")
            let document = json(output)
            #expect(document["mode"] as? String == "home")
            #expect((document["devices"] as? [[String: Any]])?.first?["profile"] as? String == "contec-cms50d-plus")
            #expect((document["delivery"] as? [String: Any])?["backlog"] != nil)
            let (textStatus, text) = try await ctl(lab, ["status"])
            #expect(textStatus == 0)
            #expect(text.contains("contec-cms50d-plus") && text.contains("connected") && text.contains("backlog"))

            // A home hub refuses clinic bindings, saying why.
            let (bindStatus, bindOutput) = try await ctl(lab, ["bind", "contec", "--patient", "02070803628"])
            #expect(bindStatus == 2)
            #expect(bindOutput.contains("home hub"))

            // A fixture capture replayed through the live pipeline reaches DOM as test data.
            let capture = LabHarness.repositoryRoot.appendingPathComponent("Firmware-Fixtures/cms50/legacy-normal-97-72").path
            let (replayStatus, replayOutput) = try await ctl(lab, ["replay", capture, "--json"])
            #expect(replayStatus == 0, "\(replayOutput)")
            #expect((json(replayOutput)["readings"] as? Int ?? 0) >= 2)
            let tagged = await LabHarness.waitUntil(seconds: 20) {
                await lab.domObservations().contains { observation in
                    let security = (observation["meta"] as? [String: Any])?["security"] as? [[String: Any]] ?? []
                    return security.contains { $0["code"] as? String == "HTEST" }
                }
            }
            #expect(tagged, "replayed readings reach DOM marked HTEST")
            let (badReplay, badReplayOutput) = try await ctl(lab, ["replay", capture, "--profile", "no-such-profile"])
            #expect(badReplay == 2)
            #expect(badReplayOutput.contains("profile: expected one of"))

            // A profile installed through the daemon lands in its state directory; a clash or a bad field is refused.
            let source = LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles/contec-cms50e.json")
            let renamed = try String(contentsOf: source, encoding: .utf8).replacingOccurrences(of: "\"id\": \"contec-cms50e\"", with: "\"id\": \"clinic-cms50e-variant\"")
            let newProfile = lab.directory.appendingPathComponent("variant.json")
            try renamed.write(to: newProfile, atomically: true, encoding: .utf8)
            let (installed, installedOutput) = try await ctl(lab, ["profiles", "install", newProfile.path])
            #expect(installed == 0, "\(installedOutput)")
            #expect(FileManager.default.fileExists(atPath: lab.directory.appendingPathComponent("state/profiles/clinic-cms50e-variant.json").path))
            let (clash, clashOutput) = try await ctl(lab, ["profiles", "install", source.path])
            #expect(clash == 2)
            #expect(clashOutput.contains("already used by"))
            try renamed.replacingOccurrences(of: "\"baudRate\": 115200", with: "\"baudRate\": 12345").write(to: newProfile, atomically: true, encoding: .utf8)
            let (invalid, invalidOutput) = try await ctl(lab, ["profiles", "install", newProfile.path])
            #expect(invalid == 2)
            #expect(invalidOutput.contains("serial.baudRate"))

            // With the daemon stopped, status falls back to the store and says so.
            await LabHarness.stop(lab.daemon!)
            let (offline, offlineOutput) = try await LabHarness.run("iomtctl", ["status", "--socket", lab.controlSocket, "--state-dir",
                                                                         lab.directory.appendingPathComponent("state").path])
            #expect(offline == 0, "\(offlineOutput)")
            let (unreachable, unreachableOutput) = try await ctl(lab, ["devices"])
            #expect(unreachable == 1)
            #expect(unreachableOutput.contains("iomtd is not reachable"))
        }
    }

    @Test func clinicBindingAttributesReadingsByTimeAndReleasesHeldOnes() async throws {
        try await withGatewayScenario("bind") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "steady"]))
            try lab.writeConfiguration(patient: nil)
            let startedAt = Date()
            try lab.startDaemon()

            // Unbound: readings are stored but held back, none reaches DOM.
            let held = await LabHarness.waitUntil(seconds: 20) {
                guard let (status, output) = try? await ctl(lab, ["status", "--json"]), status == 0 else { return false }
                return ((json(output)["delivery"] as? [String: Any])?["held"] as? Int ?? 0) >= 4
            }
            #expect(held, "\(lab.logs())")
            #expect((await lab.domObservationCount() ?? 0) == 0)

            // Bad input is refused with the field named.
            let (badPesel, badPeselOutput) = try await ctl(lab, ["bind", "contec", "--patient", "12345678901"])
            #expect(badPesel == 2)
            #expect(badPeselOutput.contains("--patient"))
            let (unknown, unknownOutput) = try await ctl(lab, ["bind", "no-such-device", "--patient", "02070803628"])
            #expect(unknown == 2)
            #expect(unknownOutput.contains("device: expected one of"))
            let (badTime, badTimeOutput) = try await ctl(lab, ["bind", "contec", "--patient", "02070803628", "--from", "yesterday"])
            #expect(badTime == 2)
            #expect(badTimeOutput.contains("--from"))

            // Bind from before the daemon started: held readings are not handed to the patient silently...
            let from = ISO8601DateFormatter().string(from: startedAt.addingTimeInterval(-60))
            let (refused, refusedOutput) = try await ctl(lab, ["bind", "contec", "--patient", "02070803628", "--from", from])
            #expect(refused == 1, "\(refusedOutput)")
            #expect(refusedOutput.contains("held reading(s)") && refusedOutput.contains("--release-held"), "\(refusedOutput)")
            #expect((await lab.domObservationCount() ?? 0) == 0)
            // ...only when the technician says they checked them.
            let (bound, boundOutput) = try await ctl(lab, ["bind", "contec", "--patient", "02070803628", "--from", from, "--release-held", "--json"])
            #expect(bound == 0, "\(boundOutput)")
            #expect((json(boundOutput)["releasedHeldReadings"] as? Int ?? 0) >= 4)
            let arrived = await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) >= 6 }
            #expect(arrived, "\(lab.logs())")

            // The listing masks the patient unless asked.
            let (_, listing) = try await ctl(lab, ["bindings"])
            #expect(listing.contains("•••••••••28") && !listing.contains("02070803628"))
            let (_, shown) = try await ctl(lab, ["bindings", "--show-patient"])
            #expect(shown.contains("02070803628"))

            let (unbound, unboundOutput) = try await ctl(lab, ["unbind", "contec"])
            #expect(unbound == 0, "\(unboundOutput)")
            let (again, againOutput) = try await ctl(lab, ["unbind", "contec"])
            #expect(again == 1)
            #expect(againOutput.contains("no open binding"))
            await LabHarness.stop(lab.daemon!)

            // Every reading at DOM belongs to the bound patient; the audit names the caller's uid, not the patient.
            let atDOM = await lab.domObservations()
            #expect(!atDOM.isEmpty)
            let subjects = Set(atDOM.compactMap { (($0["subject"] as? [String: Any])?["identifier"] as? [String: Any])?["value"] as? String })
            #expect(subjects == ["02070803628"])
            let store = try Store(path: lab.storePath)
            let audit = try await store.auditLog(limit: 50)
            #expect(audit.contains { $0.2 == "bind" && $0.1 == "uid \(getuid())" })
            #expect(audit.contains { $0.2 == "unbind" })
            #expect(!audit.contains { $0.3.contains("02070803628") })
            #expect(!lab.logs().contains("02070803628"))
        }
    }

    @Test(.enabled(if: LabPrerequisite.root.shouldRun, "\(LabPrerequisite.root.skipNote): runs a client as another uid"))
    func anUnauthorisedUidIsRefusedByPeerCredentials() async throws {
        try LabPrerequisite.root.require()
        try await withGatewayScenario("peercred") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "steady"]))
            try lab.writeConfiguration()
            try lab.startDaemon()
            #expect(await LabHarness.waitUntil(seconds: 20) { (try? await ctl(lab, ["devices"]))?.0 == 0 })
            // Open the socket file and the path to everyone, so only SO_PEERCRED stands in the way.
            chmod(lab.controlSocket, 0o666)
            chmod(lab.directory.path, 0o755)
            let iomtctl = LabHarness.binDirectory.appendingPathComponent("iomtctl").path
            let (status, output) = try await LabHarness.runProgram("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", iomtctl,
                                                                                  "devices", "--socket", lab.controlSocket])
            #expect(status == 3, "\(output)")
            #expect(output.contains("permission denied: uid 65534"))
            await LabHarness.stop(lab.daemon!)
            #expect(lab.logs().contains("control: refused uid 65534"))
        }
    }
}
