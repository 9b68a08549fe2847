import Foundation
import IoMTLab
import IoMTMQTT
import Synchronization

/// 6. Draining a buffered backlog through the broker: a store pre-filled with N readings (4 devices, 1 Hz
/// timestamps) drained by the real Forwarder over libmosquitto (QoS 1, delivered on PUBACK) to Debian's mosquitto
/// on loopback (persistence on), and a QoS 1 persistent-session subscriber counting the PHD identifiers it
/// receives. The drain runs in a child process (`--drain-child` with an mqtt:// URL), so its CPU time and peak
/// RSS are the gateway side's alone; the broker's CPU is reported beside it.
enum MQTTDrainBench {
    static let topics = MQTTTopics(prefix: "iomt/bench", systemId: "0A1B2C3D4E5F6071")

    static func run(options: BenchOptions, report: BenchReport) async {
        let total = options.drainRows ?? (options.quick ? 100_000 : 1_000_000)
        let batch = options.drainBundle ?? 100
        print("6. drain \(total) buffered readings through the local mosquitto to a subscriber (bundle \(batch))")
        let directory = BenchPaths.scratch("mqtt-drain")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let db = directory + "/store.sqlite"
        guard await DrainBench.prefill(db, count: total, destinations: ["mqtt"]) else { return }
        let broker: MosquittoBroker
        do { broker = try await MosquittoBroker() } catch { print("  \(error)"); return }

        // The subscriber scans bytes for each Observation's ifNoneExist (a JSON parse of gigabytes would be the bottleneck).
        let seen = Mutex((distinct: Set<String>(), entries: 0))
        let subscriber: MQTTClient
        do {
            subscriber = MQTTClient(options: MQTTClientOptions(endpoint: try MQTTEndpoint.parse(broker.url).get(), clientId: "iomt-bench-subscriber")) { _, payload in
                let identifiers = observationIdentifiers(payload)
                seen.withLock { $0.entries += identifiers.count; $0.distinct.formUnion(identifiers) }
            }
            await subscriber.subscribe(topics.observations)
            try await subscriber.connect()
        } catch { print("  subscriber: \(error)"); return }

        guard case let (child, pipe)? = DrainBench.startChild(db: db, url: broker.url, batch: batch, maxRows: total),
              case let (fields, delivered, seconds)? = DrainBench.childResult(child, pipe) else { return }
        // Everything PUBACKed must reach the subscriber; wait (bounded) for the broker to hand over the rest.
        let deadline = Date().addingTimeInterval(600)
        while Date() < deadline, seen.withLock({ $0.distinct.count }) < delivered { try? await Task.sleep(for: .milliseconds(100)) }
        let brokerCPU = Double(broker.pid.map(DaemonBench.cpuTicks) ?? 0) / Double(sysconf(Int32(_SC_CLK_TCK)))
        await subscriber.close()
        await broker.stop()
        let (distinct, entries) = seen.withLock { ($0.distinct.count, $0.entries) }
        let cpu = Double(fields["cpu"] ?? "") ?? 0
        report.add("MQTT drain \(total) readings, bundle \(batch)", String(format: "%.1f s, %.0f readings/s", seconds, Double(delivered) / seconds), target: "≥ 3× the peer")
        report.add("MQTT drain CPU per reading: gateway / broker", String(format: "%.1f / %.1f µs", cpu / Double(total) * 1e6, brokerCPU / Double(total) * 1e6), target: "—")
        report.add("MQTT drain gateway peak RSS (VmHWM)", String(format: "%.1f MB", Double(Int(fields["peakKB"] ?? "") ?? 0) / 1024), target: "—")
        report.add("MQTT drain: lost / duplicated at the subscriber", "\(max(0, total - distinct)) / \(entries - distinct)", target: "0 / 0")
    }

    /// The `ifNoneExist` value of each Observation entry in a bundle: the first one after the Observation resource
    /// is its own request's (entries are fullUrl, resource, request).
    static func observationIdentifiers(_ payload: [UInt8]) -> [String] {
        let observation = Array(#""resourceType":"Observation""#.utf8), key = Array(#""ifNoneExist":""#.utf8)
        var found: [String] = []
        payload.withUnsafeBufferPointer { buffer in
            func find(_ pattern: [UInt8], from: Int) -> Int? {
                var index = from
                while index <= buffer.count - pattern.count {
                    if buffer[index] == pattern[0] {
                        var offset = 1
                        while offset < pattern.count, buffer[index + offset] == pattern[offset] { offset += 1 }
                        if offset == pattern.count { return index }
                    }
                    index += 1
                }
                return nil
            }
            var offset = 0
            while let resource = find(observation, from: offset), let request = find(key, from: resource + observation.count) {
                let start = request + key.count
                var end = start
                while end < buffer.count, buffer[end] != 34 { end += 1 }
                found.append(String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<end]), as: UTF8.self))
                offset = end
            }
        }
        return found
    }
}
