import Glibc
import IoMTAlerts
import IoMTControl
import IoMTCore
import IoMTStore

/// `iomtctl alerts list|ack|silence`: the clinician's side of alerts. `list` reads the store file (read-only);
/// `ack` and `silence` go through the running daemon, which records and audits them with the caller's uid.
enum AlertsCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        switch arguments.next() {
        case "list": try await list(&arguments)
        case "ack": try await act(&arguments, kind: .acknowledge)
        case "silence": try await act(&arguments, kind: .silence)
        case let other:
            throw CLIError(message: "expected 'alerts list', 'alerts ack ID' or 'alerts silence ID --for DURATION', found \(other.map { "'\($0)'" } ?? "nothing")",
                           hint: "see iomtctl help alerts", exitCode: .usage)
        }
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
        } catch { throw CLIError(message: "cannot read alerts: \(error)", exitCode: .failed) }
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

    /// Through the running daemon, which records the action on its own store connection and feeds it to its alert
    /// engine; without a daemon nothing is written (`RecordedAction.send`).
    static func act(_ arguments: inout CommandArguments, kind: AlertActionReply.Kind) async throws(CLIError) {
        let socket = try ControlSocket.path(&arguments)
        let store = try RecordedAction.storeNamed(&arguments)
        let durationText = kind == .silence ? try arguments.option("--for") : nil
        guard let idText = arguments.next(), let id = Int64(idText.hasPrefix("#") ? String(idText.dropFirst()) : idText) else {
            throw CLIError(message: "expected an alert id (from iomtctl alerts list)", exitCode: .usage)
        }
        try arguments.finish()
        let command: ControlCommand
        switch kind {
        case .acknowledge: command = .acknowledgeAlert(id: id)
        case .silence:
            guard let durationText, let milliseconds = RuleFileParser.duration(durationText), milliseconds > 0,
                  milliseconds <= ControlCommand.maxSilenceMilliseconds else {
                throw CLIError(message: "silence needs --for DURATION (e.g. 15m, 2h; at most 24h), found \(durationText.map { "\"\($0)\"" } ?? "nothing")", exitCode: .usage)
            }
            command = .silenceAlert(id: id, milliseconds: milliseconds)
        }
        let reply = try RecordedAction.send(command, expecting: AlertActionReply.self, socket: socket, store: store)
        switch reply.kind {
        case .acknowledge: print("alert #\(id) acknowledged (episode \(reply.episode)) by \(reply.actor)")
        case .silence: print("alert #\(id) silenced until \(reply.until?.iso8601 ?? "?") (episode \(reply.episode)) by \(reply.actor)")
        }
    }
}
