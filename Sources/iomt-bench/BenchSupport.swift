import Foundation
import IoMTCore

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
