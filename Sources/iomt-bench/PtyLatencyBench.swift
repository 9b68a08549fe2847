import Foundation
import IoMTAlerts
import IoMTCore
import IoMTDaemon
import IoMTDrivers
import IoMTLab
import IoMTProfiles
import IoMTStore
import IoMTTransport
import Synchronization

/// 2. Frame written on a pty → reading committed, with 100 simulated devices at 1 Hz, through the
/// daemon's own pieces (SerialConnection, driver, IngestPipeline with the SQLite store).
/// Latency is measured from writing the frame that completes a reporting window to the return
/// of the group commit that holds the window's readings.
enum PtyLatencyBench {
    static func run(options: BenchOptions, report: BenchReport) async {
        print("2. frame on pty → committed latency")
        let devices = 100
        let seconds = options.quick ? 8 : 20
        guard let profile = try? ProfileLoader(knownDriverIds: DriverRegistry.driverIds).load(directory: BenchPaths.profiles)
            .first(where: { $0.id == "contec-cms50d-plus" }), let settings = profile.serial else { print("  cannot load profiles"); return }
        let directory = BenchPaths.scratch("latency")
        guard let store = try? Store(path: directory + "/bench.sqlite") else { print("  cannot open store"); return }
        let clock = SystemClock()
        let health = HealthMonitor(clock: clock)
        let pipeline = IngestPipeline(store: store, alerts: AlertEvaluator(ruleSet: RuleSet(rules: [])),
                                      dispatcher: AlertDispatcher(store: store, channels: [], clock: clock),
                                      forwarder: nil, health: health, clock: clock)
        var terminals: [PseudoTerminal] = []
        for _ in 0..<devices {
            guard let pty = try? PseudoTerminal() else { print("  cannot open pty"); return }
            terminals.append(pty)
        }
        let recorder = LatencyRecorder(devices: devices)
        var connections: [SerialConnection] = []
        var readers: [Task<Void, Never>] = []
        for (index, pty) in terminals.enumerated() {
            let connection = SerialConnection(path: pty.slavePath, settings: settings)
            connections.append(connection)
            let device = DeviceIdentity(profileId: profile.id, manufacturer: profile.manufacturer, model: profile.model, serialNumber: "LAT-\(index)")
            readers.append(Task {
                var reader = try! DriverRegistry.makeReader(for: profile)
                let normaliser = Normaliser()
                for await event in connection.chunks() {
                    guard case let .data(bytes, at) = event else { continue }
                    let output = reader.handle(.bytes(bytes), at: at)
                    guard !output.measurements.isEmpty else { continue }
                    let observations = output.measurements.map { normaliser.normalise($0, device: device, patientId: nil, receivedAt: at) }
                    await pipeline.accept(observations)
                    recorder.committed(device: index)
                }
            })
        }
        // Writer: each device sends one frame per second, staggered across the second.
        startStaggeredCMS50Writer(ptys: terminals, seconds: seconds, spo2: { _ in 97 }, wrote: { recorder.wrote(device: $0) })
        try? await Task.sleep(for: .seconds(seconds + 2))
        for connection in connections { connection.stop() }
        for reader in readers { reader.cancel() }
        let values = recorder.latencies
        // The first second of each device fills its first window: skip warm-up samples.
        let measured = Array(values.dropFirst(devices))
        report.add("frame→committed p50, 100 devices @ 1 Hz (\(measured.count) readings)", String(format: "%.3f ms", Percentile.of(measured, 50)), target: "—")
        report.add("frame→committed p99, 100 devices @ 1 Hz", String(format: "%.3f ms", Percentile.of(measured, 99)), target: "≤ 2 ms")
        for pty in terminals { pty.close() }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Frame write times per device and the commit latencies measured against them.
final class LatencyRecorder: Sendable {
    private let lastWrite: Mutex<[UInt64]>
    private let measured = Mutex<[Double]>([])
    init(devices: Int) { lastWrite = Mutex([UInt64](repeating: 0, count: devices)) }
    func wrote(device: Int) { lastWrite.withLock { $0[device] = monotonicNanoseconds() } }
    func committed(device: Int) {
        let written = lastWrite.withLock { $0[device] }
        let latency = Double(monotonicNanoseconds() - written) / 1e6
        measured.withLock { $0.append(latency) }
    }
    var latencies: [Double] { measured.withLock { $0 } }
}
