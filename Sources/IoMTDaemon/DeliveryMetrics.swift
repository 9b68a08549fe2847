import IoMTCore
import IoMTStore

/// Prometheus text exposition (format 0.0.4) of a destination's delivery stats. Shared by `iomtctl metrics`
/// and the daemon's `<stateDirectory>/metrics.prom` (node_exporter textfile collector), so both print the same.
public enum DeliveryMetrics {
    /// File name the daemon writes in its state directory.
    public static let fileName = "metrics.prom"
    /// How often the daemon rewrites the file.
    public static let interval: Duration = .seconds(15)

    public static func text(_ stats: DeliveryStats, destination: String, now: Instant) -> String {
        let label = "destination=\"\(escaped(destination))\""
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (labels, value) in samples { lines.append("\(name){\(labels)} \(value)") }
        }
        metric("iomtd_backlog_readings", "gauge", "Readings stored and not yet delivered or quarantined.",
               [(label, "\(stats.backlog)")])
        let age = stats.oldestUndelivered.map { max(0, now.milliseconds(since: $0)) } ?? 0
        metric("iomtd_oldest_undelivered_age_seconds", "gauge", "Age of the oldest undelivered reading (0 when none).",
               [(label, seconds(age))])
        metric("iomtd_last_success_timestamp_seconds", "gauge", "Unix time of the last accepted upload (0: never).",
               [(label, stats.lastSuccess.map { seconds($0.millisecondsSinceEpoch) } ?? "0")])
        metric("iomtd_delivery_failures_total", "counter", "Failed delivery attempts, counted per reading, by kind.",
               stats.failuresByKind.sorted { $0.key < $1.key }.map { ("\(label),kind=\"\(escaped($0.key))\"", "\($0.value)") })
        metric("iomtd_quarantined_readings", "gauge", "Readings set aside after the server refused their content.",
               [(label, "\(stats.quarantined)")])
        metric("iomtd_delivered_readings_retained", "gauge", "Readings the destination accepted and the store still keeps (falls as retention prunes them).",
               [(label, "\(stats.delivered)")])
        metric("iomtd_duplicate_readings_retained", "gauge", "Readings not uploaded because the destination had already accepted their identifier (resent device memory), still retained.",
               [(label, "\(stats.duplicates)")])
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the text (and `appending`, the daemon's own lines) atomically (temporary file + rename), so a
    /// collector never reads half a file.
    public static func write(_ stats: DeliveryStats, destination: String, now: Instant, stateDirectory: String, appending: String = "") throws(FileIO.Failure) {
        try FileIO.writeAtomically(Array((text(stats, destination: destination, now: now) + appending).utf8),
                                   to: stateDirectory + "/" + fileName, mode: 0o644)
    }

    private static func seconds(_ milliseconds: Int64) -> String {
        let whole = milliseconds / 1000, fraction = milliseconds % 1000
        if fraction == 0 { return "\(whole)" }
        var digits = String(fraction)
        while digits.count < 3 { digits = "0" + digits }
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }

    private static func escaped(_ value: String) -> String {
        var result = ""
        for character in value {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }
}
