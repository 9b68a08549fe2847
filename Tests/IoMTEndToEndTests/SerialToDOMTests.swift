import Foundation
import IoMTCore
import IoMTStore
import Testing

/// Simulator → pty → iomtd → local DOM receiver, all real processes. Serialized: each runs in real time.
@Suite(.serialized) struct SerialToDOMTests {
    @Test func readingsTravelFromThePseudoTerminalToDOM() async throws {
        try await withGatewayScenario("flow") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "steady"]))
            try lab.writeConfiguration()
            try lab.startDaemon()

            let arrived = await LabHarness.waitUntil(seconds: 30) { (await lab.domObservationCount() ?? 0) >= 10 }
            #expect(arrived, "fewer than 10 observations reached DOM\n\(lab.logs())")
            await LabHarness.stop(lab.daemon!)
            let (rows, stats) = try await lab.storeSnapshot()
            let atDOM = await lab.domObservations()

            // A clean stop drains the queue: every stored reading is delivered, and DOM holds exactly those.
            #expect(stats.backlog == 0)
            #expect(atDOM.count == rows.count)
            #expect(stats.delivered == rows.count)
            #expect(rows.count >= 10)
            // One SpO2 and one pulse-rate observation per second, with the simulator's steady values.
            let spo2 = rows.filter { $0.observation.type == .spo2 }
            let pulse = rows.filter { $0.observation.type == .pulseRateOximetry }
            #expect(!spo2.isEmpty && abs(spo2.count - pulse.count) <= 1)
            #expect(spo2.allSatisfy { $0.observation.value == DecimalValue(97) }, "\(spo2.map { $0.observation.value?.description ?? "nil" })")
            #expect(pulse.allSatisfy { $0.observation.value == DecimalValue(72) })
            #expect(rows.allSatisfy { $0.observation.patientId == "44051401359" && !$0.observation.rawFrame.isEmpty })
            // Receipt times one second apart (the reporting window), never in the future.
            // (The last reading may come from the partial window flushed at shutdown.)
            let times = spo2.map(\.observation.receivedAt.millisecondsSinceEpoch).sorted().dropLast()
            if times.count >= 3 {
                let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
                #expect(gaps.allSatisfy { $0 >= 500 && $0 <= 2500 }, "gaps \(gaps)")
            }
            // The log carries no patient identifier.
            #expect(!lab.logs().contains("44051401359"))
        }
    }

    @Test func sigkillMidStreamLosesNothingAndDuplicatesNothing() async throws {
        try await withGatewayScenario("sigkill") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "steady"]))
            try lab.writeConfiguration()

            // Kill the daemon three times mid-stream, without warning.
            for _ in 0..<3 {
                try lab.startDaemon()
                _ = await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) > 0 }
                _ = await lab.waitForMoreDOMObservations(5) // mid-stream: reading and delivering
                await LabHarness.stop(lab.daemon!, signal: SIGKILL)
            }
            let (acknowledgedBeforeRestart, _) = try await lab.storeSnapshot()

            // Restart and let it drain; then stop the device so the store stops growing.
            await LabHarness.stop(lab.simulator!)
            try lab.startDaemon()
            let drained = await LabHarness.waitUntil(seconds: 30) {
                guard let count = await lab.domObservationCount() else { return false }
                return count >= acknowledgedBeforeRestart.count
            }
            #expect(drained, "backlog did not drain\n\(lab.logs())")
            #expect(await LabHarness.waitUntil(seconds: 15) { await lab.storeBacklog() == 0 }, "backlog left\n\(lab.logs())")
            await LabHarness.stop(lab.daemon!)

            let (rows, stats) = try await lab.storeSnapshot()
            let atDOM = await lab.domObservations()
            // Every reading acknowledged before any kill is still in the store…
            let ids = Set(rows.map(\.id))
            #expect(acknowledgedBeforeRestart.allSatisfy { ids.contains($0.id) })
            // …and DOM holds each stored reading exactly once.
            #expect(stats.backlog == 0, "backlog \(stats.backlog)")
            #expect(atDOM.count == rows.count, "DOM \(atDOM.count) vs store \(rows.count)")
            let identifiers = atDOM.compactMap { (($0["identifier"] as? [[String: Any]])?.first?["value"]) as? String }
            #expect(Set(identifiers).count == atDOM.count, "duplicate identifiers at DOM")
        }
    }

    @Test func garbageAndTornFramesInventNoValues() async throws {
        try await withGatewayScenario("garbage") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "steady", "--garbage", "0.3"]))
            try lab.writeConfiguration()
            try lab.startDaemon()
            #expect(await LabHarness.waitUntil(seconds: 30) { (await lab.domObservationCount() ?? 0) >= 8 }, "\(lab.logs())")
            await LabHarness.stop(lab.daemon!)
            #expect(lab.daemon!.terminationStatus == 0, "daemon did not stop cleanly")
            let (rows, _) = try await lab.storeSnapshot()
            // Values are only the simulator's: garbage never turned into a reading.
            for row in rows {
                if let value = row.observation.value {
                    #expect(value == DecimalValue(97) || value == DecimalValue(72), "invented value \(value) for \(row.observation.type)")
                }
            }
        }
    }

    /// A legacy device (19200 8O1, 5-byte frames) on the v4.6 profile (115200 8N1, 9-byte frames), and a CMS50E
    /// (v4.6, sends only when asked) on the legacy profile — what hotplug picks for either, as both share USB ids.
    /// A pty has no baud rate, so the mismatch is in framing: the driver tells the generations apart from the
    /// bytes, switches and says so; the values are the simulator's, never invented.
    @Test(arguments: [("legacy", "contec-cms50e", "legacy"), ("v46", "contec-cms50d-plus", "v46")])
    func wrongGenerationIsDetectedFromTheBytesAndRead(simulated: String, profile: String, detected: String) async throws {
        try await withGatewayScenario("generation-\(simulated)") { lab in
            try lab.startReceiver()
            try lab.startSimulator(["--generation", simulated, "--script", "steady"])
            #expect(await lab.waitForReceiver())
            #expect(await lab.waitForDevice())
            try lab.writeConfiguration(profile: profile)
            try lab.startDaemon()
            #expect(await LabHarness.waitUntil(seconds: 30) { (await lab.domObservationCount() ?? 0) >= 4 }, "\(lab.logs())")
            await LabHarness.stop(lab.daemon!)
            let (rows, _) = try await lab.storeSnapshot()
            #expect(rows.allSatisfy { $0.observation.value == nil || $0.observation.value == DecimalValue(97) || $0.observation.value == DecimalValue(72) },
                    "values the simulator never sent: \(rows.prefix(3).map(\.observation))")
            #expect(rows.contains { $0.observation.value == DecimalValue(97) })
            #expect(lab.logs().contains("decoding them as \(detected)"), "\(lab.logs())")
        }
    }

    @Test func invalidConfigurationIsRefusedNamingFileAndField() async throws {
        let directory = try LabHarness.temporaryDirectory("badconfig")
        let path = directory.appendingPathComponent("iomtd.json").path
        try """
            {"stateDirectory": "/tmp/x", "profilesDirectory": "\(LabHarness.repositoryRoot.path)/DeviceProfiles",
             "gateway": {"systemId": "XYZ"}, "patient": {"pesel": "44051401358"},
             "dom": {"baseURL": "ftp://dom", "batchSize": 0},
             "alerts": {"rules": [{"id": "a", "measurement": "MDC_NOPE", "below": "ninety"}]}}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, output) = try await LabHarness.run("iomtd", ["--config", path, "--check-config"])
        #expect(status == 2)
        for fragment in ["\(path): gateway.systemId: expected 16 hex digits", "\(path): patient.pesel: expected a valid PESEL",
                         "\(path): dom.baseURL: expected an https:// URL, or http:// only to a literal loopback address", "\(path): dom.batchSize: expected an integer from 1 to 5000",
                         "\(path): alerts.rules[0].measurement: expected a known MDC reference id", "\(path): alerts.rules[0].below: expected a decimal number"] {
            #expect(output.contains(fragment), "missing '\(fragment)' in:\n\(output)")
        }
        #expect(!output.contains("44051401358"), "the PESEL must not be echoed")
    }
}
