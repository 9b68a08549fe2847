import Foundation
import IoMTCore
import IoMTDaemon
import IoMTLab
import IoMTStore
import IoMTTestSupport
import Testing

/// The daemon's periodic jobs wait on its injected clock: run in this process on a hand-moved clock, a job runs when
/// its period has passed on that clock and not before, with no real time passing.
@Suite struct DaemonScheduleTests {
    /// The daemon in this process on `clock`, stopped by `stop()`.
    final class RunningDaemon: Sendable {
        let directory: URL
        let clock = ManualSchedulingClock()
        private let stopRequests: AsyncStream<Void>
        private let requestStop: AsyncStream<Void>.Continuation
        private let running: Task<Int32, Never>

        init(_ name: String) throws {
            directory = try TemporaryDirectory.persistent("iomt-daemon-\(name)")
            let configPath = directory.appendingPathComponent("iomtd.json").path
            try """
                {
                  "stateDirectory": "\(directory.appendingPathComponent("state").path)",
                  "profilesDirectory": "\(RepositoryRoot.url.appendingPathComponent("DeviceProfiles").path)",
                  "gateway": {"systemId": "0A1B2C3D4E5F6071"},
                  "control": {"socketPath": "\(directory.appendingPathComponent("control.sock").path)"},
                  "hotplug": {"enabled": false},
                  "devices": [],
                  "dom": {"baseURL": "http://127.0.0.1:\(LoopbackPort.unused())/fhir"}
                }
                """.write(toFile: configPath, atomically: true, encoding: .utf8)
            let daemon = try GatewayDaemon.load(configPath: configPath, clock: clock)
            (stopRequests, requestStop) = AsyncStream<Void>.makeStream()
            let stopRequests = stopRequests
            running = Task { await daemon.run(until: { for await _ in stopRequests { return } }) }
        }

        /// Stops the daemon as SIGTERM would and returns its exit code.
        func stop() async -> Int32 {
            requestStop.yield()
            return await running.value
        }

        /// Every periodic job has done what was due and waits on the clock again (`count` jobs in all).
        func parked(_ count: Int) async -> Bool {
            await Eventually.holds(within: 60, pollMilliseconds: 10) { clock.sleeperCount == count } // a hang guard: returns as soon as it holds
        }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    /// What waits on the clock: alert retry, alert clock, storage relief, metrics writer, watchdog feed, and the idle
    /// forwarder's poll (nothing is pending, so it never calls DOM).
    static let periodicJobs = 6

    @Test func theMetricsFileIsRewrittenWhenItsPeriodHasPassedOnTheDaemonsClock() async throws {
        let daemon = try RunningDaemon("schedule-metrics")
        let metrics = daemon.directory.appendingPathComponent("state/\(DeliveryMetrics.fileName)").path
        #expect(await daemon.parked(Self.periodicJobs), "the daemon's periodic jobs do not wait on its injected clock")
        #expect(FileManager.default.fileExists(atPath: metrics), "written at start")
        try FileManager.default.removeItem(atPath: metrics)

        // Other jobs come due meanwhile (the alert clock every second, the watchdog feed); the metrics writer does not.
        daemon.clock.advance(by: DaemonSchedule.metricsPeriod - .seconds(1))
        #expect(await daemon.parked(Self.periodicJobs))
        #expect(!FileManager.default.fileExists(atPath: metrics), "rewritten before its period had passed")

        daemon.clock.advance(by: .seconds(1))
        #expect(await daemon.parked(Self.periodicJobs))
        #expect(FileManager.default.fileExists(atPath: metrics), "not rewritten once its period had passed on the clock")
        #expect(await daemon.stop() == 0)
    }
}
