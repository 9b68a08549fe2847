import Foundation
import IoMTCore
import IoMTDrivers
import IoMTLab
import IoMTTransport

struct BenchOptions {
    var quick = false
    var daemonSeconds = 60
    var skipDaemon = false
    var only: Int? = nil
    /// Drain: rows to pre-fill (default 1,000,000; 200,000 with --quick) and a fixed bundle size (skips the sweep).
    var drainRows: Int? = nil
    var drainBundle: Int? = nil
}

/// Collects figures and prints them with their targets.
final class BenchReport: @unchecked Sendable {
    private var lines: [(String, String, String)] = []
    func add(_ name: String, _ value: String, target: String) {
        lines.append((name, value, target))
        print(String(format: "  %-58@ %18@   (target %@)", name as NSString, value as NSString, target as NSString))
    }
    func printSummary() {
        print("\n| measurement | value | target |\n|---|---|---|")
        for (name, value, target) in lines { print("| \(name) | \(value) | \(target) |") }
    }
}

enum Percentile {
    static func of(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let index = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[index]
    }
}

enum BenchPaths {
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()
    static var profiles: String { repositoryRoot.appendingPathComponent("DeviceProfiles").path }
    static var binDirectory: URL { URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent() }

    static func scratch(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "iomt-bench-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Writes one legacy CMS50 frame per device per second on its pty, the devices staggered across the
/// second (100 slots of 10 ms), for `seconds`; `spo2(tick)` picks the value, `wrote` stamps each write.
/// Runs on its own thread so the writes keep time whatever the async side does.
func startStaggeredCMS50Writer(ptys: [PseudoTerminal], seconds: Int, spo2: @escaping @Sendable (Int) -> Int,
                               wrote: @escaping @Sendable (Int) -> Void) {
    let devices = ptys.count
    let writer = Thread {
        let start = monotonicNanoseconds()
        var tick = 0
        while monotonicNanoseconds() - start < UInt64(seconds) * 1_000_000_000 {
            let slot = tick % 100
            for device in stride(from: slot, to: devices, by: 100) {
                let sample = CMS50Sample(pleth: 50, signalStrength: 6, barGraph: 5, beat: false, fingerOut: false, searching: false,
                                         probeError: false, spo2Dropping: false, pulseRate: 72, spo2: spo2(tick))
                wrote(device)
                _ = ptys[device].writeMaster(CMS50Frame.legacy(sample))
            }
            tick += 1
            let next = start + UInt64(tick) * 10_000_000
            let now = monotonicNanoseconds()
            if next > now { usleep(UInt32((next - now) / 1000)) }
        }
    }
    writer.start()
}
