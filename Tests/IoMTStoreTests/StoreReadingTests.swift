import CSQLite
import Glibc
import IoMTCore
import Testing
@testable import IoMTStore

@Suite("Store readings")
struct StoreReadingTests {
    @Test func observationRoundTripsExactly() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        let bloodPressure = Observation(
            type: .bloodPressure, value: nil, unit: "mm[Hg]",
            components: [ObservationComponent(type: .systolic, value: DecimalValue(significand: 1205, exponent: -1), unit: "mm[Hg]"),
                         ObservationComponent(type: .diastolic, value: nil, unit: "mm[Hg]", status: [.invalid, .sensorOff]),
                         ObservationComponent(type: .meanArterial, value: DecimalValue(significand: 9, exponent: 1), unit: "mm[Hg]")],
            status: [.questionable, .deviceClockNotSet],
            deviceTime: CivilTime(year: 2026, month: 11, day: 23, hour: 10, minute: 15, second: 30, millisecond: 250),
            receivedAt: Instant(millisecondsSinceEpoch: 1_763_892_930_300),
            correctedTime: Instant(millisecondsSinceEpoch: 1_763_892_930_123),
            device: cuff, patientId: nil, rawFrame: [0x00, 0xFF, 0x7E, 0x00])
        let custom = MeasurementType(mdcRefId: "MDC_VENDOR_THING", mdcCode: 999_999, loinc: nil, display: "Vendor thing", defaultUnit: "1")
        let temperature = Observation(type: .bodyTemperature, value: DecimalValue(significand: 3650, exponent: -2), unit: "Cel",
                                      deviceTime: CivilTime(year: 2026, month: 1, day: 2, utcOffsetMinutes: 60),
                                      receivedAt: Instant(millisecondsSinceEpoch: 5), correctedTime: Instant(millisecondsSinceEpoch: 6),
                                      device: oximeter, patientId: "patient-7", rawFrame: [])
        let vendor = Observation(type: custom, value: DecimalValue(significand: -5, exponent: 3), unit: "1",
                                 receivedAt: Instant(millisecondsSinceEpoch: 7), correctedTime: Instant(millisecondsSinceEpoch: 7),
                                 device: oximeter, patientId: "p", rawFrame: [1])
        let originals = [bloodPressure, temperature, vendor]
        let ids = try await store.append(originals)
        #expect(ids.count == 3)
        for (id, original) in zip(ids, originals) {
            let stored = try #require(try await store.observation(id: id))
            #expect(stored.observation == original)
            #expect(stored.observation.value?.description == original.value?.description)
            #expect(stored.alertPriority == nil)
        }
        #expect(try await store.recent(limit: 2).map(\.id) == [ids[2], ids[1]])
        #expect(try await store.observation(id: 9_999) == nil)
    }

    /// An overnight oximetry session (issue 15): its series, local-code components and whole raw file come back exactly,
    /// through the queue too, and `readings(measurement:)` finds it by a series' type.
    @Test func aReadingWithSampleSeriesRoundTrips() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        let session = Observation(
            type: OvernightOximetry.session, value: nil, unit: "",
            components: [ObservationComponent(type: OvernightOximetry.Figure.spo2Mean.type, value: DecimalValue(significand: 952, exponent: -1), unit: "%"),
                         ObservationComponent(type: OvernightOximetry.Figure.odi4.type, value: nil, unit: "/h")],
            deviceTime: CivilTime(year: 2026, month: 12, day: 2, hour: 22, minute: 30, second: 0),
            receivedAt: Instant(millisecondsSinceEpoch: 1_796_280_000_000), correctedTime: Instant(millisecondsSinceEpoch: 1_796_250_600_000),
            device: oximeter, patientId: "p", rawFrame: [3, 0, 0xEA, 0x07] + [UInt8](repeating: 0x5F, count: 200),
            series: [SampleSeries(type: .spo2, periodMilliseconds: 4000, lowerLimit: DecimalValue(0), upperLimit: DecimalValue(100), samples: [95, nil, 88]),
                     SampleSeries(type: .pulseRateOximetry, periodMilliseconds: 4000, lowerLimit: nil, upperLimit: nil, samples: [nil, nil, 61])])
        let ids = try await store.append([session, reading(1)])
        #expect(try await store.observation(id: ids[0])?.observation == session)
        #expect(try await store.observation(id: ids[1])?.observation.series == [])
        #expect(try await store.pending(destination: "dom", limit: 5).first?.observation == session)
        let found = try await store.readings(measurement: MeasurementType.pulseRateOximetry.mdcRefId, since: Instant(millisecondsSinceEpoch: 0),
                                             until: nil, patientId: nil)
        #expect(found.map(\.id) == [ids[0]])
    }

    /// Migration 22 adds readings.series_json: a version-20 file's readings read back unchanged, and a session can be stored.
    @Test func aStoreFromBeforeSampleSeriesMigratesWithItsReadings() async throws {
        let dir = TemporaryDirectory()
        var id: Int64 = 0
        do {
            let store = try storeFile(dir.database)
            id = try await store.append([reading(1)])[0]
            try await store.executeForTests("ALTER TABLE readings DROP COLUMN series_json; ALTER TABLE readings DROP COLUMN binding_id; PRAGMA user_version = 20")
        }
        let store = try storeFile(dir.database)
        #expect(await store.schemaVersion == Migrations.latestVersion)
        #expect(try await store.observation(id: id)?.observation == reading(1))
        var session = reading(2)
        session.series = [SampleSeries(type: .spo2, periodMilliseconds: 2000, lowerLimit: nil, upperLimit: nil, samples: [97, nil])]
        let stored = try await store.append([session])
        #expect(try await store.observation(id: stored[0])?.observation.series == session.series)
    }

    @Test func migratesEmptyFileAndReopensIdempotently() async throws {
        let dir = TemporaryDirectory()
        var ids: [Int64] = []
        do {
            let store = try storeFile(dir.database)
            #expect(await store.schemaVersion == Migrations.latestVersion)
            ids = try await store.append([reading(1), reading(2)])
        }
        let reopened = try storeFile(dir.database)
        #expect(await reopened.schemaVersion == Migrations.latestVersion)
        #expect(try await reopened.pending(destination: "dom", limit: 10).map(\.id) == ids)
        #expect(try await reopened.stats(destination: "dom").backlog == 2)
        #expect(try await reopened.integrityCheck() == "ok")
    }

    @Test func walAndPragmasAreInForce() throws {
        let dir = TemporaryDirectory()
        _ = try storeFile(dir.database)
        var db: OpaquePointer?
        #expect(sqlite3_open(dir.database, &db) == SQLITE_OK)
        defer { sqlite3_close(db) }
        var statement: OpaquePointer?
        sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &statement, nil)
        #expect(sqlite3_step(statement) == SQLITE_ROW)
        #expect(String(cString: sqlite3_column_text(statement, 0)) == "wal")
        sqlite3_finalize(statement)
    }

    @Test func refusesSchemaNewerThanCode() throws {
        let dir = TemporaryDirectory()
        var db: OpaquePointer?
        sqlite3_open(dir.database, &db)
        sqlite3_exec(db, "PRAGMA user_version = \(Migrations.latestVersion + 1)", nil, nil, nil)
        sqlite3_close(db)
        do {
            _ = try storeFile(dir.database)
            Issue.record("a newer schema must be refused")
        } catch let error as StoreError {
            guard case let .migration(version, message) = error else { Issue.record("unexpected \(error)"); return }
            #expect(version == Migrations.latestVersion + 1)
            #expect(message.contains("newer than this build"))
        }
    }

    @Test func groupCommitBatchesConcurrentAppends() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        let results = await withTaskGroup(of: (Int, [Int64]).self) { group in
            for index in 0..<100 {
                group.addTask { (index, (try? await store.append([reading(index * 2), reading(index * 2 + 1)])) ?? []) }
            }
            var all: [(Int, [Int64])] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 100)
        let commits = await store.appendCommits
        #expect(commits < 50, "100 concurrent appends took \(commits) transactions")
        var seen = Set<Int64>()
        for (index, ids) in results {
            #expect(ids.count == 2)
            #expect(ids[0] < ids[1])
            for (offset, id) in ids.enumerated() {
                seen.insert(id)
                let stored = try #require(try await store.observation(id: id))
                #expect(stored.observation == reading(index * 2 + offset), "ids must follow input order")
            }
        }
        #expect(seen.count == 200)
    }

    @Test func groupCommitRespectsRowLimit() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database, StoreConfiguration(maxGroupCommitRows: 10))
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<20 { group.addTask { _ = try? await store.append([reading(index), reading(index + 100)]) } }
        }
        #expect(try await store.stats(destination: "dom").backlog == 40)
        #expect(await store.appendCommits >= 4)
    }

    @Test func refusesWhenFullAndKeepsAcknowledgedRows() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database, StoreConfiguration(maxUndeliveredRows: 3))
        let ids = try await store.append([reading(1), reading(2)])
        await #expect(throws: StoreError.full(undelivered: 2, limit: 3)) { try await store.append([reading(3), reading(4)]) }
        #expect(try await store.pending(destination: "dom", limit: 10).map(\.id) == ids)
        try await store.markDelivered(ids, destination: "dom", at: Instant(millisecondsSinceEpoch: 1))
        #expect(try await store.append([reading(3), reading(4), reading(5)]).count == 3)
    }

    @Test func survivesUnclosedConnection() async throws {
        // The files as a crash would leave them: committed pages still only in the WAL, no checkpoint, no close.
        let dir = TemporaryDirectory()
        let copy = TemporaryDirectory()
        let store = try storeFile(dir.database)
        let ids = try await store.append((0..<50).map { reading($0) })
        for suffix in ["", "-wal"] { try copyFile(dir.database + suffix, to: copy.database + suffix) }
        let recovered = try storeFile(copy.database)
        #expect(try await recovered.pending(destination: "dom", limit: 100).map(\.id) == ids)
        #expect(try await recovered.integrityCheck() == "ok")
        _ = store
    }
}

func copyFile(_ from: String, to: String) throws {
    guard let input = fopen(from, "rb"), let output = fopen(to, "wb") else { throw StoreError.open(path: from, message: "copy failed") }
    defer { fclose(input); fclose(output) }
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = fread(&buffer, 1, buffer.count, input)
        if count == 0 { break }
        fwrite(buffer, 1, count, output)
    }
}
