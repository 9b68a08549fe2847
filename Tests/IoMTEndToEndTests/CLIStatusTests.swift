import Foundation
import IoMTCore
import IoMTStore
import Testing

/// `iomtctl status`, `metrics` and `quarantine list` against a real store file with known contents.
@Suite struct CLIStatusTests {
    static let patient = "44051401359"

    /// 5 readings: 2 delivered, 2 pending after a 503 each, 1 quarantined with the server's reason.
    func knownStore() async throws -> String {
        let directory = try LabHarness.temporaryDirectory("cli-status")
        let path = directory.appendingPathComponent("iomtd.sqlite").path
        let clock = ManualClock()
        let store = try Store(path: path, clock: clock)
        let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+",
                                    serialNumber: "SN-CLI", portPath: "/dev/ttyUSB0")
        let observations = (0..<5).map { index -> Observation in
            let time = clock.now().adding(milliseconds: Int64(index) * 1000)
            return Observation(type: .spo2, value: DecimalValue(95 + index), unit: "%", receivedAt: time, correctedTime: time,
                               device: device, patientId: Self.patient, rawFrame: [0x80])
        }
        let ids = try await store.append(observations)
        try await store.markDelivered([ids[0], ids[1]], destination: "dom", at: clock.now().adding(milliseconds: 10_000))
        try await store.recordFailure([ids[2], ids[3]], destination: "dom", kind: "http-503", message: "HTTP 503", at: clock.now())
        try await store.quarantine([ids[4]], destination: "dom", reason: "HTTP 422: entry[2] Observation.code is required (subject \(Self.patient))", at: clock.now())
        try await store.checkpoint()
        return path
    }

    @Test func statusShowsTheQueue() async throws {
        let path = try await knownStore()
        let (status, text) = try await LabHarness.run("iomtctl", ["status", "--db", path])
        #expect(status == 0, "\(text)")
        #expect(text.contains("backlog:             2 reading(s)"))
        #expect(text.contains("oldest undelivered:  2025-11-23T12:13:22"))
        #expect(text.contains("last success:        2025-11-23T12:13:30"))
        #expect(text.contains("quarantined:         1"))
        #expect(text.contains("failures:            http-503 2"))

        let (jsonStatus, jsonText) = try await LabHarness.run("iomtctl", ["status", "--state-dir", URL(fileURLWithPath: path).deletingLastPathComponent().path, "--json"])
        #expect(jsonStatus == 0)
        let json = try JSONSerialization.jsonObject(with: Data(jsonText.utf8)) as? [String: Any]
        #expect(json?["backlog"] as? Int == 2)
        #expect(json?["delivered"] as? Int == 2)
        #expect(json?["quarantined"] as? Int == 1)
        #expect((json?["failuresByKind"] as? [String: Int]) == ["http-503": 2])
        #expect(json?["lastSuccess"] as? String == "2025-11-23T12:13:30.000Z")
    }

    /// A gateway that forwards to DOM and a broker keeps two queues; offline status, metrics and quarantine list read
    /// the one asked for (every one, for metrics) — before, they read only `dom` and a broker-only store looked empty.
    @Test func everyDeliveryQueueOfTheStoreIsReadable() async throws {
        let directory = try LabHarness.temporaryDirectory("cli-status-queues")
        let path = directory.appendingPathComponent("iomtd.sqlite").path
        let clock = ManualClock()
        do {
            let store = try Store(path: path, configuration: StoreConfiguration(destinations: ["mqtt"]), clock: clock)
            let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+",
                                        serialNumber: "SN-MQ", portPath: "/dev/ttyUSB0")
            let ids = try await store.append((0..<3).map { index in
                let time = clock.now().adding(milliseconds: Int64(index) * 1000)
                return Observation(type: .spo2, value: DecimalValue(95), unit: "%", receivedAt: time, correctedTime: time,
                                   device: device, patientId: Self.patient, rawFrame: [0x80])
            })
            try await store.markDelivered([ids[0]], destination: "mqtt", at: clock.now())
            try await store.quarantine([ids[1]], destination: "mqtt", reason: "broker refused the payload", at: clock.now())
            try await store.checkpoint()
        }
        let (status, text) = try await LabHarness.run("iomtctl", ["status", "--db", path, "--json"])
        #expect(status == 0, "\(text)")
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(json?["destination"] as? String == "mqtt", "the store's only queue, not an empty dom one")
        #expect(json?["destinations"] as? [String] == ["mqtt"])
        #expect((json?["backlog"] as? Int, json?["delivered"] as? Int, json?["quarantined"] as? Int) == (1, 1, 1))

        let (listed, listing) = try await LabHarness.run("iomtctl", ["quarantine", "list", "--db", path])
        #expect(listed == 0 && listing.contains("broker refused the payload"), "\(listing)")
        let (unknown, unknownText) = try await LabHarness.run("iomtctl", ["status", "--db", path, "--destination", "dom"])
        #expect(unknown == 2 && unknownText.contains("--destination: expected one of mqtt"), "\(unknownText)")

        let (metrics, exposition) = try await LabHarness.run("iomtctl", ["metrics", "--db", path])
        #expect(metrics == 0)
        #expect(exposition.split(separator: "\n").contains("iomtd_backlog_readings{destination=\"mqtt\"} 1"))
        #expect(exposition.components(separatedBy: "# TYPE iomtd_backlog_readings ").count == 2, "each metric is named once")
    }

    @Test func metricsArePrometheusText() async throws {
        let path = try await knownStore()
        let (status, text) = try await LabHarness.run("iomtctl", ["metrics", "--db", path])
        #expect(status == 0, "\(text)")
        let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(samples.contains("iomtd_backlog_readings{destination=\"dom\"} 2"))
        #expect(samples.contains("iomtd_last_success_timestamp_seconds{destination=\"dom\"} 1763900010"))
        #expect(samples.contains("iomtd_delivery_failures_total{destination=\"dom\",kind=\"http-503\"} 2"))
        #expect(samples.contains("iomtd_quarantined_readings{destination=\"dom\"} 1"))
        #expect(samples.contains("iomtd_delivered_readings_retained{destination=\"dom\"} 2"))
        #expect(samples.contains { $0.hasPrefix("iomtd_oldest_undelivered_age_seconds{destination=\"dom\"} ") })
        // Every sample has a HELP and TYPE line for its metric.
        for sample in samples {
            let name = sample.prefix { $0 != "{" && $0 != " " }
            #expect(text.contains("# TYPE \(name) "), "\(name)")
        }
    }

    @Test func quarantineListShowsTheReasonWithoutThePatient() async throws {
        let path = try await knownStore()
        let (status, text) = try await LabHarness.run("iomtctl", ["quarantine", "list", "--db", path])
        #expect(status == 0, "\(text)")
        #expect(text.contains("Observation.code is required"))
        #expect(text.contains("1 quarantined reading(s)"))
        #expect(!text.contains(Self.patient))
        let (_, shown) = try await LabHarness.run("iomtctl", ["quarantine", "list", "--db", path, "--show-patient"])
        #expect(shown.contains("patient=\(Self.patient)"))
        let (jsonStatus, jsonText) = try await LabHarness.run("iomtctl", ["quarantine", "list", "--db", path, "--json"])
        #expect(jsonStatus == 0)
        #expect(!jsonText.contains(Self.patient))
        let json = try JSONSerialization.jsonObject(with: Data(jsonText.utf8)) as? [String: Any]
        let items = json?["quarantined"] as? [[String: Any]] ?? []
        #expect(items.count == 1)
        #expect((items.first?["reason"] as? String)?.hasPrefix("HTTP 422: entry[2] Observation.code is required") == true)
    }

    @Test func missingStoreAndBadUsageExitClearly() async throws {
        for command in [["status"], ["metrics"], ["quarantine", "list"]] {
            let (status, text) = try await LabHarness.run("iomtctl", command + ["--db", "/nonexistent/iomtd.sqlite"])
            #expect(status == 1, "\(command): \(text)")
            #expect(text.contains("no store at /nonexistent/iomtd.sqlite"))
            #expect(!FileManager.default.fileExists(atPath: "/nonexistent/iomtd.sqlite"))
        }
        #expect(try await LabHarness.run("iomtctl", ["status", "--db", "a", "--state-dir", "b"]).0 == 2)
        #expect(try await LabHarness.run("iomtctl", ["status", "--verbose"]).0 == 2)
        #expect(try await LabHarness.run("iomtctl", ["quarantine", "purge"]).0 == 2)
    }
    /// A writer (iomtd's Store) holds the file with rows committed to the WAL only; status must see them,
    /// change nothing and create nothing; once the writer has gone, status still creates no -wal/-shm.
    @Test func statusOpensTheStoreReadOnlyBesideAWriter() async throws {
        let path = try await knownStore()
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            let writer = try Store(path: path)
            let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+",
                                        serialNumber: "SN-CLI-2", portPath: "/dev/ttyUSB1")
            let now = SystemClock().now()
            _ = try await writer.append((0..<3).map { index in
                Observation(type: .spo2, value: DecimalValue(90 + index), unit: "%", receivedAt: now, correctedTime: now,
                            device: device, patientId: Self.patient, rawFrame: [0x80])
            })
            let filesBefore = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(filesBefore.contains("iomtd.sqlite-wal"), "the writer keeps its rows in the WAL")
            let mainBefore = try Data(contentsOf: URL(fileURLWithPath: path))
            let (status, text) = try await LabHarness.run("iomtctl", ["status", "--db", path, "--json"])
            #expect(status == 0, "\(text)")
            let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            #expect(json?["backlog"] as? Int == 5, "2 pending + 3 rows only in the WAL")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == filesBefore)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == mainBefore, "the main file is untouched")
            // The writer still writes after the reader left (the reader held no lock it kept).
            try await writer.markDelivered([1], destination: "dom", at: now)
            _ = writer
        }
        let filesWithoutWriter = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(!filesWithoutWriter.contains("iomtd.sqlite-wal"), "a clean close removes the WAL")
        let (status, text) = try await LabHarness.run("iomtctl", ["status", "--db", path, "--json"])
        #expect(status == 0, "\(text)")
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(json?["backlog"] as? Int == 5)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == filesWithoutWriter, "no -wal/-shm created")
    }

    @Test func statusRefusesAFileThatIsNotAStore() async throws {
        let directory = try LabHarness.temporaryDirectory("cli-status-empty")
        let path = directory.appendingPathComponent("iomtd.sqlite").path
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        let (status, text) = try await LabHarness.run("iomtctl", ["status", "--db", path])
        #expect(status == 1, "\(text)")
        #expect(text.contains("schema version 0"), "\(text)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["iomtd.sqlite"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty, "not migrated into a store")
    }
}
