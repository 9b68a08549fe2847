import IoMTCore
import Testing
@testable import IoMTStore

/// Scheduled retention (issue 11, item 5): delivered and delivered-as-duplicate readings older than
/// `store.retentionDays` are pruned hourly on the injected clock; pending, held and quarantined readings never by age.
@Suite struct RetentionTests {
    let t0 = Instant(millisecondsSinceEpoch: 1_763_900_000_000)
    let day: Int64 = 86_400_000

    @Test func onlyDeliveredAndDuplicateReadingsPastTheWindowGo() async throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.database, configuration: StoreConfiguration(deliveredRetentionMilliseconds: 7 * day), clock: ManualClock(t0))
        var readings = (0..<6).map { reading($0) }
        readings[4].patientId = nil // no binding either: stored held
        let ids = try await store.append(readings)
        let (delivered, duplicate, pending, quarantined, held, recent) = (ids[0], ids[1], ids[2], ids[3], ids[4], ids[5])
        try await store.markDelivered([delivered], identifiers: [delivered: "identifier-0"], destination: "dom", at: t0)
        _ = try await store.setAsideDuplicates([LedgerCandidate(id: duplicate, identifier: "identifier-0")], destination: "dom", at: t0)
        try await store.quarantine([quarantined], destination: "dom", reason: "HTTP 422: invalid code", at: t0)
        #expect(try await store.stats(destination: "dom").held == 1, "reading \(held) is held")
        try await store.markDelivered([recent], destination: "dom", at: t0.adding(milliseconds: 3 * day))

        #expect(try await store.pruneIfDue(now: t0) == 0, "the first call runs")
        #expect(try await store.pruneIfDue(now: t0.adding(milliseconds: 1_800_000)) == nil, "not again within the hour")
        #expect(try await store.pruneIfDue(now: t0.adding(milliseconds: 7 * day - 60_000)) == 0, "nothing before the window ends")
        #expect(try await store.pruneIfDue(now: t0.adding(milliseconds: 7 * day + 3_600_000)) == 2)
        #expect(try await store.observation(id: delivered) == nil)
        #expect(try await store.observation(id: duplicate) == nil)
        #expect(try await !store.ledgerContains("identifier-0", destination: "dom"))
        let audit = try #require(try await store.auditLog(limit: 3).first { $0.2 == "prune" })
        #expect(audit.3.contains("removed 2 delivered reading(s)") && audit.3.contains("window 7 day(s)"), "\(audit.3)")
        // A wall clock stepped back by more than the interval does not stall the job.
        #expect(try await store.pruneIfDue(now: t0.adding(milliseconds: day)) != nil)
        #expect(try await store.pruneIfDue(now: t0.adding(milliseconds: 11 * day)) == 1)
        // A year on, what waits for DOM or for a human is still there.
        #expect(try await store.pruneIfDue(now: t0.adding(milliseconds: 400 * day)) == 0)
        for id in [pending, quarantined, held] { #expect(try await store.observation(id: id) != nil) }
        let stats = try await store.stats(destination: "dom")
        #expect((stats.backlog, stats.quarantined, stats.held, stats.delivered, stats.duplicates) == (1, 1, 1, 0, 0))
    }

    /// A reading still pending for one destination stays, however long ago another destination accepted it.
    @Test func aReadingStaysUntilEveryDestinationHasIt() async throws {
        let dir = TemporaryDirectory()
        let store = try Store(path: dir.database, configuration: StoreConfiguration(deliveredRetentionMilliseconds: day, destinations: ["dom", "backup"]),
                              clock: ManualClock(t0))
        let ids = try await store.append((0..<3).map { reading($0) })
        try await store.markDelivered(ids, destination: "dom", at: t0)
        try await store.markDelivered([ids[0]], destination: "backup", at: t0)
        try await store.markDelivered([ids[1]], destination: "backup", at: t0.adding(milliseconds: day))
        #expect(try await store.prune(now: t0.adding(milliseconds: day + 1)) == 1)
        #expect(try await store.observation(id: ids[1]) != nil)
        #expect(try await store.observation(id: ids[2]) != nil)
        #expect(try await store.prune(now: t0.adding(milliseconds: 2 * day + 1)) == 1)
        #expect(try await store.observation(id: ids[2]) != nil)
    }
}
