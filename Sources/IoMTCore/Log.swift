import Glibc

/// Minimal structured logging to stderr (the journal under systemd). Messages must never carry
/// patient identifiers or names: pass device keys and row ids, not patient ids.
public enum Log {
    public enum Level: Int, Sendable, Comparable {
        case debug = 7, info = 6, notice = 5, warning = 4, error = 3
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue > rhs.rawValue }
        var name: String {
            switch self { case .debug: "debug"; case .info: "info"; case .notice: "notice"; case .warning: "warning"; case .error: "error" }
        }
    }

    nonisolated(unsafe) private static var threshold: Level = .info
    /// Under systemd (JOURNAL_STREAM set) lines carry `<N>` priority prefixes instead of timestamps.
    private static let journald: Bool = getenv("JOURNAL_STREAM") != nil

    /// Set once at start-up, before any concurrent logging.
    public static func setLevel(_ level: Level) { threshold = level }

    public static func debug(_ message: @autoclosure () -> String, _ component: String = "iomtd") { write(.debug, component, message) }
    public static func info(_ message: @autoclosure () -> String, _ component: String = "iomtd") { write(.info, component, message) }
    public static func notice(_ message: @autoclosure () -> String, _ component: String = "iomtd") { write(.notice, component, message) }
    public static func warning(_ message: @autoclosure () -> String, _ component: String = "iomtd") { write(.warning, component, message) }
    public static func error(_ message: @autoclosure () -> String, _ component: String = "iomtd") { write(.error, component, message) }

    private static func write(_ level: Level, _ component: String, _ message: () -> String) {
        guard level >= threshold else { return }
        let line: String
        if journald {
            line = "<\(level.rawValue)>\(component): \(message())\n"
        } else {
            line = "\(SystemClock().now().iso8601) \(level.name) \(component): \(message())\n"
        }
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in _ = Glibc.write(2, buffer.baseAddress, buffer.count) }
    }
}

/// Writes text to standard error (for command-line messages, not logging).
public func writeToStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    if bytes.last != 10 { bytes.append(10) }
    bytes.withUnsafeMutableBytes { buffer in _ = Glibc.write(2, buffer.baseAddress, buffer.count) }
}
