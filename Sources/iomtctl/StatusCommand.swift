import IoMTCore
import IoMTDaemon
import IoMTStore

/// `iomtctl status [--socket PATH | --state-dir DIR | --db FILE] [--json]`: the running daemon's devices,
/// delivery and recent alerts; with --state-dir/--db, or when iomtd is not running, the store alone.
enum StatusCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let storeOnly = arguments.contains("--db") || arguments.contains("--state-dir")
        let socket = try ControlClient.socketPath(&arguments)
        let path = try StoreLocation.path(&arguments)
        let json = arguments.flag("--json")
        try arguments.finish()
        if !storeOnly {
            var live: ControlResponse?
            do { live = try ControlClient.send(ControlRequest(command: "status"), to: socket) } catch {
                guard case let .unreachable(reason) = error else { throw CLIError(message: "\(error)", exitCode: 1) }
                writeToStandardError("iomtd is not running (\(reason)); showing the store only\n")
            }
            if let live {
                if let message = live.error { throw CLIError(message: message, exitCode: live.exitCode) }
                LiveStatus.print(live.result ?? .null, json: json)
                return
            }
        }
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
            destination:         \(StoreLocation.destination)
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
        let stats = try await StoreLocation.stats(store)
        print(DeliveryMetrics.text(stats, destination: StoreLocation.destination, now: SystemClock().now()), terminator: "")
    }
}

/// Prints the daemon's status answer.
enum LiveStatus {
    static func print(_ status: JSONValue, json: Bool) {
        if json { Swift.print(status.serialized()); return }
        let delivery = status["delivery"] ?? .null
        Swift.print("iomtd \(status["version"]?.stringValue ?? "?") running since \(status["startedAt"]?.stringValue ?? "?") (\(status["mode"]?.stringValue ?? "?") mode)")
        let devices = status["devices"]?.arrayValue ?? []
        Swift.print("devices: \(devices.count)")
        for device in devices { Swift.print("  " + DeviceLine.text(device).replacingNewlines()) }
        // The store refusing writes, delivery paused or backing off: the same findings as `iomtctl doctor`.
        for finding in DegradedStateFindings.findings(status: status) where finding.status != .ok {
            Swift.print(finding.text)
        }
        let failures = delivery["failuresByKind"]?.objectValue ?? []
        Swift.print("""
            delivery to \(delivery["baseURL"]?.stringValue ?? "DOM"):
              backlog:             \(delivery["backlog"]?.intValue ?? 0) reading(s)
              oldest undelivered:  \(delivery["oldestUndelivered"]?.stringValue ?? "none")
              last success:        \(delivery["lastSuccess"]?.stringValue ?? "never")
              forwarder:           \(status["forwarder"]?["state"]?.stringValue ?? "?")
              quarantined:         \(delivery["quarantined"]?.intValue ?? 0)
              held:                \(delivery["held"]?.intValue ?? 0) (no patient bound at their time)
              failures:            \(failures.isEmpty ? "none" : failures.map { "\($0.0) \($0.1.numberText ?? "?")" }.joined(separator: ", "))
            """)
        let alerts = status["recentAlerts"]?.arrayValue ?? []
        Swift.print("alerts in the last 24 h: \(alerts.count)")
        for alert in alerts.prefix(10) {
            let test = alert["test"]?.stringValue.map { "TEST (\($0)) " } ?? ""
            Swift.print("  #\(alert["id"]?.intValue ?? 0) \(test)\(alert["priority"]?.stringValue ?? "?") \(alert["rule"]?.stringValue ?? "?") "
                        + "\(alert["measurement"]?.stringValue ?? "") \(alert["value"]?.stringValue ?? "-") \(alert["unit"]?.stringValue ?? "") at \(alert["observedAt"]?.stringValue ?? "?")")
        }
    }
}

extension String {
    func replacingNewlines() -> String { split(separator: "\n").joined(separator: "\n  ") }
}
