import IoMTCore
import IoMTDaemon
import IoMTStore

/// `iomtctl status [--state-dir DIR | --db FILE] [--json]`: the delivery queue at a glance.
enum StatusCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let path = try StoreLocation.path(&arguments)
        let json = arguments.flag("--json")
        try arguments.finish()
        let store = try StoreLocation.open(path)
        let stats = try await StoreLocation.stats(store)
        let now = SystemClock().now()
        let age = stats.oldestUndelivered.map { max(0, now.milliseconds(since: $0)) / 1000 }
        if json {
            let document = JSONValue.object([
                ("store", .string(path)),
                ("destination", .string(StoreLocation.destination)),
                ("backlog", .number(stats.backlog)),
                ("oldestUndelivered", stats.oldestUndelivered.map { .string($0.iso8601) } ?? .null),
                ("oldestUndeliveredAgeSeconds", age.map { .number($0) } ?? .null),
                ("lastSuccess", stats.lastSuccess.map { .string($0.iso8601) } ?? .null),
                ("delivered", .number(stats.delivered)),
                ("quarantined", .number(stats.quarantined)),
                ("failuresByKind", .object(stats.failuresByKind.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) })),
            ])
            print(document.serialized())
            return
        }
        print("""
            store:               \(path)
            destination:         \(StoreLocation.destination)
            backlog:             \(stats.backlog) reading(s)
            oldest undelivered:  \(stats.oldestUndelivered.map { "\($0.iso8601) (\(age ?? 0) s ago)" } ?? "none")
            last success:        \(stats.lastSuccess?.iso8601 ?? "never")
            delivered:           \(stats.delivered) (retained rows)
            quarantined:         \(stats.quarantined)\(stats.quarantined > 0 ? " (see: iomtctl quarantine list)" : "")
            failures:            \(stats.failuresByKind.isEmpty ? "none" : stats.failuresByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            """)
    }
}

/// `iomtctl metrics [--state-dir DIR | --db FILE]`: Prometheus text exposition, the same text as metrics.prom.
enum MetricsCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let path = try StoreLocation.path(&arguments)
        try arguments.finish()
        let store = try StoreLocation.open(path)
        let stats = try await StoreLocation.stats(store)
        print(DeliveryMetrics.text(stats, destination: StoreLocation.destination, now: SystemClock().now()), terminator: "")
    }
}
