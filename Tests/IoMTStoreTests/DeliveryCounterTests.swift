import Glibc
import IoMTCore
import IoMTLab
import Testing
@testable import IoMTStore

/// `delivery_counts` (migration 13) against a fresh count(*) after every kind of transition a delivery row goes
/// through, after a SIGKILL, and `stats` reading them without visiting rows (issue 11, item 5: O(1) counters).
@Suite("Delivery counters")
struct DeliveryCounterTests {
    static let childDatabaseVariable = "IOMT_COUNTERS_CHILD_DB"
    static let progressDescriptor: Int32 = 3
    let now = Instant(millisecondsSinceEpoch: 1_763_900_040_000)

    func stream(_ index: Int, hoursAgo: Double, device: DeviceIdentity = oximeter, patient: String? = "patient-1") -> Observation {
        let time = now.adding(milliseconds: Int64(-hoursAgo * 3_600_000) + Int64(index) * 1000)
        return Observation(type: .spo2, value: DecimalValue(90 + index % 8), unit: "%", receivedAt: time, correctedTime: time,
                           device: device, patientId: patient, rawFrame: [0x80, 0x01, 0x02, 0x03, 0x04])
    }

    @Test func countersEqualACountAfterEveryKindOfTransition() async throws {
        let dir = TemporaryDirectory()
        var configuration = StoreConfiguration(deliveredRetentionMilliseconds: 86_400_000, destinations: ["dom", "backup"])
        let store = try Store(path: dir.database, configuration: configuration, clock: ManualClock(now))
        func check(_ step: String) async throws {
            let (counters, counted) = try await store.countersAndCounts()
            #expect(counters == counted, "after \(step)")
            #expect(!counted.isEmpty || step == "start")
        }
        try await check("start")
        let ids = try await store.append((0..<40).map { stream($0, hoursAgo: 30) })
        try await check("append")
        try await store.markDelivered(Array(ids[0..<10]), identifiers: [ids[0]: "identifier-0"], destination: "dom", at: now.adding(milliseconds: -26 * 3_600_000))
        try await store.markDelivered(Array(ids[0..<10]), destination: "backup", at: now.adding(milliseconds: -26 * 3_600_000))
        try await store.markDelivered([ids[0]], destination: "dom", at: now) // already delivered: no transition
        try await check("deliver")
        try await store.recordFailure(Array(ids[10..<12]), destination: "dom", kind: "timeout", message: "no answer", at: now)
        try await store.quarantine(Array(ids[10..<15]), destination: "dom", reason: "HTTP 422", at: now)
        try await check("quarantine")
        let resent = try await store.append([stream(0, hoursAgo: 30)])
        _ = try await store.setAsideDuplicates([LedgerCandidate(id: resent[0], identifier: "identifier-0")], destination: "dom", at: now)
        try await check("duplicate")
        _ = try await store.requeueQuarantined(.reason("422"), destination: "dom", actor: "uid 0", at: now)
        try await check("requeue")
        // Held (no patient) rows of a second device, released by a binding.
        _ = try await store.append((0..<5).map { stream($0, hoursAgo: 2, device: cuff, patient: nil) })
        try await check("hold")
        _ = try await store.bind(deviceKey: cuff.key, patientId: "patient-2", from: now.adding(milliseconds: -3 * 3_600_000), until: nil,
                                 releasingHeld: true, actor: "uid 0", at: now)
        try await check("reattribution")
        #expect(try await store.prune(now: now) == 10)
        try await check("retention prune")
        let delivered = try await store.append((0..<20).map { stream($0, hoursAgo: 1) })
        for destination in ["dom", "backup"] { try await store.markDelivered(delivered, destination: destination, at: now) }
        _ = try await store.append((0..<1200).map { stream($0, hoursAgo: 12) })
        // Pressure pruning and compaction: the store reopened over its bound.
        configuration.storage = StoragePolicy(maxBytes: try await store.usedBytes() * 10 / 11)
        let pressured = try Store(path: dir.database, configuration: configuration, clock: ManualClock(now))
        let report = try await pressured.relieveStoragePressure(now: now)
        #expect(report.prunedDelivered == 20 && report.summariesWritten > 0, "\(report)")
        let (counters, counted) = try await pressured.countersAndCounts()
        #expect(counters == counted, "after pressure pruning and compaction")
        let stats = try await pressured.stats(destination: "dom")
        #expect(stats.backlog == counted["dom/0"] && stats.duplicates == counted["dom/3"] && stats.delivered == (counted["dom/1"] ?? 0))
    }

