import IoMTCore
import IoMTDaemon

/// `iomtctl devices`, `bind`, `unbind`, `bindings`: live state and clinic bindings, through the daemon.
enum DevicesCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let socket = try ControlClient.socketPath(&arguments)
        let json = arguments.flag("--json")
        try arguments.finish()
        let result = try ControlClient.call(ControlRequest(command: "devices"), socket: socket)
        if json { print(result.serialized()); return }
        let devices = result["devices"]?.arrayValue ?? []
        if devices.isEmpty { print("no devices (configure them in /etc/iomtd/iomtd.json or plug one in)"); return }
        for device in devices { print(DeviceLine.text(device)) }
    }
}

enum DeviceLine {
    static func text(_ device: JSONValue) -> String {
        let state = device["state"]?.stringValue ?? "?"
        let detail = device["detail"]?.stringValue.map { " (\($0))" } ?? ""
        let last = device["lastReading"]?.stringValue ?? "never"
        return "\(device["key"]?.stringValue ?? "?")\n    \(device["transport"]?.stringValue ?? "") \(device["address"]?.stringValue ?? "")  "
            + "\(state)\(detail) since \(device["since"]?.stringValue ?? "?")  last reading \(last)  readings \(device["readings"]?.intValue ?? 0)"
            + (device["ambiguousIdentity"]?.stringValue.map { "\n    AMBIGUOUS IDENTITY: \($0)" } ?? "")
    }
}

enum BindCommand {
    static let usage = "usage: iomtctl bind DEVICE --patient PESEL [--from TIME] [--until TIME] [--release-held]"

    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let socket = try ControlClient.socketPath(&arguments)
        let patient = try arguments.option("--patient")
        let from = try arguments.option("--from")
        let until = try arguments.option("--until")
        let releaseHeld = arguments.flag("--release-held")
        let json = arguments.flag("--json")
        guard let device = arguments.next() else { throw CLIError(message: "missing DEVICE", hint: usage, exitCode: 2) }
        try arguments.finish()
        guard let patient else { throw CLIError(message: "missing --patient PESEL", hint: usage, exitCode: 2) }
        do { _ = try PESEL.validate(patient) } catch { throw CLIError(message: "--patient: \(error)", exitCode: 2) }
        var members: [(String, JSONValue)] = [("device", .string(device)), ("patient", .string(patient))]
        if let from { members.append(("from", .string(try TimeArgument.iso8601(from, option: "--from")))) }
        if let until { members.append(("until", .string(try TimeArgument.iso8601(until, option: "--until")))) }
        if releaseHeld { members.append(("releaseHeld", .bool(true))) }
        let result = try ControlClient.call(ControlRequest(command: "bind", arguments: .object(members)), socket: socket)
        if json { print(result.serialized()); return }
        print("bound \(result["device"]?.stringValue ?? device) from \(result["from"]?.stringValue ?? "?") until \(result["until"]?.stringValue ?? "unbound") (binding #\(result["binding"]?.intValue ?? 0))")
        if let released = result["releasedHeldReadings"]?.intValue, released > 0 { print("\(released) held reading(s) released to this patient") }
    }
}

enum UnbindCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let socket = try ControlClient.socketPath(&arguments)
        let at = try arguments.option("--at")
        let json = arguments.flag("--json")
        guard let device = arguments.next() else { throw CLIError(message: "missing DEVICE", hint: "usage: iomtctl unbind DEVICE [--at TIME]", exitCode: 2) }
        try arguments.finish()
        var members: [(String, JSONValue)] = [("device", .string(device))]
        if let at { members.append(("at", .string(try TimeArgument.iso8601(at, option: "--at")))) }
        let result = try ControlClient.call(ControlRequest(command: "unbind", arguments: .object(members)), socket: socket)
        if json { print(result.serialized()); return }
        print("unbound \(result["device"]?.stringValue ?? device) at \(result["until"]?.stringValue ?? "?"); its readings from then on are held until the next binding")
    }
}

enum BindingsCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let socket = try ControlClient.socketPath(&arguments)
        let json = arguments.flag("--json")
        let showPatient = arguments.flag("--show-patient")
        try arguments.finish()
        let result = try ControlClient.call(ControlRequest(command: "bindings", arguments: .object([("showPatient", .bool(showPatient))])), socket: socket)
        if json { print(result.serialized()); return }
        let bindings = result["bindings"]?.arrayValue ?? []
        if bindings.isEmpty { print("no bindings"); return }
        for binding in bindings {
            let active = binding["active"]?.boolValue == true ? "  [active]" : ""
            print("#\(binding["id"]?.intValue ?? 0) \(binding["device"]?.stringValue ?? "?") patient \(binding["patient"]?.stringValue ?? "?") "
                  + "from \(binding["from"]?.stringValue ?? "?") until \(binding["until"]?.stringValue ?? "open")\(active)")
        }
    }
}

/// Times on the command line: ISO 8601 with an offset, or "now".
enum TimeArgument {
    static func iso8601(_ text: String, option: String) throws(CLIError) -> String {
        if text == "now" { return SystemClock().now().iso8601 }
        guard Instant(iso8601: text) != nil else {
            throw CLIError(message: "\(option): expected ISO 8601 with an offset (2026-11-23T10:00:00+01:00) or 'now', found '\(text)'", exitCode: 2)
        }
        return text
    }
}
