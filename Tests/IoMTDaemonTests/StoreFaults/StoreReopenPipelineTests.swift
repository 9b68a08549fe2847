import Foundation
import IoMTAlerts
import IoMTCore
import IoMTDaemon
import IoMTIngest
import IoMTStore
import IoMTTestSupport
import Testing

/// Issue 11.6: a store file that cannot be opened at start. The pipeline runs on the store's stand-in, alarms go
/// out on the exec hook, readings wait in memory; opening is retried on the injected clock with a growing backoff
/// (1 s, 2 s, …) and, once it succeeds, what waited is committed in order and the alerts are stored, once.
/// The file cannot be created because its directory's path runs through a regular file (ENOTDIR even for root).
@Suite struct StoreReopenPipelineTests {
    actor Calls { var count = 0; func add() { count += 1 } }

    @Test func aStoreUnopenableAtStartIsOpenedOnTheClocksBackoffAndGetsWhatWaitedOnce() async throws {
        let directory = try TemporaryDirectory.persistent("iomt-daemon-store-reopen").path
        let blocker = directory + "/state"
        try Data().write(to: URL(fileURLWithPath: blocker))
        let path = blocker + "/s.sqlite"
        let clock = ManualClock()
        let failure: StoreError
        do { _ = try Store(path: path); Issue.record("the store opened under a regular file"); return } catch { failure = error }
        let store = try Store(standInFor: path, error: failure, clock: clock)
        let (hook, hookOutput) = try StoreFaultFixtures.hook(in: directory)
        let dispatcher = AlertDispatcher(store: store, channels: [LogAlertChannel(), ExecHookChannel(executablePath: hook)], clock: clock)
        let pipeline = IngestPipeline(store: store, alerts: AlertEvaluator(ruleSet: StoreFaultFixtures.rules, store: store), dispatcher: dispatcher,
                                      forwarder: nil, health: HealthMonitor(clock: clock), clock: clock)
        let opened = Calls()
        await pipeline.storeUnavailableAtStart(failure) { await opened.add() }
        #expect(await pipeline.storeProblem != nil)

        #expect(await pipeline.accept([StoreFaultFixtures.lowSpO2(95, at: clock.now())]).isEmpty)
        clock.advance(milliseconds: 500)
        #expect(await pipeline.accept([StoreFaultFixtures.lowSpO2(80, at: clock.now())]).isEmpty)
        await dispatcher.dispatchPending()
        let announced = StoreFaultFixtures.lines(hookOutput)
        let spo2 = try #require(announced.first { $0.contains(" spo2-critical ") }, "\(announced)")
        #expect(spo2.hasSuffix(" no"))
        #expect(announced.contains { $0.contains(" store-unwritable ") })
        #expect(await pipeline.deferredReadings.waiting == 2)

        // First attempt 1 s after start: it fails (still blocked); the next one is 2 s after that.
        clock.advance(milliseconds: 500)
        #expect(await pipeline.retryDeferred() == false)
        try FileManager.default.removeItem(atPath: blocker)
        clock.advance(milliseconds: 1000)
        #expect(await pipeline.retryDeferred() == false) // not yet due: no attempt
        #expect(!FileManager.default.fileExists(atPath: blocker))
        clock.advance(milliseconds: 1000)
        #expect(await pipeline.retryDeferred())
        #expect(await pipeline.storeProblem == nil)
        #expect(await opened.count == 1)
        #expect(await store.unavailable == nil)

        let rows = try await store.pending(destination: "dom", limit: 10)
        #expect(rows.compactMap { $0.observation.value } == [DecimalValue(95), DecimalValue(80)])
        let alerts = try await store.alerts(limit: 10)
        let alert = try #require(alerts.first { $0.event.ruleId == "spo2-critical" })
        #expect(alert.event.readingNotStored)
        #expect(spo2.hasPrefix(alert.event.identifier + " "))
        await dispatcher.dispatchPending()
        #expect(try await store.undispatchedAlerts(channel: "exec", limit: 10).isEmpty)
        #expect(StoreFaultFixtures.lines(hookOutput).filter { $0.contains(" spo2-critical ") }.count == 1)
        // Written to the file itself, not only to a connection: another one sees the rows.
        #expect(try await Store(path: path).pending(destination: "dom", limit: 10).count == 2)
    }

