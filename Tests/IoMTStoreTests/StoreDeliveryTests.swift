import IoMTCore
import Testing
@testable import IoMTStore

@Suite("Store delivery, alerts and audit")
struct StoreDeliveryTests {
    @Test func pendingPutsAlertRowsFirstByPriorityThenId() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        let ids = try await store.append((0..<6).map { reading($0) })
        try await store.setAlertPriority(.low, forObservation: ids[1])
        try await store.setAlertPriority(.high, forObservation: ids[4])
        try await store.setAlertPriority(.medium, forObservation: ids[3])
        try await store.setAlertPriority(.low, forObservation: ids[4])  // never downgrades
        let pending = try await store.pending(destination: "dom", limit: 10)
        #expect(pending.map(\.id) == [ids[4], ids[3], ids[1], ids[0], ids[2], ids[5]])
        #expect(pending.map(\.alertPriority) == [.high, .medium, .low, nil, nil, nil])
        #expect(try await store.pending(destination: "dom", limit: 2).map(\.id) == [ids[4], ids[3]])
        #expect(try await store.pending(destination: "other", limit: 10).isEmpty)
        // The oldest undelivered row is found across priority bands, not just the first band.
        #expect(try await store.stats(destination: "dom").oldestUndelivered == reading(0).receivedAt)
        try await store.markDelivered([ids[0]], destination: "dom", at: Instant(millisecondsSinceEpoch: 1))
        #expect(try await store.stats(destination: "dom").oldestUndelivered == reading(1).receivedAt)
    }

    @Test func deliveryLifecycleAndStats() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        let ids = try await store.append((0..<5).map { reading($0) })
        let t = Instant(millisecondsSinceEpoch: 1_763_999_000_000)

        try await store.recordFailure([ids[0], ids[1]], destination: "dom", kind: "timeout", message: "no answer", at: t)
        try await store.recordFailure([ids[0]], destination: "dom", kind: "http-500", message: "server error", at: t)
        try await store.markDelivered([ids[1], ids[2]], destination: "dom", at: t)
        try await store.quarantine([ids[3]], destination: "dom", reason: "HTTP 422: invalid code", at: t)
        try await store.markDelivered([ids[3]], destination: "dom", at: t)  // quarantined stays quarantined

        let pending = try await store.pending(destination: "dom", limit: 10)
        #expect(pending.map(\.id) == [ids[0], ids[4]])
        #expect(pending.map(\.attempts) == [2, 0])
        let quarantined = try await store.quarantined(destination: "dom", limit: 10)
        #expect(quarantined.map(\.0.id) == [ids[3]])
        #expect(quarantined.first?.1 == "HTTP 422: invalid code")

        let stats = try await store.stats(destination: "dom")
        #expect(stats.backlog == 2)
        #expect(stats.oldestUndelivered == reading(0).receivedAt)
        #expect(stats.lastSuccess == t)
        #expect(stats.delivered == 2)
        #expect(stats.quarantined == 1)
        #expect(stats.failuresByKind == ["timeout": 2, "http-500": 1])
        #expect(try await store.auditLog(limit: 5).contains { $0.2 == "quarantine" })
    }

    @Test func pruneRemovesOnlyOldDeliveredRows() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database, StoreConfiguration(deliveredRetentionMilliseconds: 1000))
        let ids = try await store.append((0..<4).map { reading($0) })
        let old = Instant(millisecondsSinceEpoch: 10_000)
        try await store.markDelivered([ids[0]], destination: "dom", at: old)
        try await store.markDelivered([ids[1]], destination: "dom", at: old.adding(milliseconds: 5000))
        try await store.quarantine([ids[2]], destination: "dom", reason: "bad", at: old)
        let removed = try await store.prune(now: old.adding(milliseconds: 5500))
        #expect(removed == 1)
        #expect(try await store.observation(id: ids[0]) == nil)
        for id in ids.dropFirst() { #expect(try await store.observation(id: id) != nil) }
        let stats = try await store.stats(destination: "dom")
        #expect(stats.lastSuccess == old.adding(milliseconds: 5000))
        #expect(stats.backlog == 1)
        #expect(try await store.auditLog(limit: 1).first?.2 == "prune")
        #expect(try await store.integrityCheck() == "ok")
    }

    @Test func multipleDestinationsQueueIndependently() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database, StoreConfiguration(destinations: ["dom", "backup"]))
        let ids = try await store.append([reading(1), reading(2)])
        try await store.markDelivered(ids, destination: "dom", at: Instant(millisecondsSinceEpoch: 1))
        #expect(try await store.pending(destination: "dom", limit: 10).isEmpty)
        #expect(try await store.pending(destination: "backup", limit: 10).map(\.id) == ids)
        #expect(try await store.prune(now: Instant(millisecondsSinceEpoch: 1_000_000_000_000)) == 0)
    }

    @Test func alertsAreDispatchedPerChannel() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        let t = Instant(millisecondsSinceEpoch: 1_763_900_000_000)
        var event = AlertEvent(ruleId: "spo2-low", ruleSetHash: "abc123", priority: .high, condition: "below",
                               measurement: "MDC_PULS_OXIM_SAT_O2", value: DecimalValue(significand: 850, exponent: -1),
                               unit: "%", threshold: DecimalValue(90), patientId: "patient-1", deviceKey: oximeter.key,
                               observedAt: t, createdAt: t.adding(milliseconds: 5), observationId: 7,
                               message: "SpO2 85.0 % below 90 %")
        event.identifier = "6f1c2d3e-0000-4000-8000-000000000001" // given by the dispatcher when raised
        var second = event
        second.priority = .low; second.value = nil; second.threshold = nil; second.patientId = nil; second.observationId = nil
        second.identifier = "6f1c2d3e-0000-4000-8000-000000000002"
        let first = try await store.insertAlert(event)
        let next = try await store.insertAlert(second)
        #expect(try await store.undispatchedAlerts(channel: "log", limit: 10).map(\.event) == [event, second])
        try await store.markAlertDispatched(first, channel: "log", at: t)
        try await store.markAlertDispatched(first, channel: "log", at: t)  // idempotent
        #expect(try await store.undispatchedAlerts(channel: "log", limit: 10).map(\.id) == [next])
        #expect(try await store.undispatchedAlerts(channel: "exec", limit: 10).map(\.id) == [first, next])
        let all = try await store.alerts(limit: 10)
        #expect(all.map(\.id) == [next, first])
        #expect(all.last?.dispatchedChannels == ["log"])
        #expect(all.first?.dispatchedChannels == [])
    }

    @Test func auditLogKeepsEntriesNewestFirst() async throws {
        let dir = TemporaryDirectory()
        let store = try storeFile(dir.database)
        try await store.audit(actor: "iomtctl", action: "bind", detail: "device bt:AA to bed 3", at: Instant(millisecondsSinceEpoch: 1))
        try await store.audit(actor: "iomtd", action: "start", detail: "version 0.1", at: Instant(millisecondsSinceEpoch: 2))
        let log = try await store.auditLog(limit: 10)
        #expect(log.map(\.2) == ["start", "bind"])
        #expect(log.last?.0 == Instant(millisecondsSinceEpoch: 1))
        #expect(log.last?.1 == "iomtctl")
        #expect(log.last?.3 == "device bt:AA to bed 3")
    }
}
