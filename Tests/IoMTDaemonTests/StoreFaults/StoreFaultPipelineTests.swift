import Foundation
import IoMTAlerts
import IoMTCore
import IoMTDaemon
import IoMTIngest
import IoMTStore
import IoMTTestSupport
import Testing

/// Issue 11.6 / 12.1 / 12.7 at the pipeline: a real SQLite store made to fail for real (full tmpfs, a lock
/// held by another connection), the alert engine, the dispatcher and a real exec hook; time from a ManualClock.
@Suite(.serialized) struct StoreFaultPipelineTests {
    struct Setup {
        let store: Store
        let pipeline: IngestPipeline
        let dispatcher: AlertDispatcher
        let hookOutput: String
        let clock: ManualClock
    }

    func setup(storeDirectory: String, hookDirectory: String) throws -> Setup {
        let clock = ManualClock()
        let store = try Store(path: storeDirectory + "/s.sqlite", clock: clock)
        let (hook, output) = try StoreFaultFixtures.hook(in: hookDirectory)
        let dispatcher = AlertDispatcher(store: store, channels: [LogAlertChannel(), ExecHookChannel(executablePath: hook)], clock: clock)
        let pipeline = IngestPipeline(store: store, alerts: AlertEvaluator(ruleSet: StoreFaultFixtures.rules), dispatcher: dispatcher,
                                      forwarder: nil, health: HealthMonitor(clock: clock), clock: clock)
        return Setup(store: store, pipeline: pipeline, dispatcher: dispatcher, hookOutput: output, clock: clock)
    }

    @Test func aDesaturationOnAFullDiskReachesTheHookAtOnceAndIsStoredFlaggedWhenSpaceReturns() async throws {
        guard try StoreFaultFixtures.canMount() else { return }
        let mount = try await StoreFaultFixtures.mountSmallTmpfs(kilobytes: 1024)
        try await withAsyncCleanup({ await StoreFaultFixtures.unmount(mount) }) {
            let hooks = try TemporaryDirectory.persistent("iomt-daemon-store-fault-hook").path
            let s = try setup(storeDirectory: mount, hookDirectory: hooks)
            let stored = await s.pipeline.accept([StoreFaultFixtures.lowSpO2(95, at: s.clock.now())])
            #expect(stored.count == 1)

            try await StoreFaultFixtures.fill(mount)
            s.clock.advance(milliseconds: 1000)
            let refused = await s.pipeline.accept([StoreFaultFixtures.lowSpO2(80, at: s.clock.now())])
            #expect(refused.isEmpty) // SQLITE_FULL: not acknowledged…
            await s.dispatcher.dispatchPending()
            // …but the alarm went out on the hook, saying its reading is not stored; and store-unwritable with it.
            let announced = StoreFaultFixtures.lines(s.hookOutput)
            let spo2 = try #require(announced.first { $0.contains(" spo2-critical ") })
            #expect(spo2.hasSuffix(" no"))
            #expect(announced.contains { $0.contains(" store-unwritable ") })
            #expect(await s.pipeline.deferredReadings.waiting == 1)

            try FileManager.default.removeItem(atPath: mount + "/filler")
            #expect(await s.pipeline.retryDeferred())
            await s.dispatcher.dispatchPending()
            // Space is back: the reading and the alert are stored, the alert flagged and under the identifier the hook saw.
            let alerts = try await s.store.alerts(limit: 10)
            let alert = try #require(alerts.first { $0.event.ruleId == "spo2-critical" })
            #expect(alert.event.readingNotStored)
            #expect(spo2.hasPrefix(alert.event.identifier + " "))
            #expect(try await s.store.pending(destination: "dom", limit: 10).compactMap { $0.observation.value } == [DecimalValue(95), DecimalValue(80)])
            // Recorded as delivered: no second run of the hook for it.
            #expect(try await s.store.undispatchedAlerts(channel: "exec", limit: 10).isEmpty)
            #expect(StoreFaultFixtures.lines(s.hookOutput).filter { $0.contains(" spo2-critical ") }.count == 1)
        }
    }

    @Test func aLockHeldPastTheBusyTimeoutLosesNoReadingAndKeepsTheirOrder() async throws {
        let directory = try TemporaryDirectory.persistent("iomt-daemon-store-fault-lock").path
        let s = try setup(storeDirectory: directory, hookDirectory: directory)
        let lock = try StoreFaultFixtures.WriteLock(path: directory + "/s.sqlite")
        // Another process holds the write lock longer than the 5 s busy timeout: SQLITE_BUSY.
        let refused = await s.pipeline.accept([StoreFaultFixtures.lowSpO2(96, at: s.clock.now())])
        #expect(refused.isEmpty)
        lock.release()
        s.clock.advance(milliseconds: 1000)
        await s.pipeline.accept([StoreFaultFixtures.lowSpO2(97, at: s.clock.now())])
        #expect(await s.pipeline.deferredReadings.waiting == 0)
        let rows = try await s.store.pending(destination: "dom", limit: 10)
        #expect(rows.compactMap { $0.observation.value } == [DecimalValue(96), DecimalValue(97)])
        #expect(rows.map(\.id) == rows.map(\.id).sorted())
    }

    @Test func alertIdsStayDistinctAfterAnOlderStoreCopyIsRestored() async throws {
        let directory = try TemporaryDirectory.persistent("iomt-daemon-store-fault-restore").path
        let path = directory + "/s.sqlite"
        let (hook, output) = try StoreFaultFixtures.hook(in: directory)
        do {
            let store = try Store(path: path)
            let dispatcher = AlertDispatcher(store: store, channels: [ExecHookChannel(executablePath: hook)])
            await dispatcher.raise([Self.event(85)])
            await dispatcher.dispatchPending()
            try await store.checkpoint()
        }
        try FileManager.default.copyItem(atPath: path, toPath: directory + "/backup.sqlite")
        do {
            let store = try Store(path: path)
            let dispatcher = AlertDispatcher(store: store, channels: [ExecHookChannel(executablePath: hook)])
            await dispatcher.raise([Self.event(84)])
            await dispatcher.dispatchPending()
        }
        // The box is restored from the backup (without the second alert), and a new alert is raised.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        try FileManager.default.copyItem(atPath: directory + "/backup.sqlite", toPath: path)
        let restored = try Store(path: path)
        let dispatcher = AlertDispatcher(store: restored, channels: [ExecHookChannel(executablePath: hook)])
        let ids = await dispatcher.raise([Self.event(83)])
        await dispatcher.dispatchPending()
        let sent = StoreFaultFixtures.lines(output).map { $0.split(separator: " ")[0] }
        #expect(sent.count == 3)
        #expect(Set(sent).count == 3) // a receiver deduplicating by id would otherwise drop the new alarm
        #expect(ids.count == 1)
    }

    static func event(_ value: Int) -> AlertEvent {
        AlertEvent(ruleId: "spo2-critical", ruleSetHash: "h", priority: .high, condition: "below", measurement: "MDC_PULS_OXIM_SAT_O2",
                   value: DecimalValue(value), unit: "%", threshold: DecimalValue(88), patientId: nil, deviceKey: "sn:x:1",
                   observedAt: Instant(millisecondsSinceEpoch: 1), createdAt: Instant(millisecondsSinceEpoch: 2), observationId: nil,
                   message: "MDC_PULS_OXIM_SAT_O2 \(value) % below 88")
    }
}
