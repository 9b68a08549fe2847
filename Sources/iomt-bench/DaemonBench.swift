import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import IoMTCore

/// 3. The running daemon with 16 simulated CMS50s streaming at 60 Hz (one reading per second per
/// device and measurement), forwarding to the local receiver: CPU share of one core and peak RSS
/// over the run, and frame → accepted-at-DOM latency (receiver's meta.lastUpdated − the reading's
/// receipt time at the gateway, both on this machine's clock).
enum DaemonBench {
    static func run(options: BenchOptions, report: BenchReport) async {
        let seconds = options.quick ? 15 : options.daemonSeconds
        print("3. iomtd with 16 simulated CMS50s at 60 Hz for \(seconds) s")
        let directory = BenchPaths.scratch("daemon")
        let port = 20_000 + Int(getpid() % 10_000)
        let bin = BenchPaths.binDirectory
        func launch(_ name: String, _ arguments: [String], log: String) -> Process? {
            let process = Process()
            process.executableURL = bin.appendingPathComponent(name)
            process.arguments = arguments
            _ = FileManager.default.createFile(atPath: directory + "/" + log, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: directory + "/" + log)
            process.standardError = process.standardOutput
            do { try process.run() } catch { print("  cannot start \(name): \(error)"); return nil }
            return process
        }
        guard let receiver = launch("iomt-lab", ["dom-receiver", "--port", "\(port)"], log: "receiver.log"),
              let simulator = launch("iomt-lab", ["sim", "cms50", "--count", "16", "--link", directory + "/tty", "--script", "steady"], log: "sim.log") else { return }
        defer { receiver.terminate(); simulator.terminate() }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: directory + "/tty-16") { usleep(100_000) }
        let devices = (1...16).map { #"{"profile": "contec-cms50d-plus", "path": "\#(directory)/tty-\#($0)", "serialNumber": "BENCH-\#($0)"}"# }
        let config = """
            {"stateDirectory": "\(directory)/state", "profilesDirectory": "\(BenchPaths.profiles)",
             "gateway": {"systemId": "0A1B2C3D4E5F6071"}, "patient": {"pesel": "44051401359"},
             "devices": [\(devices.joined(separator: ","))],
             "dom": {"baseURL": "http://127.0.0.1:\(port)/fhir", "batchSize": 100},
             "alerts": {"rules": [{"id": "spo2-low", "measurement": "MDC_PULS_OXIM_SAT_O2", "below": 90, "priority": "high"}]},
             "logLevel": "warning"}
            """
        try? config.write(toFile: directory + "/iomtd.json", atomically: true, encoding: .utf8)
        guard let daemon = launch("iomtd", ["--config", directory + "/iomtd.json"], log: "iomtd.log") else { return }
        defer { daemon.terminate(); daemon.waitUntilExit() }
        let pid = daemon.processIdentifier

        // Warm up 5 s, then measure CPU over the run.
        sleep(5)
        let cpuStart = cpuTicks(pid), wallStart = monotonicNanoseconds()
        let measureStartMillis = SystemClock().now().millisecondsSinceEpoch
        sleep(UInt32(seconds))
        let cpuEnd = cpuTicks(pid), wallEnd = monotonicNanoseconds()
        let peakRSS = statusField(pid, "VmHWM:")
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let cpuShare = (Double(cpuEnd - cpuStart) / ticksPerSecond) / (Double(wallEnd - wallStart) / 1e9) * 100
        report.add("iomtd CPU, 16 CMS50 @ 60 Hz (% of one core)", String(format: "%.2f %%", cpuShare), target: "≤ 1.5 %")
        report.add("iomtd peak RSS (VmHWM)", String(format: "%.1f MB", Double(peakRSS) / 1024), target: "≤ 20 MB")

        // Latency from the receiver's view.
        var latencies: [Double] = []
        if let url = URL(string: "http://127.0.0.1:\(port)/fhir/Observation?_count=1000000"),
           let data = try? Data(contentsOf: url),
           let bundle = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            for entry in bundle["entry"] as? [[String: Any]] ?? [] {
                guard let resource = entry["resource"] as? [String: Any],
                      let effective = (resource["effectiveDateTime"] as? String).flatMap({ Instant(iso8601: $0) }),
                      let updated = ((resource["meta"] as? [String: Any])?["lastUpdated"] as? String).flatMap({ Instant(iso8601: $0) }),
                      effective.millisecondsSinceEpoch >= measureStartMillis else { continue }
                latencies.append(Double(updated.milliseconds(since: effective)))
            }
        }
        report.add("frame→accepted at DOM p50 (\(latencies.count) observations)", String(format: "%.0f ms", Percentile.of(latencies, 50)), target: "—")
        report.add("frame→accepted at DOM p99", String(format: "%.0f ms", Percentile.of(latencies, 99)), target: "≤ 50 ms")
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// utime + stime of a process, in clock ticks (/proc/PID/stat fields 14 and 15).
    static func cpuTicks(_ pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13 else { return 0 }
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    /// A kB figure from /proc/PID/status.
    static func statusField(_ pid: Int32, _ name: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}
