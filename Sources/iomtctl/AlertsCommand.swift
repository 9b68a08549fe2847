import Glibc
import IoMTAlerts
import IoMTCore
import IoMTStore

/// `iomtctl alerts list|ack|silence`: the clinician's side of alerts. Works on the store directly (the daemon
/// picks acknowledgements and silences up within a second); every action is audited with the caller's uid.
enum AlertsCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        switch arguments.next() {
        case "list": try await list(&arguments)
        case "ack": try await act(&arguments, kind: .acknowledge)
        case "silence": try await act(&arguments, kind: .silence)
        case let other:
            throw CLIError(message: "expected 'alerts list', 'alerts ack ID' or 'alerts silence ID --for DURATION', found \(other.map { "'\($0)'" } ?? "nothing")",
                           hint: "see iomtctl help alerts", exitCode: 2)
        }
    }

    static var actor: String {
        let uid = getuid()
        let name = getpwuid(uid).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
        return "uid \(uid)" + (name.map { " (\($0))" } ?? "")
    }

    static func list(_ arguments: inout CommandArguments) async throws(CLIError) {
        let path = try StoreLocation.path(&arguments)
        let json = arguments.flag("--json")
        let limit = try CLINumbers.positive(try arguments.option("--limit"), option: "--limit") ?? 50
        try arguments.finish()
        let store = try StoreLocation.open(path)
        var rows: [(StoredAlert, AlertEpisodeState)] = []
        do {
            for alert in try await store.alerts(limit: limit) { rows.append((alert, try await store.episodeState(alert.event.episode))) }
        } catch { throw CLIError(message: "cannot read alerts: \(error)", exitCode: 1) }
        let now = SystemClock().now()
        if json {
            print(JSONValue.array(rows.map { alert, state in
                let e = alert.event
                // null: a real alarm; "recorded"/"announced": fired by test data (issue 12.6).
                let test: JSONValue = e.test.map { .string($0.rawValue) } ?? .null
                return .object([
                    ("id", .number(alert.id)), ("createdAt", .string(e.createdAt.iso8601)), ("observedAt", .string(e.observedAt.iso8601)),
                    ("priority", .string(e.priority.rawValue)), ("occurrence", .string(e.occurrence.rawValue)),
                    ("test", test),
                    ("rule", .string(e.ruleId)), ("ruleSetVersion", .string(e.ruleSetVersion)), ("ruleSetHash", .string(e.ruleSetHash)),
                    ("condition", .string(e.condition)), ("measurement", .string(e.measurement)),
                    ("value", e.value.map { .string($0.description) } ?? .null), ("unit", .string(e.unit)),
                    ("threshold", e.threshold.map { .string($0.description) } ?? .null),
                    ("interpretation", e.interpretation.map { .string($0) } ?? .null),
                    ("device", .string(e.deviceKey)), ("episode", .string(e.episode)), ("message", .string(e.message)),
                    ("inputs", (try? JSONValue.parse(e.inputs)) ?? .array([])),
                    ("dispatched", .array(alert.dispatchedChannels.sorted().map { .string($0) })),
                    ("acknowledged", state.acknowledged.map { .object([("by", .string($0.by)), ("at", .string($0.at.iso8601))]) } ?? .null),
                    ("silencedUntil", state.silencedUntil.flatMap { $0 > now ? .string($0.iso8601) : nil } ?? .null),
                ])
            }).serialized())
            return
        }
        if rows.isEmpty { print("no alerts"); return }
        for (alert, state) in rows {
            let e = alert.event
            var status = state.acknowledged.map { "acked by \($0.by) at \($0.at.iso8601)" } ?? "UNACKNOWLEDGED"
            if let until = state.silencedUntil, until > now { status += ", silenced until \(until.iso8601)" }
            let test: String
            switch e.test {
            case nil: test = ""
            case .recorded?: test = "TEST (recorded, not announced)  "
            case .announced?: test = "TEST (announced on request)  "
            }
            print("#\(alert.id)  \(e.createdAt.iso8601)  \(e.priority.rawValue.uppercased().padded(6))  \(e.occurrence.rawValue.padded(9))  \(test)\(e.message)")
            print("      rule \(e.ruleId) (rule set \(e.ruleSetVersion) \(e.ruleSetHash)), device \(e.deviceKey); \(status); " +
                  "sent: \(alert.dispatchedChannels.isEmpty ? "not yet" : alert.dispatchedChannels.sorted().joined(separator: ", "))")
        }
    }

    static func act(_ arguments: inout CommandArguments, kind: AlertAction.Kind) async throws(CLIError) {
        let path = try StoreLocation.path(&arguments)
        let durationText = kind == .silence ? try arguments.option("--for") : nil
        guard let idText = arguments.next(), let id = Int64(idText.hasPrefix("#") ? String(idText.dropFirst()) : idText) else {
            throw CLIError(message: "expected an alert id (from iomtctl alerts list)", exitCode: 2)
        }
        try arguments.finish()
        var until: Instant? = nil
        let now = SystemClock().now()
        if kind == .silence {
            guard let durationText, let milliseconds = RuleFileParser.duration(durationText), milliseconds > 0, milliseconds <= 24 * 3_600_000 else {
                throw CLIError(message: "silence needs --for DURATION (e.g. 15m, 2h; at most 24h), found \(durationText.map { "\"\($0)\"" } ?? "nothing")", exitCode: 2)
            }
            until = now.adding(milliseconds: milliseconds)
        }
        let store = try StoreLocation.openForWriting(path)
        let alert: StoredAlert?
        do { alert = try await store.alert(id: id) } catch { throw CLIError(message: "cannot read alerts: \(error)", exitCode: 1) }
        guard let alert else { throw CLIError(message: "no alert #\(id)", hint: "see iomtctl alerts list", exitCode: 1) }
        do {
            try await store.recordAlertAction(episode: alert.event.episode, kind: kind, until: until, actor: actor, at: now)
        } catch { throw CLIError(message: "cannot record the \(kind.rawValue): \(error)", hint: "run as the iomtd user or root", exitCode: 1) }
        switch kind {
        case .acknowledge: print("alert #\(id) acknowledged (episode \(alert.event.episode)) by \(actor)")
        case .silence: print("alert #\(id) silenced until \(until!.iso8601) (episode \(alert.event.episode)) by \(actor)")
        }
    }

}