    @Test func migrationCountsTheRowsAlreadyStored() async throws {
        let dir = TemporaryDirectory()
        do {
            let store = try storeFile(dir.database)
            let ids = try await store.append((0..<30).map { stream($0, hoursAgo: 1) })
            try await store.markDelivered(Array(ids[0..<7]), destination: "dom", at: now)
            try await store.quarantine(Array(ids[7..<9]), destination: "dom", reason: "HTTP 422", at: now)
            // Back to a version-12 file: no counters, no triggers, nor what later versions added (alerts.test, the journal, the track rows, the bindings' demographics, readings.binding_id and series_json).
            try await store.executeForTests("""
                DROP TRIGGER delivery_counts_insert; DROP TRIGGER delivery_counts_delete; DROP TRIGGER delivery_counts_transition;
                DROP TABLE delivery_counts; ALTER TABLE alerts DROP COLUMN test; DROP TABLE alert_engine_journal; DROP TABLE alert_engine_tracks; DROP INDEX delivery_held;
                ALTER TABLE bindings DROP COLUMN height_cm; ALTER TABLE bindings DROP COLUMN sex_at_birth; ALTER TABLE bindings DROP COLUMN birth_date;
                ALTER TABLE readings DROP COLUMN series_json; ALTER TABLE readings DROP COLUMN binding_id; PRAGMA user_version = 12
                """)
        }
        let store = try storeFile(dir.database)
        #expect(await store.schemaVersion >= 13)
        let stats = try await store.stats(destination: "dom")
        #expect((stats.backlog, stats.delivered, stats.quarantined) == (21, 7, 2))
        let (counters, counted) = try await store.countersAndCounts()
        #expect(counters == counted)
    }

