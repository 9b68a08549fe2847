import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import IoMTCore
import IoMTFHIR
import IoMTForward
import IoMTHTTP
import IoMTMQTT
import IoMTStore

/// 4. Draining a buffered backlog: a store pre-filled with 1,000,000 observations (4 devices, 1 Hz timestamps)
/// delivered to the local receiver (a separate process, persisting with --data) over loopback HTTP through the
/// real Forwarder and CurlHTTPClient. The drain runs in a child process (`iomt-bench --drain-child`) so its peak
/// RSS (VmHWM) is the forwarder's alone. Bundle sizes 100/500/1000 are tried on the first 100,000 rows; the
/// fastest drains everything. Then a second drain with the receiver SIGKILLed and restarted mid-way: 0 lost, 0 duplicated.
enum DrainBench {
    static let devices = 4

    static func run(options: BenchOptions, report: BenchReport) async {
        let total = options.drainRows ?? (options.quick ? 200_000 : 1_000_000)
        let sweepRows = min(total, options.quick ? 20_000 : 100_000)
        print("4. drain \(total) buffered observations to the local receiver")
        let directory = BenchPaths.scratch("drain")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let prefilled = directory + "/prefilled.sqlite"
        let fillStart = monotonicNanoseconds()
        guard await prefill(prefilled, count: total) else { return }
        print(String(format: "  pre-filled %d rows in %.1f s", total, Double(monotonicNanoseconds() - fillStart) / 1e9))

        // Bundle size sweep.
        var best: (size: Int, rate: Double)? = nil
        for size in options.drainBundle == nil ? [100, 500, 1000] : [] {
            guard let result = drainOnce(directory: directory, prefilled: prefilled, batch: size, maxRows: sweepRows, killAt: nil) else { return }
            print(String(format: "  bundle %4d: %.0f observations/s (first %d rows); CPU µs/obs forwarder %.0f, receiver %.0f", size, result.rate, sweepRows,
                         result.forwarderCPU / Double(sweepRows) * 1e6, result.receiverCPU / Double(sweepRows) * 1e6))
            report.add("drain rate, bundle \(size) (first \(sweepRows) rows)", String(format: "%.0f obs/s", result.rate), target: "—")
            if best == nil || result.rate > best!.rate { best = (size, result.rate) }
        }
        guard let chosen = options.drainBundle ?? best?.size else { return }

        guard let full = drainOnce(directory: directory, prefilled: prefilled, batch: chosen, maxRows: total, killAt: nil) else { return }
        report.add("drain \(total) observations, bundle \(chosen) (chosen)", String(format: "%.1f s, %.0f obs/s", full.seconds, full.rate), target: "≤ 30 s")
        report.add("forwarder peak RSS during the drain (VmHWM)", String(format: "%.1f MB", Double(full.peakKB) / 1024), target: "—")
        report.add("drain CPU per observation: forwarder / receiver", String(format: "%.0f / %.0f µs", full.forwarderCPU / Double(total) * 1e6,
                                                                            full.receiverCPU / Double(total) * 1e6), target: "—")
        report.add("drain: lost / duplicated at DOM", "\(full.lost) / \(full.duplicated)", target: "0 / 0")

        let killRows = min(total, options.quick ? 100_000 : 300_000)
        guard let killed = drainOnce(directory: directory, prefilled: prefilled, batch: chosen, maxRows: killRows, killAt: killRows / 3) else { return }
        report.add("drain \(killRows) with receiver SIGKILL + restart: lost / duplicated", "\(killed.lost) / \(killed.duplicated)", target: "0 / 0")
    }

    struct DrainResult {
        var seconds: Double
        var rate: Double
        var peakKB: Int
        var lost: Int
        var duplicated: Int
        /// CPU seconds (user + system) the forwarder and the receiver spent: under contention from other work on
        /// the machine wall time is noisy, CPU time per observation much less so.
        var forwarderCPU: Double
        var receiverCPU: Double
    }

    /// `destinations`: the delivery queues each row joins ("dom", or "mqtt" for the broker drain).
    static func prefill(_ path: String, count: Int, destinations: [String] = StoreConfiguration().destinations) async -> Bool {
        do {
            let store = try Store(path: path, configuration: StoreConfiguration(maxUndeliveredRows: count + 1, destinations: destinations))
            let start: Int64 = 1_763_900_000_000
            var index = 0
            while index < count {
                var chunk: [Observation] = []
                chunk.reserveCapacity(10_000)
                for row in index..<min(count, index + 10_000) {
                    let number = row % devices, second = row / devices
                    let time = Instant(millisecondsSinceEpoch: start + Int64(second) * 1000)
                    let device = DeviceIdentity(profileId: "contec-cms50d-plus", manufacturer: "Contec", model: "CMS50D+",
                                                serialNumber: "DRAIN-\(number)", portPath: "/dev/ttyUSB\(number)")
                    chunk.append(Observation(type: row % 8 < 4 ? .spo2 : .pulseRateOximetry, value: DecimalValue(90 + second % 10),
                                             unit: row % 8 < 4 ? "%" : "/min", receivedAt: time, correctedTime: time,
                                             device: device, patientId: "44051401359", rawFrame: [0x80, 0x01]))
                }
                _ = try await store.append(chunk)
                index += chunk.count
            }
            try await store.checkpoint()
            return true
        } catch {
            print("  cannot pre-fill \(path): \(error)")
            return false
        }
    }

