import CSQLite
import Glibc
import IoMTCore

/// Append throughput of `Store` against the floor: a raw SQLite insert loop writing the same rows
/// (same schema, pragmas, encodings and batch size) with no actor, continuation or cache in between.
public enum StoreBenchmark {
    public static func run(rows: Int, batch: Int, path: String) async -> (storeRowsPerSecond: Double, rawSQLiteRowsPerSecond: Double) {
        let observations = sampleObservations(count: rows)
        let storePath = path + "-store.sqlite"
        let rawPath = path + "-raw.sqlite"
        removeDatabase(storePath)
        removeDatabase(rawPath)
        defer { removeDatabase(storePath); removeDatabase(rawPath) }

        var storeRate = 0.0
        do {
            let store = try Store(path: storePath, configuration: StoreConfiguration(maxGroupCommitRows: batch, maxUndeliveredRows: rows + 1))
            let start = monotonicNanoseconds()
            var index = 0
            while index < observations.count {
                let end = min(index + batch, observations.count)
                _ = try await store.append(Array(observations[index..<end]))
                index = end
            }
            storeRate = Double(rows) / seconds(since: start)
        } catch {
            print("store benchmark failed: \(error)")
        }

        var rawRate = 0.0
        do {
            rawRate = try rawInsertRate(observations, batch: batch, path: rawPath)
        } catch {
            print("raw SQLite benchmark failed: \(error)")
        }
        return (storeRate, rawRate)
    }

    private static func rawInsertRate(_ observations: [Observation], batch: Int, path: String) throws(StoreError) -> Double {
        let connection = try SQLiteConnection(path: path)
        try Store.configure(connection)
        _ = try Migrations.migrate(connection)
        guard !observations.isEmpty else { return 0 }
        try connection.execute("INSERT INTO devices (id, device_key, identity_json) VALUES (1, 'bench', '{}')")
        var insert: OpaquePointer?
        var queue: OpaquePointer?
        sqlite3_prepare_v2(connection.handle, """
            INSERT INTO readings (device_id, type_refid, mdc_code, type_json, value, unit, status, components_json,
                                  device_time, received_ms, corrected_ms, patient_id, raw_frame)
            VALUES (1, ?, ?, NULL, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)
            """, -1, &insert, nil)
        sqlite3_prepare_v2(connection.handle, "INSERT INTO delivery (reading_id, destination) VALUES (?, 'dom')", -1, &queue, nil)
        defer { sqlite3_finalize(insert); sqlite3_finalize(queue) }
        let start = monotonicNanoseconds()
        var index = 0
        while index < observations.count {
            let end = min(index + batch, observations.count)
            try connection.execute("BEGIN IMMEDIATE")
            for observation in observations[index..<end] {
                sqlite3_bind_text(insert, 1, observation.type.mdcRefId, -1, sqliteTransient)
                sqlite3_bind_int64(insert, 2, Int64(observation.type.mdcCode))
                sqlite3_bind_text(insert, 3, observation.value?.description, -1, sqliteTransient)
                sqlite3_bind_text(insert, 4, observation.unit, -1, sqliteTransient)
                sqlite3_bind_text(insert, 5, observation.status.sortedNames.joined(separator: ","), -1, sqliteTransient)
                sqlite3_bind_int64(insert, 6, observation.receivedAt.millisecondsSinceEpoch)
                sqlite3_bind_int64(insert, 7, observation.correctedTime.millisecondsSinceEpoch)
                sqlite3_bind_text(insert, 8, observation.patientId, -1, sqliteTransient)
                observation.rawFrame.withUnsafeBytes { _ = sqlite3_bind_blob(insert, 9, $0.baseAddress, Int32($0.count), sqliteTransient) }
                guard sqlite3_step(insert) == SQLITE_DONE else { throw .sqlite(code: 0, message: connection.lastErrorMessage, statement: "raw insert") }
                sqlite3_reset(insert)
                sqlite3_bind_int64(queue, 1, sqlite3_last_insert_rowid(connection.handle))
                guard sqlite3_step(queue) == SQLITE_DONE else { throw .sqlite(code: 0, message: connection.lastErrorMessage, statement: "raw queue") }
                sqlite3_reset(queue)
            }
            try connection.execute("COMMIT")
            index = end
        }
        return Double(observations.count) / seconds(since: start)
    }

    /// Pulse-oximeter-like readings from one device: what a busy gateway writes.
    static func sampleObservations(count: Int) -> [Observation] {
        let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "BENCH-1")
        let base: Int64 = 1_763_900_000_000
        return (0..<count).map { i in
            let time = Instant(millisecondsSinceEpoch: base + Int64(i) * 20)
            return Observation(type: i % 2 == 0 ? .spo2 : .pulseRateOximetry,
                               value: DecimalValue(significand: Int64(60 + i % 40), exponent: 0),
                               unit: i % 2 == 0 ? "%" : "/min", status: i % 97 == 0 ? [.lowSignal] : [],
                               receivedAt: time, correctedTime: time, device: device, patientId: "P-0001",
                               rawFrame: [0x01, UInt8(i & 0x7F), UInt8((i >> 7) & 0x7F), 0x5A, 0x61])
        }
    }

    private static func seconds(since start: UInt64) -> Double {
        max(Double(monotonicNanoseconds() - start) / 1e9, 1e-9)
    }

    private static func removeDatabase(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
    }
}
