import Foundation
import IoMTCore
import IoMTLab
import IoMTStore
import IoMTTestSupport
import Synchronization
import Testing

/// Simulated CMS50s → the real iomtd with only an `mqtt` destination → Debian's mosquitto (persistence on) →
/// a subscriber with a persistent session. The broker is SIGKILLed and restarted several times while readings
/// stream in and while the backlog drains: every stored reading reaches the subscriber, none is lost.
@Suite(.serialized, .timeLimit(.minutes(6))) struct MQTTBrokerEndToEndTests {
    static let prefix = "iomt/e2e"
    static let systemId = "0A1B2C3D4E5F6071"

    /// Debian's mosquitto, or a failure under CI=true; elsewhere nil (the test says so and returns).
    static func broker() async throws -> MosquittoBroker? {
        if !MosquittoBroker.isInstalled, ProcessInfo.processInfo.environment["CI"] != "true" {
            print("MQTTBrokerEndToEndTests: mosquitto missing (apt-get install mosquitto); not run outside CI")
            return nil
        }
        return try await MosquittoBroker()
    }

    func writeConfiguration(directory: URL, devicePath: String, devices: Int, brokerURL: String) throws -> String {
        let paths = (1...devices).map { "{\"profile\": \"contec-cms50d-plus\", \"path\": \"\(devicePath)-\($0)\", \"serialNumber\": \"MQ-\($0)\"}" }
        let path = directory.appendingPathComponent("iomtd.json").path
        // No `dom` section: the broker is the only destination.
        try """
            {
              "stateDirectory": "\(directory.appendingPathComponent("state").path)",
              "profilesDirectory": "\(LabHarness.repositoryRoot.appendingPathComponent("DeviceProfiles").path)",
              "gateway": {"systemId": "\(Self.systemId)", "serialNumber": "E2E-MQTT"},
              "patient": {"pesel": "44051401359"},
              "control": {"socketPath": "\(directory.appendingPathComponent("control.sock").path)"},
              "hotplug": {"enabled": false},
              "devices": [\(paths.joined(separator: ", "))],
              "alerts": {"rules": [{"id": "spo2-watch", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": 98, "priority": "medium"}]},
              "mqtt": {"url": "\(brokerURL)", "topicPrefix": "\(Self.prefix)", "batchSize": 2, "timeoutMs": 3000}
            }
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Undelivered readings for "mqtt", read beside the running daemon (read-only, as iomtctl does).
    func backlog(_ storePath: String) async -> Int? {
        guard let store = try? Store(readOnlyPath: storePath, configuration: StoreConfiguration(destinations: ["mqtt"])) else { return nil }
        return try? await store.stats(destination: "mqtt").backlog
    }

    @Test func brokerStoppedMidStreamAndMidDrainLosesNoReading() async throws {
        guard let broker = try await Self.broker() else { return }
        let directory = try LabHarness.temporaryDirectory("mqtt-broker")
        defer { try? FileManager.default.removeItem(at: directory) }
        let devicePath = directory.appendingPathComponent("ttyCMS50").path
        let storePath = directory.appendingPathComponent("state/iomtd.sqlite").path
        var processes: [Process] = []
        try await withAsyncCleanup({ for process in processes { await LabHarness.stop(process, signal: SIGKILL) } }) {

            let recorder = try BrokerRecorder(url: broker.url, clientId: "e2e-subscriber", filter: "\(Self.prefix)/+/#")
            try await recorder.start()
            // The subscriber's session must be on disk before the first SIGKILL, or the broker forgets it.
            #expect(await LabHarness.waitUntil(seconds: 30) { broker.hasSavedState }, "mosquitto wrote no persistence file")

            let simulator = try LabHarness.launch("iomt-lab", ["sim", "cms50", "--generation", "legacy", "--script", "steady", "--count", "4", "--link", devicePath],
                                                  log: directory.appendingPathComponent("simulator.log"))
            processes.append(simulator)
            #expect(await LabHarness.waitUntil(seconds: 30) { FileManager.default.fileExists(atPath: devicePath + "-4") })
            let config = try writeConfiguration(directory: directory, devicePath: devicePath, devices: 4, brokerURL: broker.url)
            let daemon = try LabHarness.launch("iomtd", ["--config", config], log: directory.appendingPathComponent("iomtd.log"))
            processes.append(daemon)
            func logs() -> String {
                LabHarness.readLog(directory.appendingPathComponent("iomtd.log")).suffix(4000) + "\n" + broker.log.suffix(2000)
            }
            #expect(await LabHarness.waitUntil(seconds: 60) { recorder.snapshot.statuses.contains("online") && recorder.snapshot.identifiers.count >= 8 },
                    "no readings reached the subscriber\n\(logs())")

            // Mid-stream: the broker stopped and restarted as soon as 6 more readings arrived since the last restart, 3 times.
            // SIGTERM, as systemd stops it: mosquitto 2.0.11 SIGKILLed loses messages it had already acknowledged
            // (measured: 10 of 600, and more under load — docs/mqtt-uplink.md), a broker property no publisher can close,
            // so a SIGKILL could not tell a gateway bug from a broker loss here.
            var kills = 0
            for _ in 0..<3 {
                let start = recorder.snapshot.identifiers.count
                let killed = await LabHarness.waitUntil(seconds: 60) { recorder.snapshot.identifiers.count >= start + 6 }
                #expect(killed, "delivery did not resume after kill \(kills)\n\(logs())")
                try await broker.restart()
                kills += 1
            }

            // Mid-drain: broker down while readings pile up, devices stopped, broker back; killed again when the
            // drain has delivered a few batches, with readings still waiting.
            let beforeOutage = await backlog(storePath) ?? 0
            await broker.stop()
            #expect(await LabHarness.waitUntil(seconds: 60) { (await backlog(storePath) ?? 0) >= beforeOutage + 40 }, "no backlog built up\n\(logs())")
            await LabHarness.stop(simulator)
            let drainStart = recorder.snapshot.identifiers.count
            let killedMidDrain = Mutex(false)
            recorder.setObserver { record in
                guard record.identifiers.count >= drainStart + 4 else { return }
                let first = killedMidDrain.withLock { done in defer { done = true }; return !done }
                if first { broker.stopBlocking() } // on libmosquitto's network thread, before the PUBACK
            }
            try await broker.start()
            #expect(await LabHarness.waitUntil(seconds: 60) { killedMidDrain.withLock { $0 } }, "the drain did not start\n\(logs())")
            recorder.setObserver(nil)
            let waitingAtKill = await backlog(storePath) ?? 0
            #expect(waitingAtKill > 0, "the kill should land mid-drain")
            try await broker.start()
            kills += 2

            #expect(await LabHarness.waitUntil(seconds: 120) { await backlog(storePath) == 0 }, "backlog did not drain\n\(logs())")
            // Every PUBACKed reading reaches the subscriber (it may take the broker a moment to hand over what it queued).
            let rows = try await Store(readOnlyPath: storePath, configuration: StoreConfiguration(destinations: ["mqtt"])).recent(limit: 1_000_000)
            let allArrived = await LabHarness.waitUntil(seconds: 60) { recorder.snapshot.identifiers.count >= rows.count }

            // The steady simulator's SpO2 97 fires the rule: the alert reaches …/alerts through the daemon's mqtt channel.
            #expect(await LabHarness.waitUntil(seconds: 60) { !recorder.snapshot.alerts.isEmpty }, "no alert on the alerts topic\n\(logs())")

            // Last Will: a gateway that dies without DISCONNECT is announced offline by the broker.
            await LabHarness.stop(daemon, signal: SIGKILL)
            #expect(await LabHarness.waitUntil(seconds: 60) { recorder.snapshot.statuses.last == "offline" }, "no Last Will\n\(logs())")

            let store = try Store(path: storePath, configuration: StoreConfiguration(destinations: ["mqtt"]))
            let stored = try await store.recent(limit: 1_000_000)
            let stats = try await store.stats(destination: "mqtt")
            let record = recorder.snapshot
            await recorder.stop()
            #expect(kills == 5)
            #expect(stats.backlog == 0 && stats.delivered == stored.count, "\(stats)")
            // Every PUBACKed reading reached the subscriber (issue 17: it logs in with a username, see BrokerRecorder).
            #expect(allArrived, "subscriber has \(record.identifiers.count) of \(rows.count)")
            #expect(record.identifiers.count == stored.count,
                    "distinct PHD identifiers \(record.identifiers.count), stored rows \(stored.count), entries received \(record.observationEntries)")
            #expect(stored.count >= 60)
            // No patient identifier in any topic or log line.
            #expect(!LabHarness.readLog(directory.appendingPathComponent("iomtd.log")).contains("44051401359"))
        }
    }
}