    /// Copies the pre-filled store, starts a receiver, drains `maxRows` in a child process; with `killAt`,
    /// SIGKILLs the receiver once it holds that many observations and restarts it on the same data file.
    static func drainOnce(directory: String, prefilled: String, batch: Int, maxRows: Int, killAt: Int?) -> DrainResult? {
        let run = directory + "/run-\(batch)-\(maxRows)-\(killAt ?? 0)"
        try? FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        let db = run + "/store.sqlite"
        do { try FileManager.default.copyItem(atPath: prefilled, toPath: db) } catch { print("  cannot copy the store: \(error)"); return nil }
        let data = run + "/dom.ndjson"
        let port = 21_000 + Int(getpid() % 10_000)
        func startReceiver() -> Process? {
            let process = Process()
            process.executableURL = BenchPaths.binDirectory.appendingPathComponent("iomt-lab")
            process.arguments = ["dom-receiver", "--port", "\(port)", "--data", data]
            // Transactions allocate buffers of hundreds of kilobytes; by default glibc maps and unmaps them each
            // time (page faults, zeroing). Keep them in the heap for reuse in this long-running peer.
            process.environment = ProcessInfo.processInfo.environment.merging(
                ["GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=134217728"]) { _, new in new }
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = process.standardOutput
            do { try process.run() } catch { print("  cannot start iomt-lab: \(error)"); return nil }
            for _ in 0..<600 where observationCount(port: port) == nil { usleep(50_000) }
            return process
        }
        guard var receiver = startReceiver() else { return nil }
        var receiverTicks = 0
        defer { if receiver.isRunning { kill(receiver.processIdentifier, SIGKILL); receiver.waitUntilExit() } }

        guard case let (child, pipe)? = startChild(db: db, url: "http://127.0.0.1:\(port)/fhir", batch: batch, maxRows: maxRows) else { return nil }
        if let killAt {
            while child.isRunning, (observationCount(port: port) ?? 0) < killAt { usleep(100_000) }
            receiverTicks += DaemonBench.cpuTicks(receiver.processIdentifier)
            kill(receiver.processIdentifier, SIGKILL)
            receiver.waitUntilExit()
            print("  receiver SIGKILLed at ≥ \(killAt) observations; restarting on the same data file")
            guard let restarted = startReceiver() else { return nil }
            receiver = restarted
        }
        guard case let (fields, delivered, seconds)? = childResult(child, pipe) else { return nil }
        // What DOM holds: distinct Observation identifiers in the receiver's data file (what it acknowledged).
        // The receiver fsyncs before it answers 2xx, so stopping it outright loses nothing it acknowledged.
        receiverTicks += DaemonBench.cpuTicks(receiver.processIdentifier)
        kill(receiver.processIdentifier, SIGKILL); receiver.waitUntilExit()
        let (observations, distinct) = observationIdentifiers(data)
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        return DrainResult(seconds: seconds, rate: Double(delivered) / seconds, peakKB: Int(fields["peakKB"] ?? "") ?? 0,
                           lost: max(0, delivered - distinct), duplicated: observations - distinct,
                           forwarderCPU: Double(fields["cpu"] ?? "") ?? 0, receiverCPU: Double(receiverTicks) / ticksPerSecond)
    }

    /// Starts `iomt-bench --drain-child` on a copy of the store; its stdout is the pipe.
    static func startChild(db: String, url: String, batch: Int, maxRows: Int) -> (Process, Pipe)? {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["--drain-child", "--db", db, "--url", url, "--batch", "\(batch)", "--max-rows", "\(maxRows)"]
        let pipe = Pipe()
        child.standardOutput = pipe
        do { try child.run() } catch { print("  cannot start the drain child: \(error)"); return nil }
        return (child, pipe)
    }