    /// Issue 12.2 across a degraded start: an episode open before a start whose store would not open is continued once
    /// the file opens (the saved state is read then and merged), so the ongoing desaturation does not alarm again.
    @Test func anEpisodeOpenBeforeADegradedStartIsContinuedWhenTheStoreOpens() async throws {
        let directory = try TemporaryDirectory.persistent("iomt-daemon-store-reopen-alarm").path
        let stateDirectory = directory + "/state"
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let path = stateDirectory + "/s.sqlite"
        let clock = ManualClock()
        let (hook, hookOutput) = try StoreFaultFixtures.hook(in: directory)
        func spo2Alarms() -> Int { StoreFaultFixtures.lines(hookOutput).filter { $0.contains(" spo2-critical ") }.count }

        // The run before: a desaturation opens an episode; its state is saved with the alert.
        do {
            let store = try Store(path: path, clock: clock)
            let dispatcher = AlertDispatcher(store: store, channels: [ExecHookChannel(executablePath: hook)], clock: clock)
            let pipeline = IngestPipeline(store: store, alerts: AlertEvaluator(ruleSet: StoreFaultFixtures.rules, store: store), dispatcher: dispatcher,
                                          forwarder: nil, health: HealthMonitor(clock: clock), clock: clock)
            #expect(await pipeline.accept([StoreFaultFixtures.lowSpO2(80, at: clock.now())]).count == 1)
            await dispatcher.dispatchPending()
            #expect(spo2Alarms() == 1)
        }

        // The next start cannot open the file (its directory's path runs through a regular file now).
        try FileManager.default.moveItem(atPath: stateDirectory, toPath: stateDirectory + ".away")
        try Data().write(to: URL(fileURLWithPath: stateDirectory))
        clock.advance(milliseconds: 1000)
        let failure: StoreError
        do { _ = try Store(path: path); Issue.record("the store opened under a regular file"); return } catch { failure = error }
        let store = try Store(standInFor: path, error: failure, clock: clock)
        let dispatcher = AlertDispatcher(store: store, channels: [ExecHookChannel(executablePath: hook)], clock: clock)
        let evaluator = AlertEvaluator(ruleSet: StoreFaultFixtures.rules, store: store)
        let pipeline = IngestPipeline(store: store, alerts: evaluator, dispatcher: dispatcher, forwarder: nil, health: HealthMonitor(clock: clock), clock: clock)
        #expect(await evaluator.restore().isEmpty)
        await pipeline.storeUnavailableAtStart(failure) {}
        #expect(await evaluator.openEpisodes == 1) // only store-unwritable: the saved episode cannot be read yet

        // The file can be opened again: the saved state is read and continued.
        try FileManager.default.removeItem(atPath: stateDirectory)
        try FileManager.default.moveItem(atPath: stateDirectory + ".away", toPath: stateDirectory)
        clock.advance(milliseconds: 1000)
        #expect(await pipeline.retryDeferred())
        #expect(await evaluator.openEpisodes >= 1)

        // The desaturation goes on: the same episode, no second alarm.
        clock.advance(milliseconds: 1000)
        _ = await pipeline.accept([StoreFaultFixtures.lowSpO2(79, at: clock.now())])
        await dispatcher.dispatchPending()
        #expect(spo2Alarms() == 1, "\(StoreFaultFixtures.lines(hookOutput))")
        let open = try await store.alerts(limit: 10).filter { $0.event.ruleId == "spo2-critical" }
        #expect(open.count == 1)
    }
}
