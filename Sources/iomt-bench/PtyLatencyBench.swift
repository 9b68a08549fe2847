import Foundation
import IoMTAlerts
import IoMTCore
import IoMTIngest
import IoMTDrivers
import IoMTLab
import IoMTProfiles
import IoMTStore
import IoMTTransport

/// 2. Frame written on a pty → reading committed, with 100 simulated devices at 1 Hz, through the
/// daemon's own pieces (SerialConnection, driver, IngestPipeline with the SQLite store).
/// Latency is measured from writing the frame that completes a reporting window to the return
/// of the group commit that holds the window's readings.
enum PtyLatencyBench {
    static func run(options: BenchOptions, report: BenchReport) async {
        print("2. frame on pty → committed latency")
        guard let bench = PtyFleetBench(options, seconds: 20, scratch: "latency") else { return }
        let clock = SystemClock()
        let health = HealthMonitor(clock: clock)
        let pipeline = IngestPipeline(store: bench.store, alerts: AlertEvaluator(ruleSet: RuleSet(rules: [])),
                                      dispatcher: AlertDispatcher(store: bench.store, channels: [], clock: clock),
                                      forwarder: nil, health: health, clock: clock)
        let committed = LatencySamples()
        guard let fleet = bench.openFleet(serialPrefix: "LAT", pipeline: pipeline, accepted: { committed.append(bench.writes.sinceLastWrite(device: $0)) })
        else { return }
        // Writer: each device sends one frame per second, staggered across the second.
        await fleet.feed(seconds: bench.seconds, settleSeconds: 2, spo2: { _ in 97 }, wrote: { bench.writes.wrote(device: $0) })
        // The first second of each device fills its first window: skip warm-up samples.
        report.addPercentiles("frame→committed", setting: "100 devices @ 1 Hz", counted: "readings",
                              Array(committed.latencies.dropFirst(PtyFleetBench.devices)), p99Target: "≤ 2 ms")
        bench.finish(fleet)
    }
}
