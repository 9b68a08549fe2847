import IoMTCore

/// Prometheus text exposition (format 0.0.4) of a destination's delivery stats. Shared by `iomtctl metrics`
/// and the daemon's `<stateDirectory>/metrics.prom` (node_exporter textfile collector), so both print the same.
public enum DeliveryMetrics {
    /// File name the daemon writes in its state directory.
    public static let fileName = "metrics.prom"
    /// How often the daemon rewrites the file.
    public static let interval: Duration = .seconds(15)

    /// Every destination's figures, each metric named once with one sample per destination (a name may appear only
    /// once in an exposition).
    public static func text(_ destinations: [(destination: String, stats: DeliveryStats)], now: Instant) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: (String, DeliveryStats) -> [(String, String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (destination, stats) in destinations {
                for (labels, value) in samples("destination=\"\(escaped(destination))\"", stats) { lines.append("\(name){\(labels)} \(value)") }
            }
        }
        metric("iomtd_backlog_readings", "gauge", "Readings stored and not yet delivered or quarantined.") { [($0, "\($1.backlog)")] }
        metric("iomtd_oldest_undelivered_age_seconds", "gauge", "Age of the oldest undelivered reading (0 when none).") { label, stats in
            [(label, seconds(stats.oldestUndelivered.map { max(0, now.milliseconds(since: $0)) } ?? 0))]
        }
        metric("iomtd_last_success_timestamp_seconds", "gauge", "Unix time of the last accepted upload (0: never).") { label, stats in
            [(label, stats.lastSuccess.map { seconds($0.millisecondsSinceEpoch) } ?? "0")]
        }
        metric("iomtd_delivery_failures_total", "counter", "Failed delivery attempts, counted per reading, by kind.") { label, stats in
            stats.failuresByKind.sorted { $0.key < $1.key }.map { ("\(label),kind=\"\(escaped($0.key))\"", "\($0.value)") }
        }
        metric("iomtd_quarantined_readings", "gauge", "Readings set aside after the server refused their content.") { [($0, "\($1.quarantined)")] }
        metric("iomtd_held_readings", "gauge", "Readings held because no patient was bound to their device at their time (a binding sends them).") {
            [($0, "\($1.held)")]
        }
        metric("iomtd_delivered_readings_retained", "gauge", "Readings the destination accepted and the store still keeps (falls as retention prunes them).") {
            [($0, "\($1.delivered)")]
        }
        metric("iomtd_duplicate_readings_retained", "gauge", "Readings not uploaded because the destination had already accepted their identifier (resent device memory), still retained.") {
            [($0, "\($1.duplicates)")]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the text (and `appending`, the daemon's own lines) atomically (temporary file + rename), so a
    /// collector never reads half a file.
    public static func write(_ destinations: [(destination: String, stats: DeliveryStats)], now: Instant, stateDirectory: String,
                             appending: String = "") throws(FileIO.Failure) {
        try FileIO.writeAtomically(Array((text(destinations, now: now) + appending).utf8), to: stateDirectory + "/" + fileName, mode: 0o644)
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
        value.reduce(into: "") { result, character in result += labelEscapes[character] ?? String(character) }
    }

    /// The escapes of a Prometheus label value (exposition format): backslash, double quote, line feed.
    private static let labelEscapes: [Character: String] = ["\\": "\\\\", "\"": "\\\"", "\n": "\\n"]
}
