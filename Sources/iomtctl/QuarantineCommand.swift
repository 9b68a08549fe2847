import IoMTControl
import IoMTCore
import IoMTStore

/// `iomtctl quarantine list [--state-dir DIR | --db FILE] [--json] [--show-patient] [--limit N]`:
/// readings DOM refused for their content, with the server's OperationOutcome text.
/// `iomtctl quarantine requeue all | --reason TEXT | --id N [--id N]…`: the way back to the delivery queue.
enum QuarantineCommand {
    static let usage = "usage: iomtctl quarantine list [--json] [--show-patient] | iomtctl quarantine requeue all | --reason TEXT | --id N…"

    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        guard let action = arguments.next() else {
            throw CLIError(message: "missing action", hint: usage, exitCode: .usage)
        }
        if action == "requeue" { return try await requeue(&arguments) }
        guard action == "list" else {
            throw CLIError(message: "unknown action '\(action)'", hint: usage, exitCode: .usage)
        }
        let path = try StoreLocation.path(&arguments)
        let json = arguments.flag("--json")
        let showPatient = arguments.flag("--show-patient")
        let limitText = try arguments.option("--limit")
        let destinationOption = try arguments.option("--destination")
        try arguments.finish()
        var limit = 1000
        if let limitText {
            guard let value = Int(limitText), value > 0 else { throw CLIError(message: "--limit expects a positive number, got '\(limitText)'", exitCode: .usage) }
            limit = value
        }
        let store = try StoreLocation.open(path)
        let rows: [(StoredObservation, String)]
        let destination = try StoreLocation.destination(destinationOption, among: try await StoreLocation.destinations(store))
        do { rows = try await store.quarantined(destination: destination, limit: limit) } catch {
            throw CLIError(message: "cannot read quarantined readings: \(error)", exitCode: .failed)
        }
        if json {
            let items: [JSONValue] = rows.map { row, reason in
                let o = row.observation
                var members: [(String, JSONValue)] = [
                    ("id", .number(row.id)),
                    ("time", .string(o.correctedTime.iso8601)),
                    ("device", .string(o.device.key)),
                    ("code", .string(o.type.mdcRefId)),
                    ("value", o.value.map { .string($0.description) } ?? .null),
                    ("unit", .string(o.unit)),
                    ("attempts", .number(row.attempts)),
                    ("reason", .string(showPatient ? reason : PatientRedaction.redact(reason))),
                ]
                if showPatient { members.append(("patient", o.patientId.map { .string($0) } ?? .null)) }
                return .object(members)
            }
            print(JSONValue.object([("quarantined", .array(items))]).serialized())
            return
        }
        if rows.isEmpty { print("no quarantined readings"); return }
        for (row, reason) in rows {
            let o = row.observation
            var line = "#\(row.id) \(o.correctedTime.iso8601) \(o.device.key) \(o.type.mdcRefId) \(o.value?.description ?? "-") \(o.unit)"
            if showPatient { line += " patient=\(o.patientId ?? "none")" }
            print(line)
            print("    \(showPatient ? reason : PatientRedaction.redact(reason))")
        }
        print("\(rows.count) quarantined reading(s)")
    }

    /// Puts quarantined rows back to pending through the running daemon (its store connection, audited with the
    /// caller's uid); the forwarder then delivers them. Without a daemon nothing is written.
    static func requeue(_ arguments: inout CommandArguments) async throws(CLIError) {
        let socket = try ControlSocket.path(&arguments)
        let store = try RecordedAction.storeNamed(&arguments)
        let reason = try arguments.option("--reason")
        var ids: [Int64] = []
        while let idText = try arguments.option("--id") {
            guard let id = Int64(idText.hasPrefix("#") ? String(idText.dropFirst()) : idText), id > 0 else {
                throw CLIError(message: "--id expects a reading id from iomtctl quarantine list, got '\(idText)'", exitCode: .usage)
            }
            ids.append(id)
        }
        let all = arguments.contains("all") ? (arguments.next() == "all") : false
        try arguments.finish()
        let targets: [ControlCommand.RequeueTarget] = (all ? [.all] : []) + (reason.map { [.reason($0)] } ?? []) + (ids.isEmpty ? [] : [.ids(ids)])
        guard targets.count == 1, let target = targets.first else {
            throw CLIError(message: "requeue needs exactly one of: all, --reason TEXT, --id N", hint: usage, exitCode: .usage)
        }
        if case let .reason(text) = target, text.isEmpty {
            throw CLIError(message: "--reason needs a non-empty text (part of the reason iomtctl quarantine list shows)", exitCode: .usage)
        }
        let reply = try RecordedAction.send(.requeueQuarantined(target), expecting: RequeueReply.self, socket: socket, store: store)
        print("\(reply.requeued) quarantined reading(s) put back in the delivery queue by \(reply.actor)")
    }
}

/// Server texts may quote the request: hide runs of 11 digits (PESEL-shaped) unless --show-patient.
enum PatientRedaction {
    static func redact(_ text: String) -> String {
        var result = ""
        var digits = ""
        func flush() {
            result += digits.count == 11 ? "***********" : digits
            digits = ""
        }
        for character in text {
            if character.isASCII, character.isNumber { digits.append(character) } else { flush(); result.append(character) }
        }
        flush()
        return result
    }
}
