import Foundation
import IoMTCore
import IoMTStore
import Testing

/// Alert acknowledgements and silences and quarantine requeues go through the running iomtd, which records them on
/// its own store connection; iomtctl never opens the store for writing, and without a daemon it refuses, loudly.
@Suite(.serialized) struct ControlledActionsTests {
    static let patient = "44051401359"

    /// One stored high-priority alert (#1) and five readings: two delivered, two pending, one quarantined by DOM.
    static func seed(_ path: String) async throws {
        let clock = ManualClock()
        let store = try Store(path: path, clock: clock)
        let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "SN-ACT")
        let observations = (0..<5).map { index -> Observation in
            let time = clock.now().adding(milliseconds: Int64(index) * 1000)
            return Observation(type: .spo2, value: DecimalValue(85 + index), unit: "%", receivedAt: time, correctedTime: time,
                               device: device, patientId: patient, rawFrame: [0x80])
        }
        let ids = try await store.append(observations)
        try await store.markDelivered([ids[0], ids[1]], destination: "dom", at: clock.now())
        try await store.quarantine([ids[4]], destination: "dom", reason: "HTTP 422: entry[0] Observation.code is required", at: clock.now())
        _ = try await store.insertAlert(AlertEvent(
            ruleId: "spo2-critical", ruleSetHash: "f08d7acbaebf8178", priority: .high, condition: "below", measurement: "MDC_PULS_OXIM_SAT_O2",
            value: DecimalValue(85), unit: "%", threshold: DecimalValue(88), patientId: patient, deviceKey: device.key,
            observedAt: clock.now(), createdAt: clock.now(), observationId: ids[0],
            message: "MDC_PULS_OXIM_SAT_O2 85 % below 88 for 15 s (rule spo2-critical, high priority)",
            episode: "spo2-critical/\(device.key)/\(clock.now().millisecondsSinceEpoch)", ruleSetVersion: "default-2026-11-23.1", inputs: "[]",
            interpretation: "LL"))
        try await store.checkpoint()
    }

    func json(_ text: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func ackSilenceAndRequeueAreRecordedByTheRunningDaemon() async throws {
        try await withGatewayScenario("control-actions") { lab in
            try FileManager.default.createDirectory(atPath: lab.directory.appendingPathComponent("state").path, withIntermediateDirectories: true)
            try await Self.seed(lab.storePath)
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy", "--script", "steady"]))
            try lab.writeConfiguration()
            try lab.startDaemon()
            let ctl = { (arguments: [String]) async throws -> (Int32, String) in try await LabHarness.run("iomtctl", arguments + ["--socket", lab.controlSocket]) }
            let up = await LabHarness.waitUntil(seconds: 20) { (try? await ctl(["status"]))?.0 == 0 }
            #expect(up, "\(lab.logs())")

            let (ackStatus, acked) = try await ctl(["alerts", "ack", "1"])
            #expect(ackStatus == 0, "\(acked)")
            #expect(acked.contains("alert #1 acknowledged") && acked.contains("by uid \(getuid())"))
            let (silenceStatus, silenced) = try await ctl(["alerts", "silence", "#1", "--for", "15m"])
            #expect(silenceStatus == 0, "\(silenced)")
            #expect(try await ctl(["alerts", "silence", "1", "--for", "2d"]).0 == 2)
            let (missingStatus, missing) = try await ctl(["alerts", "ack", "99"])
            #expect(missingStatus == 1 && missing.contains("no alert #99"), "\(missing)")

            // What the daemon recorded, read back read-only from its store file.
            let (listStatus, listed) = try await LabHarness.run("iomtctl", ["alerts", "list", "--db", lab.storePath, "--json"])
            #expect(listStatus == 0, "\(listed)")
            let alert = (json(listed) as? [[String: Any]])?.first
            #expect(((alert?["acknowledged"] as? [String: Any])?["by"] as? String)?.hasPrefix("uid \(getuid())") == true)
            #expect(alert?["silencedUntil"] as? String != nil)
            #expect(alert?["interpretation"] as? String == "LL")
            let store = try Store(readOnlyPath: lab.storePath)
            #expect(try await store.alertActions(after: 0).map(\.kind) == [.acknowledge, .silence])
            let audit = try await store.auditLog(limit: 20)
            #expect(audit.filter { $0.2.hasPrefix("alert-") }.map(\.2) == ["alert-silence", "alert-acknowledge"])
            #expect(audit.filter { $0.2.hasPrefix("alert-") }.allSatisfy { $0.1 == "uid \(getuid())" })
            #expect(lab.logs().contains("control: uid \(getuid()) recorded acknowledge of alert #1"))

            // The way back from quarantine, through the daemon: the row leaves quarantine and reaches DOM.
            #expect(try await ctl(["quarantine", "requeue"]).0 == 2)
            #expect(try await ctl(["quarantine", "requeue", "all", "--id", "5"]).0 == 2)
            let (requeueStatus, requeued) = try await ctl(["quarantine", "requeue", "--reason", "Observation.code"])
            #expect(requeueStatus == 0, "\(requeued)")
            #expect(requeued.contains("1 quarantined reading(s) put back in the delivery queue by uid \(getuid())"))
            #expect(try await store.stats(destination: "dom").quarantined == 0)
            let requeueAudit = try await store.auditLog(limit: 50).filter { $0.2 == "requeue" }
            #expect(requeueAudit.count == 1 && requeueAudit.first?.1 == "uid \(getuid())")
        }
    }

    @Test func withoutADaemonActionsAreRefusedAndTheStoreIsUntouched() async throws {
        let directory = try LabHarness.temporaryDirectory("control-actions-offline")
        let path = directory.appendingPathComponent("iomtd.sqlite").path
        try await Self.seed(path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let filesBefore = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        let socket = directory.appendingPathComponent("control.sock").path
        for arguments in [["alerts", "ack", "1"], ["alerts", "silence", "1", "--for", "15m"], ["quarantine", "requeue", "all"]] {
            // The socket through the environment, so the command line is the one that wrote the store offline before.
            let (status, output) = try await LabHarness.runProgram(LabHarness.binDirectory.appendingPathComponent("iomtctl").path, arguments + ["--db", path],
                                                             environment: ["IOMTD_CONTROL_SOCKET": socket])
            #expect(status == 1, "\(arguments): \(output)")
            #expect(output.contains("iomtd is not reachable"), "\(output)")
            #expect(output.contains("iomtctl never writes \(path)"), "\(output)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == filesBefore)
        let store = try Store(readOnlyPath: path)
        #expect(try await store.alertActions(after: 0).isEmpty)
        #expect(try await store.stats(destination: "dom").quarantined == 1)
    }
}
