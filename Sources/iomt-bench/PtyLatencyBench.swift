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
        let devices = 100
        let seconds = options.quick ? 8 : 20
        guard let (profile, settings) = PtyDeviceFleet.cms50Profile(), let (directory, store) = BenchPaths.scratchStore("latency") else { return }
        let clock = SystemClock()
        let health = HealthMonitor(clock: clock)
        let pipeline = IngestPipeline(store: store, alerts: AlertEvaluator(ruleSet: RuleSet(rules: [])),
                                      dispatcher: AlertDispatcher(store: store, channels: [], clock: clock),
                                      forwarder: nil, health: health, clock: clock)
        let writes = FrameWriteTimes(devices: devices)
        let committed = LatencySamples()
        guard let fleet = PtyDeviceFleet.open(devices: devices, profile: profile, settings: settings, serialPrefix: "LAT", pipeline: pipeline,
                                              accepted: { committed.append(writes.sinceLastWrite(device: $0)) }) else { return }
        // Writer: each device sends one frame per second, staggered across the second.
        await fleet.feed(seconds: seconds, settleSeconds: 2, spo2: { _ in 97 }, wrote: { writes.wrote(device: $0) })
        // The first second of each device fills its first window: skip warm-up samples.
        report.addPercentiles("frame→committed", setting: "100 devices @ 1 Hz", counted: "readings", Array(committed.latencies.dropFirst(devices)),
                              p99Target: "≤ 2 ms")
        fleet.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
