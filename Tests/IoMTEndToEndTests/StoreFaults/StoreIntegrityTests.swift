import Foundation
import IoMTCore
import IoMTStore
import IoMTTestSupport
import Testing

/// Issue 11.6: a corrupt store at start is moved aside (kept) and a new one started, with a technical alarm,
/// the daemon up; `iomtctl store check` tells a healthy file from a damaged one; `store recover` copies rows out.
@Suite(.serialized) struct StoreIntegrityTests {
    @Test func aCorruptStoreAtStartIsMovedAsideAndTheDaemonRunsWithATechnicalAlarm() async throws {
        try await withGatewayScenario("store-corrupt") { lab in
            #expect(try await lab.startPeers(simulator: ["--generation", "legacy"]))
            let rules = lab.directory.appendingPathComponent("rules.json")
            try #"{"version": "e2e-store", "rules": [{"id": "store-replaced", "kind": "technical", "condition": "store-replaced", "priority": "medium"}]}"#
                .write(to: rules, atomically: true, encoding: .utf8)
            try lab.writeConfiguration(alertsExtra: #", "rulesFile": "\#(rules.path)""#)
            try FileManager.default.createDirectory(atPath: (lab.storePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let garbage = Data(repeating: 0x5A, count: 8192)
            try garbage.write(to: URL(fileURLWithPath: lab.storePath))
            try lab.startDaemon()
            let alarmed = await LabHarness.waitUntil(seconds: 30) { LabHarness.readLog(lab.alertsFile).contains("store-replaced") }
            #expect(alarmed, "no store-replaced alarm\n\(lab.logs())")
            #expect(lab.daemon?.isRunning == true, "iomtd exited\n\(lab.logs())")
            let stateDirectory = (lab.storePath as NSString).deletingLastPathComponent
            let aside = try FileManager.default.contentsOfDirectory(atPath: stateDirectory).filter { $0.hasPrefix("iomtd.sqlite.corrupt-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
            #expect(aside.count == 1)
            if let name = aside.first { #expect(try Data(contentsOf: URL(fileURLWithPath: stateDirectory + "/" + name)) == garbage) }
            #expect(StoreIntegrity.check(path: lab.storePath).healthy)
        }
    }

    @Test func storeCheckPassesAHealthyStoreAndFailsADamagedOne() async throws {
        let directory = try LabHarness.temporaryDirectory("store-check")
        let healthy = directory.appendingPathComponent("healthy.sqlite").path
        do {
            let store = try Store(path: healthy)
            let time = Instant(millisecondsSinceEpoch: 1_763_900_000_000)
            _ = try await store.append([StoreFaultFixtures.lowSpO2(97, at: time)])
            try await store.checkpoint()
        }
        let (okStatus, okText) = try await LabHarness.run("iomtctl", ["store", "check", "--db", healthy, "--json"])
        #expect(okStatus == 0, "\(okText)")
        let report = try JSONSerialization.jsonObject(with: Data(okText.utf8)) as? [String: Any] ?? [:]
        #expect(report["healthy"] as? Bool == true)
        #expect((report["counts"] as? [String: Any])?["readings"] as? Int == 1)

        // Damage: overwrite the second page (the schema says where tables live; their pages become garbage).
        let damaged = directory.appendingPathComponent("damaged.sqlite").path
        try FileManager.default.copyItem(atPath: healthy, toPath: damaged)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: damaged))
        try handle.seek(toOffset: 4096)
        handle.write(Data(repeating: 0xA5, count: 4096 * 3))
        try handle.close()
        let (badStatus, badText) = try await LabHarness.run("iomtctl", ["store", "check", "--db", damaged])
        #expect(badStatus == 1, "\(badText)")
        #expect(badText.contains("PROBLEMS FOUND"))

        let notADatabase = directory.appendingPathComponent("text.sqlite").path
        try "not a database".write(toFile: notADatabase, atomically: true, encoding: .utf8)
        #expect(try await LabHarness.run("iomtctl", ["store", "check", "--db", notADatabase]).0 == 1)
    }

    @Test func storeRecoverCopiesTheReadableRowsIntoANewStore() async throws {
        let directory = try LabHarness.temporaryDirectory("store-recover")
        let source = directory.appendingPathComponent("old.sqlite").path
        do {
            let store = try Store(path: source)
            let time = Instant(millisecondsSinceEpoch: 1_763_900_000_000)
            for index in 0..<20 { _ = try await store.append([StoreFaultFixtures.lowSpO2(90 + index % 10, at: time.adding(milliseconds: Int64(index) * 1000))]) }
            try await store.checkpoint()
        }
        let target = directory.appendingPathComponent("new.sqlite").path
        let (status, text) = try await LabHarness.run("iomtctl", ["store", "recover", "--from", source, "--to", target])
        #expect(status == 0, "\(text)")
        let recovered = try Store(path: target)
        #expect(try await recovered.pending(destination: "dom", limit: 100).count == 20)
        #expect(try await LabHarness.run("iomtctl", ["store", "recover", "--from", source, "--to", target]).0 == 2) // never overwrites
    }
}
