import IoMTCore
import Testing
@testable import IoMTStore

/// Clinic mode: a reading belongs to the patient bound to its device at the reading's time.
@Suite struct BindingTests {
    let base = Instant(millisecondsSinceEpoch: 1_763_900_000_000)

    func unbound(at offsetSeconds: Int64) -> Observation {
        let time = base.adding(milliseconds: offsetSeconds * 1000)
        return Observation(type: .spo2, value: DecimalValue(significand: 97, exponent: 0), unit: "%", receivedAt: time,
                           correctedTime: time, device: oximeter, patientId: nil, rawFrame: [0x80])
    }

    @Test func readingAtTheBoundaryGoesToThePatientBoundAtThatInstant() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        _ = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base, until: base.adding(milliseconds: 600_000),
                                 actor: "uid 0", at: base)
        _ = try await store.bind(deviceKey: oximeter.key, patientId: "patient-B", from: base.adding(milliseconds: 600_000), until: nil,
                                 actor: "uid 0", at: base)
        let ids = try await store.append([unbound(at: 599), unbound(at: 600), unbound(at: -1)])
        let pending = try await store.pending(destination: "dom", limit: 10)
        let patients = Dictionary(uniqueKeysWithValues: pending.map { ($0.id, $0.observation.patientId) })
        #expect(patients[ids[0]] == "patient-A")
        #expect(patients[ids[1]] == "patient-B")
        #expect(patients[ids[2]] == nil, "a reading before any binding is not queued")
        let held = try await store.quarantined(destination: "dom", limit: 10)
        #expect(held.map(\.0.id) == [ids[2]] && held.first?.0.observation.patientId == nil, "held back, not guessed")
        #expect(held.first?.1 == Store.heldBackReason)
        let stats = try await store.stats(destination: "dom")
        #expect((stats.backlog, stats.held, stats.quarantined) == (2, 1, 0))
    }

    @Test func overlappingBindingIsRefusedNamingTheOtherOne() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        let first = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base, until: nil, actor: "uid 0", at: base)
        var message: String?
        do {
            _ = try await store.bind(deviceKey: oximeter.key, patientId: "patient-B", from: base.adding(milliseconds: 1000), until: nil,
                                     actor: "uid 0", at: base)
        } catch {
            message = "\(error)"
        }
        #expect(message?.contains("binding #\(first.binding.id)") == true, "an overlapping binding must be refused: \(message ?? "accepted")")
        #expect(message?.contains("patient-A") == false, "errors must not name the patient")
        // Another device is independent.
        _ = try await store.bind(deviceKey: cuff.key, patientId: "patient-B", from: base, until: nil, actor: "uid 0", at: base)
        #expect(try await store.bindings().count == 2)
    }

    @Test func bindingLaterReleasesHeldReadingsToTheRightPatient() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        let ids = try await store.append([unbound(at: 10), unbound(at: 20), unbound(at: 4000)])
        #expect(try await store.pending(destination: "dom", limit: 10).isEmpty, "stored held: never offered to the forwarder")
        let before = try await store.stats(destination: "dom")
        #expect((before.backlog, before.held) == (0, 3))

        let result = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base, until: base.adding(milliseconds: 3_600_000),
                                          releasingHeld: true, actor: "uid 1000", at: base.adding(milliseconds: 5_000_000))
        #expect(result.reattributed == 2)
        let pending = try await store.pending(destination: "dom", limit: 10)
        #expect(pending.map(\.id) == Array(ids.prefix(2)))
        #expect(pending.allSatisfy { $0.observation.patientId == "patient-A" })
        let after = try await store.stats(destination: "dom")
        #expect((after.backlog, after.held) == (2, 1))
        #expect(try await store.quarantined(destination: "dom", limit: 10).map { $0.0.id } == [ids[2]], "outside the window: still held")
    }

    @Test func unbindEndsTheWindowAndIsAuditedWithoutThePatient() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        _ = try await store.bind(deviceKey: oximeter.key, patientId: "44051401359", from: base, until: nil, actor: "uid 1000", at: base)
        let ended = try await store.unbind(deviceKey: oximeter.key, at: base.adding(milliseconds: 60_000), actor: "uid 1000", now: base)
        #expect(ended?.end == base.adding(milliseconds: 60_000))
        #expect(try await store.unbind(deviceKey: oximeter.key, at: base.adding(milliseconds: 90_000), actor: "uid 1000", now: base) == nil)
        let ids = try await store.append([unbound(at: 59), unbound(at: 60)])
        let patients = try await store.pending(destination: "dom", limit: 10).map(\.observation.patientId)
        #expect(patients == ["44051401359"])
        #expect(try await store.quarantined(destination: "dom", limit: 10).map(\.0.id) == [ids[1]], "after the end: held")
        let audit = try await store.auditLog(limit: 10)
        #expect(audit.contains { $0.2 == "bind" && $0.1 == "uid 1000" })
        #expect(audit.contains { $0.2 == "unbind" })
        #expect(!audit.contains { $0.3.contains("44051401359") }, "the audit names devices and windows, never patients")
    }

    @Test func bindingsSurviveReopening() async throws {
        let dir = TemporaryDirectory()
        do {
            let store = try storeFile(dir.database)
            _ = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base, until: nil, actor: "uid 0", at: base)
        }
        let reopened = try storeFile(dir.database)
        #expect(await reopened.boundPatient(deviceKey: oximeter.key, at: base.adding(milliseconds: 1)) == "patient-A")
        #expect(await reopened.boundPatient(deviceKey: oximeter.key, at: base.adding(milliseconds: -1)) == nil)
    }

    // MARK: Re-binding re-evaluates every undelivered reading (issue 11, item 4)

    func patients(_ store: Store, _ ids: [Int64]) async throws -> [String?] {
        var byId: [Int64: String?] = [:]
        for row in try await store.pending(destination: "dom", limit: 100) { byId[row.id] = row.observation.patientId }
        for (row, _) in try await store.quarantined(destination: "dom", limit: 100) { byId[row.id] = row.observation.patientId }
        return ids.map { byId[$0] ?? nil }
    }

    @Test func unbindInThePastHoldsTheReadingsStoredSinceThen() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        _ = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base, until: nil, actor: "uid 0", at: base)
        let ids = try await store.append([unbound(at: 10), unbound(at: 70), unbound(at: 130)])
        #expect(try await patients(store, ids) == ["patient-A", "patient-A", "patient-A"])
        // Patient A left at +60 s; the nurse ends the binding afterwards, at +200 s.
        _ = try await store.unbind(deviceKey: oximeter.key, at: base.adding(milliseconds: 60_000), actor: "uid 0", now: base.adding(milliseconds: 200_000))
        #expect(try await patients(store, ids) == ["patient-A", nil, nil], "readings after the end must not stay on the patient who left")
        #expect(try await store.pending(destination: "dom", limit: 10).map(\.id) == [ids[0]], "held at once, never offered without a patient")
        let heldNow = try await store.stats(destination: "dom")
        #expect((heldNow.backlog, heldNow.held) == (1, 2))
        // Patient B, bound from +60 s, gets exactly those readings (once the technician confirms them).
        await #expect(throws: StoreError.self) {
            _ = try await store.bind(deviceKey: oximeter.key, patientId: "patient-B", from: base.adding(milliseconds: 60_000), until: nil,
                                     actor: "uid 0", at: base.adding(milliseconds: 210_000))
        }
        #expect(try await patients(store, ids) == ["patient-A", nil, nil], "a refused bind changes nothing")
        let result = try await store.bind(deviceKey: oximeter.key, patientId: "patient-B", from: base.adding(milliseconds: 60_000), until: nil,
                                          releasingHeld: true, actor: "uid 0", at: base.adding(milliseconds: 210_000))
        #expect(result.reattributed == 2)
        #expect(try await patients(store, ids) == ["patient-A", "patient-B", "patient-B"])
    }

    /// Before the held state, the forwarder set patientless rows aside as quarantined with `heldBackReason`; the
    /// migration makes them held, so a binding releases them like any held reading (and the counters follow).
    @Test func readingsSetAsideForWantOfAPatientByAnEarlierVersionAreHeldAfterTheMigration() async throws {
        let dir = TemporaryDirectory()
        var ids: [Int64] = []
        do {
            let store = try storeFile(dir.database)
            ids = try await store.append([unbound(at: 10), unbound(at: 20)])
            try await store.executeForTests("""
                UPDATE delivery SET state = 2, last_error_kind = 'quarantined',
                    last_error_message = 'no patient was bound to the device at the reading''s time; bind the device (iomtctl bind) to send it'
                WHERE state = 4;
                DROP INDEX delivery_held; PRAGMA user_version = 18;
                ALTER TABLE bindings DROP COLUMN height_cm; ALTER TABLE bindings DROP COLUMN sex_at_birth; ALTER TABLE bindings DROP COLUMN birth_date;
                ALTER TABLE readings DROP COLUMN series_json; ALTER TABLE readings DROP COLUMN binding_id
                """)
            let legacy = try await store.stats(destination: "dom")
            #expect((legacy.quarantined, legacy.held) == (2, 0))
        }
        let store = try storeFile(dir.database)
        let migrated = try await store.stats(destination: "dom")
        #expect((migrated.quarantined, migrated.held, migrated.backlog) == (0, 2, 0))
        let result = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base, until: nil, releasingHeld: true,
                                          actor: "uid 0", at: base.adding(milliseconds: 60_000))
        #expect(result.reattributed == 2)
        #expect(try await store.pending(destination: "dom", limit: 10).map(\.id) == ids)
        let (counters, counted) = try await store.countersAndCounts()
        #expect(counters == counted)
    }

    /// Migration 20 gives bindings nullable demographics: a binding made before it stays valid, without them, and a new one
    /// keeps what was given.
    @Test func bindingsFromBeforeDemographicsStayValidAfterTheMigration() async throws {
        let dir = TemporaryDirectory()
        do {
            let store = try storeFile(dir.database)
            _ = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base, until: base.adding(milliseconds: 60_000),
                                     actor: "uid 0", at: base)
            try await store.executeForTests("""
                ALTER TABLE bindings DROP COLUMN height_cm; ALTER TABLE bindings DROP COLUMN sex_at_birth; ALTER TABLE bindings DROP COLUMN birth_date;
                ALTER TABLE readings DROP COLUMN series_json; ALTER TABLE readings DROP COLUMN binding_id; PRAGMA user_version = 19
                """)
        }
        let store = try storeFile(dir.database)
        #expect(await store.schemaVersion >= 20)
        let given = BindingDemographics(heightCm: 172.5, sexAtBirth: "male", birthDate: CivilTime(year: 1944, month: 5, day: 14))
        _ = try await store.bind(deviceKey: oximeter.key, patientId: "patient-B", from: base.adding(milliseconds: 60_000), until: nil,
                                 demographics: given, actor: "uid 0", at: base)
        let bindings = try await store.bindings()
        #expect(bindings.map(\.patientId) == ["patient-A", "patient-B"])
        #expect(bindings.map(\.demographics) == [nil, given])
        #expect(await store.boundPatient(deviceKey: oximeter.key, at: base.adding(milliseconds: 1)) == "patient-A")
    }

    @Test func unbindThatWouldMoveDeliveredReadingsIsRefused() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        _ = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base, until: nil, actor: "uid 0", at: base)
        let ids = try await store.append([unbound(at: 10), unbound(at: 70), unbound(at: 130)])
        try await store.markDelivered([ids[1]], destination: "dom", at: base.adding(milliseconds: 80_000))
        var message = ""
        do {
            _ = try await store.unbind(deviceKey: oximeter.key, at: base.adding(milliseconds: 60_000), actor: "uid 0", now: base.adding(milliseconds: 200_000))
        } catch { message = "\(error)" }
        #expect(message.contains("already delivered"), "unbinding before a delivered reading must be refused: \(message.isEmpty ? "accepted" : message)")
        #expect(message.contains(base.adding(milliseconds: 70_000).iso8601), "the refusal names the last delivered time")
        #expect(!message.contains("patient-A"))
        #expect(await store.boundPatient(deviceKey: oximeter.key, at: base.adding(milliseconds: 100_000)) == "patient-A", "the binding is unchanged")
        // After the delivered reading the end is accepted, and only the later reading is held.
        _ = try await store.unbind(deviceKey: oximeter.key, at: base.adding(milliseconds: 71_000), actor: "uid 0", now: base.adding(milliseconds: 200_000))
        #expect(try await patients(store, [ids[0], ids[2]]) == ["patient-A", nil])
    }

    @Test func bindReachingBackOverHeldReadingsNeedsConsentAndNamesThem() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        let ids = try await store.append([unbound(at: -86_400), unbound(at: 10)])
        var message = ""
        do {
            _ = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base.adding(milliseconds: -100_000_000), until: nil,
                                     actor: "uid 0", at: base.adding(milliseconds: 20_000))
        } catch { message = "\(error)" }
        #expect(message.contains("2 held reading(s)") && message.contains("--release-held"), "\(message.isEmpty ? "accepted silently" : message)")
        #expect(message.contains(base.adding(milliseconds: -86_400_000).iso8601), "the refusal says when the held readings were measured")
        #expect(try await store.bindings().isEmpty, "a refused bind leaves no binding behind")
        #expect(try await patients(store, ids) == [nil, nil])
        // A binding from now on needs no consent: it covers no held reading.
        _ = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base.adding(milliseconds: 20_000), until: nil,
                                 actor: "uid 0", at: base.adding(milliseconds: 20_000))
    }
}

