import Foundation
import IoMTAlerts
import IoMTCore
import IoMTDaemon
import IoMTIngest
import IoMTStore
import IoMTTestSupport
import Testing

/// The daemon's AlertEvaluator on a real SQLite file: its state commits with (or before) the alerts it produced,
/// a new evaluator on the same file continues the episode, and a crash between the state's commit and the alerts'
/// gives the alert back once at restart. Time is a ManualClock.
@Suite struct AlertEngineDurabilityTests {
    static let start = Instant(millisecondsSinceEpoch: 1_763_900_000_000)
    let oximeter = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "A1")
    let rules: RuleSet = {
        var rule = AlertRule.threshold(id: "spo2-critical", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(88), priority: .high)
        rule.persistenceMilliseconds = 5_000
        rule.escalation = AlertRule.Escalation(repeatEveryMilliseconds: 120_000)
        return RuleSet(version: "durable-1", rules: [rule])
    }()

    func spo2(_ value: Int, at clock: ManualClock) -> Observation {
        Observation(type: .spo2, value: DecimalValue(value), unit: "%", receivedAt: clock.now(), correctedTime: clock.now(),
                    device: oximeter, patientId: nil, rawFrame: [0x80])
    }

    /// Stores one reading per second and evaluates it, as IngestPipeline does; stores the alerts when `storeAlerts`.
    func feed(_ evaluator: AlertEvaluator, store: Store, clock: ManualClock, values: [Int], storeAlerts: Bool = true) async throws -> [AlertEvent] {
        var events: [AlertEvent] = []
        for value in values {
            let observation = spo2(value, at: clock)
            let ids = try await store.append([observation])
            let produced = await evaluator.evaluate([observation], ids: ids, now: clock.now())
            if storeAlerts { _ = try await store.insertAlerts(produced) }
            events += produced
            clock.advance(milliseconds: 1000)
        }
        return events
    }

    @Test func aRestartedEvaluatorContinuesTheEpisodeAndItsEscalationSchedule() async throws {
        let path = try TemporaryDirectory.persistent("iomt-daemon-engine-durable").appendingPathComponent("store.db").path
        let clock = ManualClock(Self.start)
        let before = try Store(path: path, clock: clock)
        let first = AlertEvaluator(ruleSet: rules, store: before)
        #expect(await first.restore().isEmpty)
        let fired = try await feed(first, store: before, clock: clock, values: Array(repeating: 84, count: 10))
        #expect(fired.map(\.occurrence) == [.fired])

        // "Restart": a new connection to the file, a new evaluator; the condition is still there.
        let after = try Store(path: path, clock: clock)
        let second = AlertEvaluator(ruleSet: rules, store: after)
        #expect(await second.restore().isEmpty)
        #expect(await second.openEpisodes == 1)
        var later = try await feed(second, store: after, clock: clock, values: Array(repeating: 84, count: 30))
        #expect(later.isEmpty) // no second alarm for the same episode
        // The repetition comes 120 s after the original firing (second 5), not 120 s after the restart (second 10).
        clock.advance(milliseconds: 125_000 - clock.now().milliseconds(since: Self.start))
        later = await second.process([.tick(clock.now())])
        #expect(later.map(\.occurrence) == [.repeated])
        #expect(later.first?.episode == fired.first?.episode)
    }

    @Test func aCrashBetweenTheStateAndTheAlertCommitRaisesTheAlertOnceAfterRestart() async throws {
        let path = try TemporaryDirectory.persistent("iomt-daemon-engine-crash").appendingPathComponent("store.db").path
        let clock = ManualClock(Self.start)
        let before = try Store(path: path, clock: clock)
        let first = AlertEvaluator(ruleSet: rules, store: before)
        // The alert is decided but the process dies before its row commits; the next group commit carries the state.
        let fired = try await feed(first, store: before, clock: clock, values: Array(repeating: 84, count: 7), storeAlerts: false)
        #expect(fired.map(\.occurrence) == [.fired])
        _ = try await before.append([spo2(84, at: clock)])
        #expect(try await before.alerts(limit: 10).isEmpty)

        let after = try Store(path: path, clock: clock)
        let second = AlertEvaluator(ruleSet: rules, store: after)
        let undecided = await second.restore()
        #expect(undecided == fired) // the same alert (same episode and time), to be raised now
        _ = try await after.insertAlerts(undecided)
        // Another restart finds it stored: nothing to raise twice.
        let third = AlertEvaluator(ruleSet: rules, store: try Store(path: path, clock: clock))
        #expect(await third.restore().isEmpty)
        #expect(await third.openEpisodes == 1)
    }

    /// Each decided event is written once (the journal), not again with every snapshot: the saved state does not grow
    /// with the alerts of the last minute, which is what kept frame → alert latency flat (iomt-bench 5).
    @Test func theSavedStateDoesNotGrowWithTheAlertsItDecided() async throws {
        let path = try TemporaryDirectory.persistent("iomt-daemon-engine-journal").appendingPathComponent("store.db").path
        let clock = ManualClock(Self.start)
        let store = try Store(path: path, clock: clock)
        let dips = RuleSet(version: "dips-1", rules: [.threshold(id: "spo2-low", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(90),
                                                                 priority: .high, latching: false)])
        let evaluator = AlertEvaluator(ruleSet: dips, store: store)
        let alternating = (0..<60).map { $0 % 2 == 0 ? 85 : 97 }
        let early = try await feed(evaluator, store: store, clock: clock, values: Array(alternating.prefix(6)))
        let earlySize = try #require(try await store.alertEngineState()).json.utf8.count
        let late = try await feed(evaluator, store: store, clock: clock, values: Array(alternating.dropFirst(6)))
        #expect(early.count + late.count == 60) // one episode per dip: fired, then resolved
        let lateSize = try #require(try await store.alertEngineState()).json.utf8.count
        #expect(lateSize < earlySize + 512, "state grew from \(earlySize) to \(lateSize) bytes")
        // The journal keeps the last minute of events, each once.
        let journal = try await store.alertEngineJournal()
        #expect(Set(journal.map { "\($0.episode)/\($0.occurrence)/\($0.createdAt.millisecondsSinceEpoch)" }).count == journal.count)
        #expect(journal.count <= 62 && journal.count >= 50)
    }

    /// Each track has its own row, written only when it changed: a reading that changes one patient's track rewrites
    /// that row alone, not the state of every device on the gateway (what kept frame → alert latency high, bench 5).
    @Test func aCommitRewritesOnlyTheTracksThatChanged() async throws {
        let path = try TemporaryDirectory.persistent("iomt-daemon-engine-tracks").appendingPathComponent("store.db").path
        let clock = ManualClock(Self.start)
        let store = try Store(path: path, clock: clock)
        let evaluator = AlertEvaluator(ruleSet: rules, store: store)
        func reading(_ value: Int, device number: Int) -> Observation {
            let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+", serialNumber: "D\(number)")
            return Observation(type: .spo2, value: DecimalValue(value), unit: "%", receivedAt: clock.now(), correctedTime: clock.now(),
                               device: device, patientId: nil, rawFrame: [0x80])
        }
        // Twenty oximeters below the limit: twenty persistence windows running (5 s, not reached).
        for number in 0..<20 {
            let observation = reading(84, device: number)
            _ = await evaluator.evaluate([observation], ids: try await store.append([observation]), now: clock.now())
        }
        _ = try await store.append([reading(95, device: 99)]) // a commit that carries the staged state
        let before = try #require(try await store.alertEngineState())
        #expect(before.tracks.count >= 20)
        #expect(before.json.contains("\"tracks\":{}"), "the state row holds no track")

        // One of them recovers: its window ends; the other nineteen rows are not touched.
        clock.advance(milliseconds: 1000)
        let recovered = reading(97, device: 3)
        _ = await evaluator.evaluate([recovered], ids: try await store.append([recovered]), now: clock.now())
        _ = try await store.append([reading(95, device: 99)])
        let after = try #require(try await store.alertEngineState())
        #expect(after.sequence > before.sequence)
        let changed = Set(after.tracks.keys).union(before.tracks.keys).filter { after.tracks[$0] != before.tracks[$0] }
        #expect(changed.count == 1 && changed.first?.contains("D3") == true, "\(changed)")

        // A restart rebuilds the engine from the rows: nineteen windows still running, none for the recovered one.
        let restarted = AlertEvaluator(ruleSet: rules, store: try Store(path: path, clock: clock))
        #expect(await restarted.restore().isEmpty)
        clock.advance(milliseconds: 5000)
        var fired: [AlertEvent] = []
        for number in 0..<20 { fired += await restarted.evaluate([reading(84, device: number)], ids: [nil], now: clock.now()) }
        #expect(fired.filter { $0.occurrence == .fired }.count == 19)
        #expect(!fired.contains { $0.deviceKey.hasSuffix(":D3") })
    }

    /// A state saved whole by an earlier version (tracks inside its JSON, no track rows) is restored, and the first
    /// write after it gives every track its row (none is lost in the change of format).
    @Test func aStateSavedWholeIsRestoredAndItsTracksGetRows() async throws {
        let path = try TemporaryDirectory.persistent("iomt-daemon-engine-whole").appendingPathComponent("store.db").path
        let clock = ManualClock(Self.start)
        let store = try Store(path: path, clock: clock)
        var engine = AlertEngine(ruleSet: rules)
        for value in [84, 84, 84, 84, 84, 84, 84] {
            _ = engine.process(.observation(spo2(value, at: clock), id: nil))
            clock.advance(milliseconds: 1000)
        }
        #expect(engine.openEpisodeCount == 1)
        let whole = try engine.snapshot().json()
        try await store.saveAlertEngineState(StagedAlertEngineState(ruleSetHash: rules.hash, sequence: 7, savedAt: clock.now(), encode: { whole }))
        #expect(try await store.alertEngineState()?.tracks.isEmpty == true)

        let evaluator = AlertEvaluator(ruleSet: rules, store: store)
        #expect(await evaluator.restore().isEmpty)
        #expect(await evaluator.openEpisodes == 1)
        _ = try await feed(evaluator, store: store, clock: clock, values: [97]) // a state change (the latched episode stays open)
        _ = try await store.append([spo2(97, at: clock)])
        let saved = try #require(try await store.alertEngineState())
        #expect(saved.tracks.count == 1 && saved.json.contains("\"tracks\":{}"))
        let again = AlertEvaluator(ruleSet: rules, store: try Store(path: path, clock: clock))
        #expect(await again.restore().isEmpty)
        #expect(await again.openEpisodes == 1)
    }
}
