import Foundation
import IoMTAlerts
import IoMTCore
import IoMTDaemon
import IoMTIngest
import IoMTLab
import IoMTStore
import IoMTTestSupport
import Testing

/// Issue 12.6, the demo: a gateway configured `"demonstration": true` labels every reading demonstration data and its
/// alarms reach the exec hook flagged test (IOMT_ALERT_TEST=1), never as a patient's alarm. Real store, real hook.
@Suite struct DemonstrationGatewayTests {
    func run(demonstration: Bool) async throws -> (readings: [StoredObservation], alerts: [StoredAlert], hookLines: [String]) {
        let directory = try TemporaryDirectory.persistent("iomt-daemon-demonstration-\(demonstration)")
        let output = directory.appendingPathComponent("hook.out").path
        let hook = directory.appendingPathComponent("hook.sh").path
        try ExecutableScript.write("#!/bin/sh\necho \"$IOMT_ALERT_RULE test=$IOMT_ALERT_TEST\" >> \(output)\n", to: hook)
        let clock = ManualClock()
        let store = try Store(path: directory.appendingPathComponent("s.sqlite").path, clock: clock)
        let dispatcher = AlertDispatcher(store: store, channels: [LogAlertChannel(), ExecHookChannel(executablePath: hook)], clock: clock)
        let pipeline = IngestPipeline(store: store, alerts: AlertEvaluator(ruleSet: StoreFaultFixtures.rules, store: store), dispatcher: dispatcher,
                                      forwarder: nil, health: HealthMonitor(clock: clock), clock: clock, demonstration: demonstration)
        _ = await pipeline.accept([StoreFaultFixtures.lowSpO2(80, at: clock.now())])
        // The shell creates the file before it writes the line: wait for a whole line, not for the file.
        func lines() -> [String] { ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
        #expect(await Eventually.holds(within: 30, pollMilliseconds: 100) { ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").hasSuffix("\n") },
                "the hook never ran")
        return (try await store.recent(limit: 10), try await store.alerts(limit: 10), lines())
    }

    @Test func aDemonstrationGatewayLabelsItsReadingsAndFlagsItsAlarmsTest() async throws {
        let demo = try await run(demonstration: true)
        #expect(demo.readings.allSatisfy { $0.observation.status.contains(.demonstrationData) } && !demo.readings.isEmpty)
        #expect(demo.alerts.map(\.event.test) == [.announced], "\(demo.alerts.map(\.event))")
        #expect(demo.hookLines == ["spo2-critical test=1"])
        // The same reading on a real gateway is a patient's alarm.
        let real = try await run(demonstration: false)
        #expect(real.readings.allSatisfy { !$0.observation.status.contains(.demonstrationData) })
        #expect(real.alerts.map(\.event.test) == [nil])
        #expect(real.hookLines == ["spo2-critical test=0"])
    }
}