    /// `iomtctl store check` (StoreIntegrity.check) recounts and reports counters that drifted from the rows.
    @Test func storeCheckReportsCountersThatDifferFromTheRows() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        let ids = try await store.append((0..<4).map { stream($0, hoursAgo: 1) })
        try await store.markDelivered([ids[0]], destination: "dom", at: now)
        #expect(StoreIntegrity.check(path: dir.database).healthy)
        try await store.executeForTests("UPDATE delivery_counts SET count = count + 2 WHERE state = 1")
        let report = StoreIntegrity.check(path: dir.database)
        #expect(!report.healthy)
        #expect(report.integrity.first?.contains("delivery_counts") == true && report.integrity.first?.contains("dom state 1 counted 3, stored 1") == true,
                "\(report.integrity)")
    }

    /// `iomtctl store recover` does not copy counters (they may be what drifted): the new store counts the rows it gets.
    @Test func recoveryCountsTheCopiedRowsAfresh() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        let ids = try await store.append((0..<4).map { stream($0, hoursAgo: 1) })
        try await store.markDelivered([ids[0]], destination: "dom", at: now)
        try await store.executeForTests("INSERT INTO delivery_counts (destination, state, count) VALUES ('dom', 2, 7)")
        try await store.checkpoint()
        let recovered = dir.path + "/recovered.sqlite"
        _ = try StoreRecovery.copyReadable(from: dir.database, to: recovered)
        #expect(StoreIntegrity.check(path: recovered).healthy, "\(StoreIntegrity.check(path: recovered).integrity)")
        let stats = try await Store(path: recovered).stats(destination: "dom")
        #expect((stats.backlog, stats.delivered, stats.quarantined) == (3, 1, 0))
    }

    /// `stats` reads counters: the work it does (SQLite VM steps) must not grow with the rows stored. Counting
    /// 20,000 delivered rows takes more than 20,000 steps; reading counters a few dozen.
    @Test func statsVisitsNoRows() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        for chunk in 0..<20 {
            let ids = try await store.append((0..<1000).map { stream(chunk * 1000 + $0, hoursAgo: 10) })
            try await store.markDelivered(Array(ids[0..<990]), destination: "dom", at: now)
            try await store.quarantine(Array(ids[990..<995]), destination: "dom", reason: "HTTP 422", at: now)
        }
        _ = try await store.stats(destination: "dom")
        _ = await store.takeStatementStepsForTests()
        let stats = try await store.stats(destination: "dom")
        let steps = await store.takeStatementStepsForTests()
        #expect((stats.delivered, stats.quarantined, stats.backlog) == (19_800, 100, 100))
        #expect(steps < 500, "stats ran \(steps) SQLite VM steps for 20,000 rows: it visits rows")
    }

    /// A child process (this test binary) drives every transition in a loop; the parent SIGKILLs it mid-stream and
    /// reopens the file: counters and rows come back together.
    @Test func countersStayExactAcrossSIGKILL() async throws {
        let dir = TemporaryDirectory()
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        let child = try LabChildProcess.testChild(filter: "countersChildTransitionsUntilKilled", environment: [Self.childDatabaseVariable: dir.database],
                                                  passing: (pipeEnds[1], as: Self.progressDescriptor), closing: [pipeEnds[0]]).pid
        close(pipeEnds[1])
        let readEnd = pipeEnds[0]
        let lines = await LabChildProcess.offThePool { () -> Int in
            var lines = 0
            var buffer = [UInt8](repeating: 0, count: 256)
            let deadline = monotonicNanoseconds() + 120_000_000_000
            while lines < 40, monotonicNanoseconds() < deadline {
                let count = read(readEnd, &buffer, buffer.count)
                if count <= 0 { break }
                lines += buffer[0..<count].filter { $0 == UInt8(ascii: "\n") }.count
            }
            kill(child, SIGKILL)
            close(readEnd)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            return lines
        }
        #expect(lines >= 40, "the child ended or stalled before it was killed")
        let store = try Store(path: dir.database)
        #expect(try await store.integrityCheck() == "ok")
        let (counters, counted) = try await store.countersAndCounts()
        #expect(counters == counted)
        #expect((counted["dom/1"] ?? 0) > 0 && (counted["dom/0"] ?? 0) > 0)
    }

    /// Runs only inside the spawned child (the variable is unset in a normal test run).
    @Test func countersChildTransitionsUntilKilled() async throws {
        guard let path = getenv(Self.childDatabaseVariable).map({ String(cString: $0) }) else { return }
        let store = try Store(path: path, configuration: StoreConfiguration(deliveredRetentionMilliseconds: 3_600_000), clock: ManualClock(now))
        var round = 0
        while true {
            let time = now.adding(milliseconds: Int64(round) * 600_000)
            let ids = try await store.append((0..<50).map { stream(round * 50 + $0, hoursAgo: 0) })
            try await store.markDelivered(Array(ids[0..<30]), identifiers: [ids[0]: "identifier-\(round)"], destination: "dom", at: time)
            try await store.quarantine(Array(ids[30..<40]), destination: "dom", reason: "HTTP 422", at: time)
            let resent = try await store.append([stream(round * 50, hoursAgo: 0)])
            _ = try await store.setAsideDuplicates([LedgerCandidate(id: resent[0], identifier: "identifier-\(round)")], destination: "dom", at: time)
            _ = try await store.requeueQuarantined(.all, destination: "dom", actor: "uid 0", at: time)
            try await store.prune(now: time)
            round += 1
            let line = Array("\(round)\n".utf8)
            _ = line.withUnsafeBytes { write(Self.progressDescriptor, $0.baseAddress, $0.count) }
        }
    }
}

extension Store {
    /// Counters ("destination/state" → count, zeros left out) and a fresh count(*) of the rows, in one read.
    func countersAndCounts() throws -> (counters: [String: Int], counted: [String: Int]) {
        func read(_ sql: String) throws -> [String: Int] {
            let statement = try connection.statement(sql)
            defer { statement.reset() }
            var result: [String: Int] = [:]
            while try statement.step() { result[statement.text(0) ?? ""] = statement.int(1) }
            return result
        }
        return (try read("SELECT destination || '/' || state, count FROM delivery_counts WHERE count <> 0"),
                try read("SELECT destination || '/' || state, count(*) FROM delivery GROUP BY destination, state"))
    }

    func executeForTests(_ sql: String) throws { try connection.execute(sql) }

    func takeStatementStepsForTests() -> Int { connection.takeVirtualMachineSteps() }
}