/// Readings whose time cannot be trusted are held in clinic mode: no binding attributes them by their time.
@Suite struct UntrustedTimeBindingTests {
    let base = Instant(millisecondsSinceEpoch: 1_763_900_000_000)

    func reading(at offsetSeconds: Int64, status: MeasurementStatus) -> Observation {
        let time = base.adding(milliseconds: offsetSeconds * 1000)
        return Observation(type: .spo2, value: DecimalValue(significand: 97, exponent: 0), unit: "%", status: status, receivedAt: time,
                           correctedTime: time, device: oximeter, patientId: nil, rawFrame: [0x80])
    }

    @Test func readingsWithUntrustedTimeOrAnUnsynchronisedGatewayAreNeverAttributedByTime() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        _ = try await store.bind(deviceKey: oximeter.key, patientId: "patient-A", from: base, until: nil, actor: "uid 0", at: base)
        let ids = try await store.append([reading(at: 10, status: [.timeUntrusted]), reading(at: 11, status: [.gatewayClockUnsynchronised]),
                                          reading(at: 12, status: [])])
        let unbound = try await store.unbind(deviceKey: oximeter.key, at: base.adding(milliseconds: 1_000), actor: "uid 0", now: base)
        #expect(unbound != nil)
        // A binding reaching back over them, releasing held readings, still leaves them held.
        _ = try await store.bind(deviceKey: oximeter.key, patientId: "patient-B", from: base.adding(milliseconds: 1_000), until: nil,
                                 releasingHeld: true, actor: "uid 0", at: base)
        var patients: [Int64: String?] = [:]
        for id in ids { patients[id] = try await store.observation(id: id)?.observation.patientId }
        #expect(patients[ids[0]] == .some(nil))
        #expect(patients[ids[1]] == .some(nil))
        #expect(patients[ids[2]] == "patient-B")
    }
}
