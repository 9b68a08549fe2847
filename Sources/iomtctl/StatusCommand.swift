import IoMTControl
import IoMTCore
import IoMTDoctor
import IoMTStore

/// `iomtctl status [--socket PATH | --state-dir DIR | --db FILE] [--json]`: the running daemon's devices,
/// delivery and recent alerts; with --state-dir/--db, or when iomtd is not running, the store alone.
enum StatusCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let storeOnly = arguments.contains("--db") || arguments.contains("--state-dir")
        let socket = try ControlSocket.path(&arguments)
        let path = try StoreLocation.path(&arguments)
        let destinationOption = try arguments.option("--destination")
        let json = arguments.flag("--json")
        try arguments.finish()
        if !storeOnly {
            do {
                LiveStatus.print(try ControlClient(socketPath: socket).call(.status, expecting: DaemonStatus.self), json: json)
                return
            } catch {
                guard case let .unreachable(reason) = error else { throw CLIError(error) }
                writeToStandardError("iomtd is not running (\(reason)); showing the store only\n")
            }
        }
        let store = try StoreLocation.open(path)
        let destinations = try await StoreLocation.destinations(store)
        let destination = try StoreLocation.destination(destinationOption, among: destinations)
        let stats = try await StoreLocation.stats(store, destination: destination)
        let now = SystemClock().now()
        let age = stats.oldestUndelivered.map { max(0, now.milliseconds(since: $0)) / 1000 }
        if json {
            let document = JSONValue.object([
                ("store", .string(path)),
                ("destination", .string(destination)),
                ("destinations", .array(destinations.map { .string($0) })),
                ("backlog", .number(stats.backlog)),
                ("oldestUndelivered", stats.oldestUndelivered.map { .string($0.iso8601) } ?? .null),
                ("oldestUndeliveredAgeSeconds", age.map { .number($0) } ?? .null),
                ("lastSuccess", stats.lastSuccess.map { .string($0.iso8601) } ?? .null),
                ("delivered", .number(stats.delivered)),
                ("duplicates", .number(stats.duplicates)),
                ("quarantined", .number(stats.quarantined)),
                ("held", .number(stats.held)),
                ("failuresByKind", .object(stats.failuresByKind.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) })),
            ])
            print(document.serialized())
            return
        }
        print("""
            store:               \(path)
            destination:         \(destination)\(destinations.count > 1 ? " (this store also queues for: \(destinations.filter { $0 != destination }.joined(separator: ", ")); --destination NAME)" : "")
            backlog:             \(stats.backlog) reading(s)
            oldest undelivered:  \(stats.oldestUndelivered.map { "\($0.iso8601) (\(age ?? 0) s ago)" } ?? "none")
            last success:        \(stats.lastSuccess?.iso8601 ?? "never")
            delivered:           \(stats.delivered) (retained rows)
            duplicates:          \(stats.duplicates) (already accepted, not uploaded)
            quarantined:         \(stats.quarantined)\(stats.quarantined > 0 ? " (see: iomtctl quarantine list)" : "")
            held:                \(stats.held)\(stats.held > 0 ? " (no patient bound at their time: iomtctl bind)" : "")
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
        var figures: [(destination: String, stats: DeliveryStats)] = []
        for destination in try await StoreLocation.destinations(store) {
            figures.append((destination, try await StoreLocation.stats(store, destination: destination)))
        }
        print(DeliveryMetrics.text(figures, now: SystemClock().now()), terminator: "")
    }
}

/// Prints the daemon's status answer.
enum LiveStatus {
    static func print(_ status: DaemonStatus, json: Bool) {
        if json { Swift.print(status.json.serialized()); return }
        let delivery = status.delivery
        Swift.print("iomtd \(status.version) running since \(status.startedAt.iso8601) (\(status.mode.rawValue) mode)")
        Swift.print("devices: \(status.devices.count)")
        for device in status.devices { Swift.print("  " + DeviceLine.text(device).replacingNewlines()) }
        // The store refusing writes, delivery paused or backing off: the same findings as `iomtctl doctor`.
        for finding in DegradedStateFindings.findings(status: status) where finding.status != .ok {
            Swift.print(finding.text)
        }
        let failures = delivery.failuresByKind
        Swift.print("""
            delivery to \(delivery.baseURL ?? "DOM"):
              backlog:             \(delivery.backlog) reading(s)
              oldest undelivered:  \(delivery.oldestUndelivered?.iso8601 ?? "none")
              last success:        \(delivery.lastSuccess?.iso8601 ?? "never")
              forwarder:           \(status.forwarder?.state.rawValue ?? "?")
              quarantined:         \(delivery.quarantined)
              held:                \(delivery.held)\(delivery.held > 0 ? " (no patient bound at their time: iomtctl bind)" : "")
              failures:            \(failures.isEmpty ? "none" : failures.map { "\($0.kind) \($0.count)" }.joined(separator: ", "))
            """)
        Swift.print("alerts in the last 24 h: \(status.recentAlerts.count)")
        for alert in status.recentAlerts.prefix(10) {
            let test = alert.test.map { "TEST (\($0)) " } ?? ""
            Swift.print("  #\(alert.id) \(test)\(alert.priority) \(alert.rule) "
                        + "\(alert.measurement) \(alert.value ?? "-") \(alert.unit) at \(alert.observedAt.iso8601)")
        }
    }
}

extension String {
    func replacingNewlines() -> String { split(separator: "\n").joined(separator: "\n  ") }
}
