import Foundation
import IoMTAlerts
import IoMTCore
import IoMTIngest
import IoMTDrivers
import IoMTHTTP
import IoMTLab
import IoMTProfiles
import IoMTStore
import IoMTTransport

/// 5. Frame written on a pty → alert dispatched, with 100 simulated devices at 1 Hz whose SpO2 alternates
/// 85 / 97 % each second (so every device raises an alert every 2 s under `spo2 below 90`), through the
/// daemon's pieces: SerialConnection, driver, IngestPipeline (store, alert engine, durable alert row),
/// AlertDispatcher with the exec hook (/bin/true) and the webhook (to the lab receiver's POST /webhook).
/// Latency runs from writing the frame that completes the reporting window to the channel's `deliver`
/// returning: for the hook, after it started *and exited*; for the webhook, after the 2xx came back —
/// both upper bounds of "started" / "sent".
enum AlertLatencyBench {
    static func run(options: BenchOptions, report: BenchReport) async {
        print("5. frame on pty → alert dispatched (exec hook, webhook)")
        guard let bench = PtyFleetBench(options, seconds: 30, scratch: "alerts") else { return }
        let (profile, store, writes) = (bench.profile, bench.store, bench.writes)
        let receiver = DOMReceiver(configuration: DOMReceiverConfiguration())
        guard let port = try? receiver.start() else { print("  cannot start the receiver"); return }
        defer { receiver.stop() }
        let clock = SystemClock()
        let hook = TimedChannel(ExecHookChannel(executablePath: "/bin/true"), writes: writes)
        let webhook = TimedChannel(WebhookChannel(url: "http://127.0.0.1:\(port)/webhook", transport: CurlHTTPClient(), gatewayId: "BENCH"),
                                   writes: writes)
        // Not latching: every dip is an episode of its own (fired, then resolved when SpO2 is back), as before latching existed.
        let rules = RuleSet(rules: [.threshold(id: "spo2-low", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(90), priority: .high,
                                               latching: false)])
        let pipeline = IngestPipeline(store: store, alerts: AlertEvaluator(ruleSet: rules, context: AlertContext(deviceClasses: [profile.id: profile.deviceClass]), store: store),
                                      dispatcher: AlertDispatcher(store: store, channels: [hook, webhook], clock: clock),
                                      forwarder: nil, health: HealthMonitor(clock: clock), clock: clock)
        guard let fleet = bench.openFleet(serialPrefix: "ALR", pipeline: pipeline) else { return }
        for (index, device) in fleet.identities.enumerated() { writes.register(key: device.key, index: index) }
        // SpO2 alternates 85/97 % every second, so each device raises an alert about every 2 s.
        await fleet.feed(seconds: bench.seconds, settleSeconds: 3, spo2: { ($0 / 100) % 2 == 0 ? 85 : 97 }, wrote: { writes.wrote(device: $0) })
        try? await Task.sleep(for: .seconds(1))
        let stored = (try? await store.alerts(limit: 1_000_000).count) ?? -1
        print("  alerts stored \(stored), delivered: exec hook \(hook.latencies.count), webhook \(webhook.latencies.count), " +
              "at the receiver \(receiver.webhookCalls().count)")
        // The first alert of each device may come from a window filled before timing was steady: skip them.
        for (name, channel) in [("exec hook", hook), ("webhook", webhook)] {
            report.addPercentiles("frame→alert (\(name))", setting: "100 devices", counted: "alerts",
                                  Array(channel.latencies.dropFirst(PtyFleetBench.devices)), p99Target: "≤ 20 ms")
        }
        bench.finish(fleet)
    }
}

/// A real channel, timed: records frame → `deliver` returned for every alert it took.
final class TimedChannel: AlertChannel, Sendable {
    let inner: any AlertChannel
    let writes: FrameWriteTimes
    private let measured = LatencySamples()
    var name: String { inner.name }
    init(_ inner: any AlertChannel, writes: FrameWriteTimes) { self.inner = inner; self.writes = writes }
    func deliver(_ alert: StoredAlert) async -> Bool {
        let delivered = await inner.deliver(alert)
        if delivered, let latency = writes.sinceLastWrite(key: alert.event.deviceKey) { measured.append(latency) }
        return delivered
    }
    var latencies: [Double] { measured.latencies }
}
