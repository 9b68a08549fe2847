import IoMTConfiguration
import IoMTControl
import IoMTCore
import IoMTSpirometry

/// `iomtctl devices`, `bind`, `unbind`, `bindings`: live state and clinic bindings, through the daemon.
enum DevicesCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let request = try DaemonRequest(&arguments)
        try arguments.finish()
        guard let result = try request.answer(.devices, expecting: DeviceList.self) else { return }
        let devices = result.devices
        if devices.isEmpty { print("no devices (configure them in \(DaemonConfiguration.defaultPath) or plug one in)"); return }
        for device in devices { print(DeviceLine.text(device)) }
    }
}

enum DeviceLine {
    static func text(_ device: DeviceStatus) -> String {
        let detail = device.detail.map { " (\($0))" } ?? ""
        let last = device.lastReading?.iso8601 ?? "never"
        return "\(device.key)\n    \(device.transport) \(device.address)  "
            + "\(device.state.rawValue)\(detail) since \(device.since.iso8601)  last reading \(last)  readings \(device.readings)"
            + (device.ambiguousIdentity.map { "\n    AMBIGUOUS IDENTITY: \($0)" } ?? "")
            + (device.parts.isEmpty ? "" : "\n    measures for \(device.parts.count) people, each bound on its own: \(device.parts.joined(separator: ", "))")
            + (device.partOf.map { "\n    part of \($0) (its connection)" } ?? "")
    }
}

enum BindCommand {
    static let usage = "usage: iomtctl bind DEVICE --patient PESEL [--height CM [--sex male|female] [--birth-date YYYY-MM-DD]] [--from TIME] [--until TIME] [--release-held]"

    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let request = try DaemonRequest(&arguments)
        let patient = try arguments.patient()
        let from = try arguments.instant("--from")
        let until = try arguments.instant("--until")
        let height = try arguments.option("--height")
        let sex = try arguments.option("--sex")
        let birthDate = try arguments.option("--birth-date")
        let releaseHeld = arguments.flag("--release-held")
        let device = try arguments.required("DEVICE", usage: usage)
        try arguments.finish()
        guard let patient else { throw CLIError(message: "missing --patient PESEL", hint: usage, exitCode: .usage) }
        let binding = ControlCommand.BindArguments(device: device, patient: patient, from: from, until: until, releaseHeld: releaseHeld,
                                                   demographics: try demographics(pesel: patient, height: height, sex: sex, birthDate: birthDate))
        guard let result = try request.answer(.bind(binding), expecting: BindReply.self) else { return }
        print("bound \(result.device) from \(result.from.iso8601) until \(result.until?.iso8601 ?? "unbound") (binding #\(result.binding))")
        if result.releasedHeldReadings > 0 { print("\(result.releasedHeldReadings) held reading(s) released to this patient") }
    }

    /// The options for the patient's reference values, checked here by the daemon's rule (GivenDemographics) so a typo
    /// is named by its option before anything is sent.
    static func demographics(pesel: String, height: String?, sex: String?, birthDate: String?) throws(CLIError) -> ControlCommand.DemographicsArguments? {
        guard let height else {
            if sex != nil || birthDate != nil {
                throw CLIError(message: "--sex and --birth-date describe the patient for reference values: give --height CM with them", hint: usage, exitCode: .usage)
            }
            return nil
        }
        guard let heightCm = DecimalValue(height) else {
            throw CLIError(message: "--height: expected a height in cm such as 175 or 172.5, found '\(height)'", exitCode: .usage)
        }
        do { _ = try GivenDemographics.check(pesel: pesel, heightCm: heightCm.doubleValue, sexAtBirth: sex, birthDate: birthDate) } catch {
            let option = ["heightCm": "--height", "sexAtBirth": "--sex", "birthDate": "--birth-date", "patient": "--patient"][error.field] ?? error.field
            throw CLIError(message: "\(option): expected \(error.expected), found \(error.found)", exitCode: .usage)
        }
        return ControlCommand.DemographicsArguments(heightCm: heightCm, sexAtBirth: sex, birthDate: birthDate)
    }
}

enum UnbindCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let request = try DaemonRequest(&arguments)
        let end = try arguments.instant("--at")
        let device = try arguments.required("DEVICE", usage: "usage: iomtctl unbind DEVICE [--at TIME]")
        try arguments.finish()
        guard let result = try request.answer(.unbind(device: device, at: end), expecting: UnbindReply.self) else { return }
        print("unbound \(result.device) at \(result.until.iso8601); its readings from then on are held until the next binding")
    }
}

enum BindingsCommand {
    static func run(_ arguments: inout CommandArguments) async throws(CLIError) {
        let request = try DaemonRequest(&arguments)
        let showPatient = arguments.flag("--show-patient")
        try arguments.finish()
        guard let result = try request.answer(.bindings(showPatient: showPatient), expecting: BindingList.self) else { return }
        if result.bindings.isEmpty { print("no bindings"); return }
        for binding in result.bindings {
            let active = binding.active ? "  [active]" : ""
            let given = binding.demographics.map { " height \($0.heightCm) cm, \($0.sexAtBirth)" + ($0.birthDate.map { ", born \($0)" } ?? "") } ?? ""
            print("#\(binding.id) \(binding.device) patient \(binding.patient)\(given) "
                  + "from \(binding.from.iso8601) until \(binding.until?.iso8601 ?? "open")\(active)")
        }
    }
}

/// Times on the command line: ISO 8601 with an offset, or "now".
enum TimeArgument {
    static func instant(_ text: String, option: String) throws(CLIError) -> Instant {
        if text == "now" { return SystemClock().now() }
        guard let instant = Instant(iso8601: text) else {
            throw CLIError(message: "\(option): expected ISO 8601 with an offset (2026-11-23T10:00:00+01:00) or 'now', found '\(text)'", exitCode: .usage)
        }
        return instant
    }
}
