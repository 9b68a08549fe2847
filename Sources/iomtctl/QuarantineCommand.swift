import IoMTCore
import IoMTStore

/// `iomtctl quarantine list [--state-dir DIR | --db FILE] [--json] [--show-patient] [--limit N]`:
/// readings DOM refused for their content, with the server's OperationOutcome text.
enum QuarantineCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        guard let action = arguments.next() else {
            throw CLIError(message: "missing action", hint: "usage: iomtctl quarantine list [--json] [--show-patient]", exitCode: 2)
        }
        guard action == "list" else {
            throw CLIError(message: "unknown action '\(action)'", hint: "usage: iomtctl quarantine list [--json] [--show-patient]", exitCode: 2)
        }
        let path = try StoreLocation.path(&arguments)
        let json = arguments.flag("--json")
        let showPatient = arguments.flag("--show-patient")
        let limitText = try arguments.option("--limit")
        try arguments.finish()
        var limit = 1000
        if let limitText {
            guard let value = Int(limitText), value > 0 else { throw CLIError(message: "--limit expects a positive number, got '\(limitText)'", exitCode: 2) }
            limit = value
        }
        let store = try StoreLocation.open(path)
        let rows: [(StoredObservation, String)]
        do { rows = try await store.quarantined(destination: StoreLocation.destination, limit: limit) } catch {
            throw CLIError(message: "cannot read quarantined readings: \(error)", exitCode: 1)
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
