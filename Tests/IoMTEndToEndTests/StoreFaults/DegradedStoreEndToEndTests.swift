import Foundation
import IoMTCore
import IoMTLab
import IoMTStore
import IoMTTestSupport
import Testing

/// Issue 11.6 / 12.1 / 12.4 with the real iomtd, a simulated CMS50E on a pty repeating a desaturation (`dip`: 10 s at
/// 97 %, 20 s at 85 %, 10 s at 96 %), the lab's DOM receiver and an exec hook that records each call: the store's file
/// system is made read-only or full for real (root mounts a tmpfs on the state directory). The daemon must keep
/// reading and alarming, show the fault in `iomtctl status`, and once the fault clears store what waited in memory:
/// every reading at DOM exactly once.
@Suite(.serialized, .enabled(if: LabPrerequisite.root.shouldRun, "\(LabPrerequisite.root.skipNote)"))
struct DegradedStoreEndToEndTests {
    static let rules = #"{"version": "degraded-1", "rules": [{"id": "spo2-critical", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": 88, "priority": "high", "latching": false}, {"id": "store-unwritable", "kind": "technical", "condition": "store-unwritable", "priority": "medium"}]}"#

    /// The scenario with the state directory on a tmpfs mounted with `options`, and a hook that appends
    /// "<epoch seconds.ns> <rule> <reading stored> <occurrence> <observed at>" per call.
    func scenario(_ name: String, mountOptions: String) async throws -> (GatewayScenario, state: String, hookOutput: String) {
        try LabPrerequisite.root.require()
        let lab = try GatewayScenario(name: name)
        let state = lab.directory.appendingPathComponent("state").path
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let (status, output) = try await LabHarness.runProgram("/bin/mount", ["-t", "tmpfs", "-o", mountOptions, "tmpfs", state])
        guard status == 0 else { throw LabError("mount -o \(mountOptions) tmpfs on \(state) failed: \(output)") }
        let rules = lab.directory.appendingPathComponent("rules.json")
        try Self.rules.write(to: rules, atomically: true, encoding: .utf8)
        try lab.writeConfiguration(profile: "contec-cms50e", alertsExtra: #", "rulesFile": "\#(rules.path)""#)
        let hookOutput = lab.directory.appendingPathComponent("hook.out").path
        try ExecutableScript.write("""
            #!/bin/sh
            echo "$(date +%s.%N) $IOMT_ALERT_RULE $IOMT_ALERT_READING_STORED $IOMT_ALERT_OCCURRENCE $IOMT_ALERT_OBSERVED_AT" >> "\(hookOutput)"
            """, to: lab.directory.appendingPathComponent("alert-hook.sh").path)
        return (lab, state, hookOutput)
    }

    /// `iomtctl status --json` from the running daemon.
    func status(_ lab: GatewayScenario) async -> [String: Any] {
        guard let (code, output) = try? await LabHarness.run("iomtctl", ["status", "--json", "--socket", lab.controlSocket]), code == 0 else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]) ?? [:]
    }

    func storeStatus(_ lab: GatewayScenario) async -> [String: Any]? { await status(lab)["store"] as? [String: Any] }

    /// The degraded-store finding of `iomtctl doctor --json`, and the human `iomtctl status` text.
    func degradedFinding(_ lab: GatewayScenario) async throws -> (doctor: [String: Any]?, status: String) {
        let (_, output) = try await LabHarness.run("iomtctl", ["doctor", "--config", lab.configPath, "--socket", lab.controlSocket, "--json"])
        let document = (try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]) ?? [:]
        let finding = (document["findings"] as? [[String: Any]] ?? []).first { $0["check"] as? String == "store writes" }
        return (finding, try await LabHarness.run("iomtctl", ["status", "--socket", lab.controlSocket]).1)
    }

    func hookCalls(_ path: String) -> [[String]] {
        StoreFaultFixtures.lines(path).map { $0.split(separator: " ").map(String.init) }.filter { $0.count == 5 }
    }

    /// After the fault cleared: no new readings, the backlog drained, the daemon stopped; every reading the store
    /// acknowledged is at DOM once, and what waited in memory during the fault is among them.
    func expectEverythingDeliveredOnce(_ lab: GatewayScenario, faultFrom: Date, faultUntil: Date) async throws {
        await LabHarness.stop(lab.simulator!)
        let drained = await LabHarness.waitUntil(seconds: 60) { await lab.storeBacklog() == 0 }
        #expect(drained, "backlog not drained\n\(lab.logs())")
        await LabHarness.stop(lab.daemon!)
        let (rows, stats) = try await lab.storeSnapshot()
        let atDOM = await lab.domObservations()
        let identifiers = atDOM.compactMap { (($0["identifier"] as? [[String: Any]])?.first?["value"]) as? String }
        #expect(Set(identifiers).count == atDOM.count, "an Observation is at DOM twice")
        #expect(atDOM.count == rows.count, "at DOM \(atDOM.count), acknowledged \(rows.count)")
        #expect(stats.delivered == rows.count && stats.quarantined == 0, "\(stats)")
        let during = rows.filter { $0.observation.receivedAt.millisecondsSinceEpoch > Int64(faultFrom.timeIntervalSince1970 * 1000) + 1500
            && $0.observation.receivedAt.millisecondsSinceEpoch < Int64(faultUntil.timeIntervalSince1970 * 1000) - 1500 }
        #expect(!during.isEmpty, "no reading taken during the fault was stored afterwards")
        let alerts = try await Store(path: lab.storePath).alerts(limit: 100)
        #expect(alerts.contains { $0.event.ruleId == "spo2-critical" && $0.event.readingNotStored }, "the alarm raised during the fault was not stored")
        #expect(alerts.contains { $0.event.ruleId == "store-unwritable" })
    }

    @Test func startsDegradedOnAReadOnlyStoreAndCommitsEverythingOnceItIsWritable() async throws {
        let (lab, state, hookOutput) = try await scenario("degraded-ro", mountOptions: "size=8m")
        try await withAsyncCleanup({ await lab.stopAll(); await StoreFaultFixtures.unmount(state) }) {
            // A store from an earlier run, then the file system goes read-only (as ext4 does after an I/O error):
            // SQLite would open the file read-only, and such a connection never writes again, even after a remount.
            do { _ = try Store(path: lab.storePath) }
            let (remounted, remountOutput) = try await LabHarness.runProgram("/bin/mount", ["-o", "remount,ro", state])
            #expect(remounted == 0, "\(remountOutput)")
            #expect(try await lab.startPeers(simulator: ["--generation", "v46", "--script", "dip"]))
            let start = Date()
            try lab.startDaemon()

            // Up and reading on a read-only state directory: status says so, and the hook hears both alarms.
            let degraded = await LabHarness.waitUntil(seconds: 20) { await storeStatus(lab)?["writable"] as? Bool == false }
            #expect(degraded, "iomtd did not report a degraded store (running: \(lab.daemon!.isRunning))\n\(lab.logs())")
            let alarmed = await LabHarness.waitUntil(seconds: 50) {
                hookCalls(hookOutput).contains { $0[1] == "spo2-critical" && $0[2] == "no" } && hookCalls(hookOutput).contains { $0[1] == "store-unwritable" }
            }
            #expect(alarmed, "the exec hook did not hear the desaturation and store-unwritable: \(StoreFaultFixtures.lines(hookOutput))\n\(lab.logs())")
            #expect(lab.daemon!.isRunning)
            let waiting = await storeStatus(lab)?["readingsWaiting"] as? Int ?? 0
            let waitingStatus = await status(lab)
            #expect(waiting > 0, "\(waitingStatus)")
            #expect(await lab.domObservationCount() == 0)
            let (finding, human) = try await degradedFinding(lab)
            let detail = finding?["detail"] as? String ?? "", fix = finding?["fix"] as? String ?? ""
            #expect(finding?["status"] as? String == "problem", "\(String(describing: finding))")
            #expect(detail.contains("reading(s)"), "\(detail)")
            #expect(fix.contains("read-write") || fix.contains("state directory"), "\(fix)")
            #expect(human.contains("DEGRADED, the store cannot write"), "\(human)")

            let (status, output) = try await LabHarness.runProgram("/bin/mount", ["-o", "remount,rw", state])
            #expect(status == 0, "\(output)")
            let writableAt = Date()
            let recovered = await LabHarness.waitUntil(seconds: 30) {
                let store = await storeStatus(lab)
                return store?["writable"] as? Bool == true && store?["readingsWaiting"] as? Int == 0
            }
            #expect(recovered, "the store was not opened after the remount\n\(lab.logs())")
            print("degraded-ro: \(waiting) reading(s) waited in memory; store opened \(String(format: "%.1f", Date().timeIntervalSince(writableAt))) s after the remount, \(String(format: "%.0f", writableAt.timeIntervalSince(start))) s after start")
            try await expectEverythingDeliveredOnce(lab, faultFrom: start, faultUntil: writableAt)
            #expect(hookCalls(hookOutput).filter { $0[1] == "spo2-critical" && $0[3] == "fired" }.count == 1, "one alarm for the one episode")
            #expect(!lab.logs().contains("44051401359"))
        }
    }

    @Test func aDiskFillingUpDuringADesaturationStillAlarmsAndLosesNothing() async throws {
        let (lab, state, hookOutput) = try await scenario("degraded-full", mountOptions: "size=4m")
        try await withAsyncCleanup({ await lab.stopAll(); await StoreFaultFixtures.unmount(state) }) {
            #expect(try await lab.startPeers(simulator: ["--generation", "v46", "--script", "dip"]))
            try lab.startDaemon()
            #expect(await LabHarness.waitUntil(seconds: 20) { (await lab.domObservationCount() ?? 0) >= 3 }, "\(lab.logs())")

            try await StoreFaultFixtures.fill(state)
            let fullAt = Date()
            // An episode that starts while the disk is full: its alarm says the reading was not stored.
            let alarmed = await LabHarness.waitUntil(seconds: 60) { hookCalls(hookOutput).contains { $0[1] == "spo2-critical" && $0[2] == "no" } }
            #expect(alarmed, "no alarm while the disk was full: \(StoreFaultFixtures.lines(hookOutput))\n\(lab.logs())")
            let degraded = await LabHarness.waitUntil(seconds: 10) { await storeStatus(lab)?["writable"] as? Bool == false }
            let degradedStatus = await status(lab)
            #expect(degraded, "\(degradedStatus)")
            let problem = await storeStatus(lab)?["problem"] as? String ?? ""
            #expect(problem.contains("full") || problem.contains("FULL"), "\(problem)")
            #expect(hookCalls(hookOutput).contains { $0[1] == "store-unwritable" })
            let (finding, human) = try await degradedFinding(lab)
            let detail = finding?["detail"] as? String ?? "", fix = finding?["fix"] as? String ?? ""
            #expect(detail.contains("(full)"), "\(detail)")
            #expect(fix.contains("free space"), "\(fix)")
            #expect(human.contains("DEGRADED"), "\(human)")
            if let call = hookCalls(hookOutput).first(where: { $0[1] == "spo2-critical" && $0[2] == "no" }), let heard = Double(call[0]),
               let observed = Instant(iso8601: call[4]) {
                print("degraded-full: reading time → exec hook \(Int(heard * 1000) - Int(observed.millisecondsSinceEpoch)) ms while the disk was full")
            }

            try FileManager.default.removeItem(atPath: state + "/filler")
            let freedAt = Date()
            let recovered = await LabHarness.waitUntil(seconds: 30) {
                let store = await storeStatus(lab)
                return store?["writable"] as? Bool == true && store?["readingsWaiting"] as? Int == 0
            }
            #expect(recovered, "deferred readings not committed after space returned\n\(lab.logs())")
            try await expectEverythingDeliveredOnce(lab, faultFrom: fullAt, faultUntil: freedAt)
        }
    }
}
