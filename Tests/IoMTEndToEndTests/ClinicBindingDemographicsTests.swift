import Foundation
import IoMTLab
import Testing

/// Issue 14, clinic mode, every process real (simulated spirometer on a pty → iomtd → local DOM receiver, iomtctl over the
/// control socket): the technician binds the spirometer with the patient's height; the configuration lists the same
/// patient at another height. DOM's reference ranges and the z-score alarm follow the binding's height; a sex that
/// contradicts the PESEL is refused naming the option; the listing shows what was given, never the PESEL.
@Suite(.serialized) struct ClinicBindingDemographicsTests {
    /// Male, born 1944-05-14 (82 years): the simulator's FEV1 of 3.01–3.38 L is z ≈ +2.7…+3.9 at 160 cm, z ≈ −0.4…+0.3 at 190 cm.
    static let patient = "44051401359"

    func ctl(_ lab: GatewayScenario, _ arguments: [String]) async throws -> (Int32, String) {
        try await LabHarness.run("iomtctl", arguments + ["--socket", lab.controlSocket])
    }

    @Test func theBindingsHeightDecidesReferenceRangesAndAlarms() async throws {
        try await withGatewayScenario("bind-demographics") { lab in
            try lab.startReceiver()
            lab.simulator = try LabHarness.launch("iomt-lab", ["sim", "spirometer", "--link", lab.devicePath, "--interval", "2"],
                                                  log: lab.directory.appendingPathComponent("simulator.log"))
            #expect(await lab.waitForReceiver())
            #expect(await lab.waitForDevice())
            // Fires only by 160 cm: above z +2 is impossible for these readings at the configured 190 cm.
            let rules = lab.directory.appendingPathComponent("rules.json")
            try #"{"version": "e2e-binding-demographics", "rules": [{"id": "fev1-z-high", "kind": "z-score", "measurement": "MDC_VOL_AWAY_EXP_FORCED_1S", "above": 2, "priority": "medium"}]}"#
                .write(to: rules, atomically: true, encoding: .utf8)
            try lab.writeConfiguration(profile: "generic-spirometer-text-report", extra: #", "patients": [{"pesel": "\#(Self.patient)", "heightCm": 190}]"#,
                                       patient: nil, alertsExtra: #", "rulesFile": "\#(rules.path)""#)
            try lab.startDaemon()
            // The control socket answers only once the daemon has started: a bind sent before that exits 1 (seen when this
            // suite ran beside others on 2 cores).
            #expect(await LabHarness.waitUntil(seconds: 30) { await !lab.devices().isEmpty }, "the daemon's control socket never answered\n\(lab.logs())")

            // The PESEL records a man: --sex female is refused, naming the option; so is a birth date the PESEL does not encode.
            let (wrongSex, wrongSexOutput) = try await ctl(lab, ["bind", "spirometer", "--patient", Self.patient, "--height", "160", "--sex", "female"])
            #expect(wrongSex == 2, "\(wrongSexOutput)")
            #expect(wrongSexOutput.contains("--sex: expected the sex at birth the PESEL records"), "\(wrongSexOutput)")
            let (wrongDate, wrongDateOutput) = try await ctl(lab, ["bind", "spirometer", "--patient", Self.patient, "--height", "160", "--birth-date", "1944-05-15"])
            #expect(wrongDate == 2 && wrongDateOutput.contains("--birth-date: expected the date of birth the PESEL encodes"), "\(wrongDateOutput)")
            #expect(!wrongSexOutput.contains(Self.patient) && !wrongDateOutput.contains(Self.patient))

            let (bound, boundOutput) = try await ctl(lab, ["bind", "spirometer", "--patient", Self.patient, "--height", "160", "--sex", "male",
                                                           "--birth-date", "1944-05-14", "--json"])
            #expect(bound == 0, "\(boundOutput)\n\(lab.logs())")
            let (_, listing) = try await ctl(lab, ["bindings", "--json"])
            let bindings = (try? JSONSerialization.jsonObject(with: Data(listing.utf8)) as? [String: Any])?["bindings"] as? [[String: Any]] ?? []
            let given = bindings.first?["demographics"] as? [String: Any]
            #expect(given?["heightCm"] as? Int == 160 && given?["sexAtBirth"] as? String == "male" && given?["birthDate"] is NSNull, "\(listing)")
            #expect(!listing.contains(Self.patient))

            let arrived = await LabHarness.waitUntil(seconds: 40) {
                await lab.domObservations().contains { ($0["referenceRange"] as? [[String: Any]])?.isEmpty == false }
            }
            #expect(arrived, "no spirometry reading with reference values reached DOM\n\(lab.logs())")
            let alarmed = await LabHarness.waitUntil(seconds: 20) {
                ((try? String(contentsOf: lab.alertsFile, encoding: .utf8)) ?? "").contains("fev1-z-high")
            }
            #expect(alarmed, "the z-score rule did not fire by the binding's height\n\(lab.logs())")
            await LabHarness.stop(lab.daemon!)

            let fev1 = await lab.domObservations().filter {
                (($0["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String == "152586"
            }
            let texts = fev1.compactMap { (($0["referenceRange"] as? [[String: Any]])?.first?["text"] as? String) }
            #expect(!texts.isEmpty && texts.allSatisfy { $0.contains("male, 160 cm") }, "\(texts)")
            #expect(!lab.logs().contains(Self.patient))
            try await FHIRValidator.validateRecordedBundles(lab)
        }
    }
}
