import IoMTCore
import Testing
@testable import IoMTStore

/// Issue 13: the store records on the reading's row which binding gave it its patient (migration 21), where it decides
/// the patient — at insert and when a binding change re-attributes — so what follows a binding is looked up, not re-decided.
extension BindingTests {
    func bindingIds(_ store: Store, _ ids: [Int64]) async throws -> [Int64?] {
        var result: [Int64?] = []
        for id in ids { result.append(try await store.observation(id: id)?.observation.bindingId) }
        return result
    }

    /// Back-to-back bindings of one device to one patient: only the recorded id tells which of the two attributed a reading.
    @Test func theBindingThatAttributesAReadingAtInsertIsRecordedOnItsRow() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        let first = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base, until: base.adding(milliseconds: 600_000),
                                         actor: "uid 0", at: base).binding
        let second = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base.adding(milliseconds: 600_000), until: nil,
                                          actor: "uid 0", at: base).binding
        let stored = try await store.appendAttributing([unbound(at: 599), unbound(at: 600), unbound(at: -1)])
        #expect(stored.map(\.bindingId) == [first.id, second.id, nil])
        #expect(try await bindingIds(store, stored.map(\.id)) == [first.id, second.id, nil], "read back as recorded")
        #expect(try await store.pending(destination: "dom", limit: 10).map(\.observation.bindingId) == [first.id, second.id])
    }

    /// A reading that carries its patient (a home hub's, a replay's) is not attributed by a binding, even one to that patient.
    @Test func aReadingThatCarriesItsPatientRecordsNoBinding() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        _ = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base, until: nil, actor: "uid 0", at: base)
        var own = unbound(at: 10)
        own.patientId = "patient-A"
        let stored = try await store.appendAttributing([own])
        #expect(stored.map(\.bindingId) == [nil])
        #expect(try await bindingIds(store, stored.map(\.id)) == [nil])
    }

    @Test func aBindingThatReleasesHeldReadingsIsRecordedAndAnUnbindClearsIt() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        let ids = try await store.append([unbound(at: 10), unbound(at: 700)])
        #expect(try await bindingIds(store, ids) == [nil, nil], "held: no binding attributed them")
        let binding = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base, until: nil, releasingHeld: true,
                                           actor: "uid 0", at: base.adding(milliseconds: 800_000)).binding
        #expect(try await bindingIds(store, ids) == [binding.id, binding.id])
        _ = try await store.unbind(deviceKey: oximeter.key, at: base.adding(milliseconds: 600_000), actor: "uid 0", now: base.adding(milliseconds: 900_000))
        #expect(try await bindingIds(store, ids) == [binding.id, nil], "held again: the ended binding no longer attributes it")
        let later = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base.adding(milliseconds: 600_000), until: nil,
                                         releasingHeld: true, actor: "uid 0", at: base.adding(milliseconds: 900_000)).binding
        #expect(try await bindingIds(store, ids) == [binding.id, later.id], "the later binding of the same patient attributed it")
        let reopened = try storeFile(dir.database)
        #expect(try await bindingIds(reopened, ids) == [binding.id, later.id], "kept in the file")
    }

    /// Migration 21 adds readings.binding_id: a version-20 file's readings read back with none (nothing recorded then),
    /// and a reading stored after the migration records its binding.
    @Test func aStoreFromBeforeBindingIdsMigratesWithItsReadings() async throws {
        let dir = TemporaryDirectory()
        var old: Int64 = 0
        do {
            let store = try storeFile(dir.database)
            _ = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base, until: nil, actor: "uid 0", at: base)
            old = try await store.append([unbound(at: 10)])[0]
            try await store.executeForTests("""
                ALTER TABLE readings DROP COLUMN series_json; ALTER TABLE readings DROP COLUMN binding_id; PRAGMA user_version = 20
                """)
        }
        let store = try storeFile(dir.database)
        #expect(await store.schemaVersion == Migrations.latestVersion)
        let migrated = try #require(try await store.observation(id: old)?.observation)
        #expect(migrated.patientId == "patient-A" && migrated.bindingId == nil)
        let binding = try #require(try await store.bindings().first)
        let stored = try await store.appendAttributing([unbound(at: 20)])
        #expect(stored.map(\.bindingId) == [binding.id])
        #expect(try await bindingIds(store, stored.map(\.id)) == [binding.id])
    }
}
