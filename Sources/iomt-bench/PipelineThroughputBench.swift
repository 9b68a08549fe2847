import Foundation
import IoMTAlerts
import IoMTCore
import IoMTDrivers
import IoMTLab
import IoMTProfiles
import IoMTStore

/// 1. Readings/s through decode → normalise → alert check → durable store (group commit), next to
/// raw SQLite inserts of the same rows with the same pragmas (the floor, from StoreBenchmark).
enum PipelineThroughputBench {
    static func run(options: BenchOptions, report: BenchReport) async {
        print("1. pipeline throughput")
        let readingsTarget = options.quick ? 100_000 : 400_000
        let producers = 4
        let batch = 250 // per producer; concurrent appends share one transaction (1,000 rows)
        guard let profile = try? ProfileLoader(knownDriverIds: DriverRegistry.driverIds).load(directory: BenchPaths.profiles)
            .first(where: { $0.id == "contec-cms50d-plus" }) else { print("  cannot load profiles"); return }
        let configuration = StoreConfiguration(maxGroupCommitRows: 1000, maxUndeliveredRows: 100_000_000)
        guard let (directory, store) = BenchPaths.scratchStore("pipeline", configuration: configuration) else { return }
        let rules = RuleSet(rules: [AlertRule.threshold(id: "spo2-low", measurement: "MDC_PULS_OXIM_SAT_O2", below: DecimalValue(90), priority: .high)])

        // Each frame lands in a new one-second window, so every frame completes one SpO2 and one pulse reading.
        let framesPerProducer = readingsTarget / 2 / producers
        let start = monotonicNanoseconds()
        await withTaskGroup(of: Int.self) { group in
            for producer in 0..<producers {
                group.addTask {
                    var reader = try! DriverRegistry.makeReader(for: profile)
                    var engine = AlertEngine(ruleSet: rules)
                    let normaliser = Normaliser()
                    let device = DeviceIdentity(profileId: profile.id, manufacturer: profile.manufacturer, model: profile.model, serialNumber: "BENCH-\(producer)")
                    var pending: [Observation] = []
                    var stored = 0
                    for i in 0..<framesPerProducer {
                        let sample = CMS50Sample(pleth: i % 100, signalStrength: 6, barGraph: 5, beat: i % 60 == 0, fingerOut: false,
                                                 searching: false, probeError: false, spo2Dropping: false,
                                                 pulseRate: 60 + i % 40, spo2: 88 + i % 12)
                        let at = Instant(millisecondsSinceEpoch: 1_700_000_000_000 + Int64(i) * 1000)
                        let output = reader.handle(.bytes(CMS50Frame.legacy(sample)), at: at)
                        for measurement in output.measurements {
                            pending.append(normaliser.normalise(measurement, device: device, patientId: "44051401359", receivedAt: at))
                        }
                        if pending.count >= batch {
                            let ids = try! await store.append(pending)
                            for (observation, id) in zip(pending, ids) { _ = engine.evaluate(observation, observationId: id, now: at) }
                            stored += pending.count
                            pending.removeAll(keepingCapacity: true)
                        }
                    }
                    if !pending.isEmpty { stored += (try! await store.append(pending)).count }
                    return stored
                }
            }
            var total = 0
            for await count in group { total += count }
            let seconds = Double(monotonicNanoseconds() - start) / 1e9
            let rate = Double(total) / seconds
            report.add("pipeline readings/s (decode→normalise→alert→store)", String(format: "%.0f", rate), target: "≥ 0.8× raw, ≥ 100,000")
            let (storeRate, rawRate) = await StoreBenchmark.run(rows: min(total, 200_000), batch: 1000, path: directory + "/floor.sqlite")
            report.add("store.append rows/s (1,000-row group commits)", String(format: "%.0f", storeRate), target: "≥ 0.8× raw")
            report.add("raw SQLite inserts rows/s (same rows, WAL, synchronous=FULL)", String(format: "%.0f", rawRate), target: "floor")
            report.add("pipeline / raw SQLite", String(format: "%.2f×", rate / rawRate), target: "≥ 0.8×")
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