    /// Waits for the child and reads its `key=value` report; nil (and says why) when it failed.
    static func childResult(_ child: Process, _ pipe: Pipe) -> (fields: [String: String], delivered: Int, seconds: Double)? {
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        var fields: [String: String] = [:]
        for word in output.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let pair = word.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) }
        }
        guard child.terminationStatus == 0, let delivered = Int(fields["delivered"] ?? ""), let seconds = Double(fields["seconds"] ?? "") else {
            print("  drain child failed (\(child.terminationStatus)): \(output)")
            return nil
        }
        return (fields, delivered, seconds)
    }

    static func observationCount(port: Int) -> Int? {
        guard let url = URL(string: "http://127.0.0.1:\(port)/stats"), let data = try? Data(contentsOf: url),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return json["observations"] as? Int
    }

    /// (Observation lines, distinct identifier values) in an NDJSON data file; a byte scan, no JSON parse
    /// (the file holds hundreds of megabytes).
    static func observationIdentifiers(_ path: String) -> (Int, Int) {
        guard let bytes = try? FileIO.readBytes(path) else { return (0, 0) }
        let observation = Array(#""resourceType":"Observation""#.utf8), identifier = Array(#""identifier":[{"#.utf8)
        let valueKey = Array(#""value":""#.utf8)
        var count = 0
        var identifiers = Set<String>()
        bytes.withUnsafeBufferPointer { buffer in
            func find(_ pattern: [UInt8], from: Int, to: Int) -> Int? {
                guard to - from >= pattern.count else { return nil }
                var index = from
                while index <= to - pattern.count {
                    if buffer[index] == pattern[0] {
                        var match = true
                        for offset in 1..<pattern.count where buffer[index + offset] != pattern[offset] { match = false; break }
                        if match { return index }
                    }
                    index += 1
                }
                return nil
            }
            var lineStart = 0
            while lineStart < buffer.count {
                var lineEnd = lineStart
                while lineEnd < buffer.count, buffer[lineEnd] != 10 { lineEnd += 1 }
                if find(observation, from: lineStart, to: lineEnd) != nil {
                    count += 1
                    if let at = find(identifier, from: lineStart, to: lineEnd),
                       let value = find(valueKey, from: at, to: lineEnd) {
                        var end = value + valueKey.count
                        while end < lineEnd, buffer[end] != 34 { end += 1 }
                        identifiers.insert(String(decoding: UnsafeBufferPointer(rebasing: buffer[(value + valueKey.count)..<end]), as: UTF8.self))
                    }
                }
                lineStart = lineEnd + 1
            }
        }
        return (count, identifiers.count)
    }

    /// The child: drain the store at `--db` to `--url` until `--max-rows` are delivered or nothing is pending.
    /// Prints `delivered=N seconds=S peakKB=K`. An `mqtt://` URL drains the "mqtt" queue to that broker
    /// instead (topic `iomt/bench/<system id>/observations`, delivered on PUBACK), as the daemon's uplink does.
    static func child(_ arguments: [String]) async -> Int32 {
        func value(_ name: String) -> String? { arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } }
        guard let db = value("--db"), let url = value("--url"), let batch = value("--batch").flatMap(Int.init),
              let maxRows = value("--max-rows").flatMap(Int.init) else { print("drain child: missing arguments"); return 2 }
        let gateway = GatewayIdentity(systemId: "0A1B2C3D4E5F6071", serialNumber: "BENCH", softwareVersion: ProductVersion.current)
        let broker = url.hasPrefix("mqtt://") ? try? MQTTEndpoint.parse(url).get() : nil
        let store: Store
        do { store = try Store(path: db, configuration: StoreConfiguration(destinations: [broker == nil ? "dom" : "mqtt"])) } catch {
            print("drain child: \(error)"); return 1
        }
        let client = broker.map { MQTTClient(options: MQTTClientOptions(endpoint: $0, clientId: "iomt-bench-drain")) }
        let forwarder = client.map {
            Forwarder(store: store, destination: "mqtt", baseURL: MQTTDrainBench.topics.observations, wireFormat: MQTTPHDWireFormat(gateway: gateway),
                      transport: MQTTPublishTransport(client: $0), configuration: ForwarderConfiguration(batchSize: batch), clock: SystemClock())
        } ?? Forwarder(store: store, destination: "dom", baseURL: url, wireFormat: FHIRPHDWireFormat(gateway: gateway),
                       transport: CurlHTTPClient(), configuration: ForwarderConfiguration(batchSize: batch), clock: SystemClock())
        var delivered = 0
        let start = monotonicNanoseconds()
        loop: while delivered < maxRows {
            switch await forwarder.deliverOnce() {
            case .idle: break loop
            case let .progressed(count, _): delivered += count
            case .split: continue
            case let .failed(_, delay): try? await Task.sleep(for: .milliseconds(delay))
            }
        }
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        await client?.close()
        let cpu = Double(DaemonBench.cpuTicks(getpid())) / Double(sysconf(Int32(_SC_CLK_TCK)))
        print("delivered=\(delivered) seconds=\(String(format: "%.3f", seconds)) peakKB=\(DaemonBench.statusField(getpid(), "VmHWM:")) cpu=\(String(format: "%.2f", cpu))")
        return 0
    }
}
