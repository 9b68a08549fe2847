import IoMTCore

/// What iomtctl asks iomtd to do, one case per command with its arguments. On the wire (one JSON line,
/// unchanged since the first control socket) it is `{"command": NAME, "arguments": {…}}`.
public enum ControlCommand: Sendable, Hashable {
    case ping
    case status
    case devices
    case bindings(showPatient: Bool)
    case bind(BindArguments)
    case unbind(device: String, at: Instant?)
    case replay(ReplayArguments)
    case installProfile(name: String, content: String, replace: Bool)
    case scan(seconds: Int)
    case pair(address: String, secret: PairingSecretArgument?)
    case forget(address: String)
    /// Acknowledges the alert's episode (IEC 60601-1-8 latching ends with it).
    case acknowledgeAlert(id: Int64)
    /// Silences the alert's episode for a while, measured on the daemon's clock.
    case silenceAlert(id: Int64, milliseconds: Int64)
    /// Puts quarantined readings back in the delivery queue.
    case requeueQuarantined(RequeueTarget)
    /// Records what one device and its driver exchange for `seconds` on the daemon's clock (`iomtctl capture`).
    case capture(device: String, seconds: Int)
    /// How a running capture of the device is doing (iomtctl's progress line).
    case captureProgress(device: String)

    public struct BindArguments: Sendable, Hashable {
        public var device: String
        public var patient: String
        public var from: Instant?
        public var until: Instant?
        public var releaseHeld: Bool
        /// The patient's demographics for spirometry reference values, kept with the binding (nil: none given).
        public var demographics: DemographicsArguments?
        public init(device: String, patient: String, from: Instant? = nil, until: Instant? = nil, releaseHeld: Bool = false,
                    demographics: DemographicsArguments? = nil) {
            self.device = device; self.patient = patient; self.from = from; self.until = until; self.releaseHeld = releaseHeld
            self.demographics = demographics
        }
    }

    /// `bind --height CM [--sex male|female] [--birth-date YYYY-MM-DD]`: the daemon derives sex and birth date from the
    /// PESEL when absent and refuses them when they differ from it.
    public struct DemographicsArguments: Sendable, Hashable {
        public var heightCm: DecimalValue
        /// "male" or "female" as typed; checked by the daemon.
        public var sexAtBirth: String?
        /// YYYY-MM-DD as typed; checked by the daemon.
        public var birthDate: String?
        public init(heightCm: DecimalValue, sexAtBirth: String? = nil, birthDate: String? = nil) {
            self.heightCm = heightCm; self.sexAtBirth = sexAtBirth; self.birthDate = birthDate
        }
    }

    public struct ReplayArguments: Sendable, Hashable {
        public var profile: String
        public var hex: String
        public var label: String?
        public var patient: String?
        public var alarms: Bool
        /// A capture case's transcript (`CaptureTranscript` text): replayed on its recorded timeline instead of at line rate.
        public var transcript: String?
        public init(profile: String, hex: String, label: String? = nil, patient: String? = nil, alarms: Bool = false, transcript: String? = nil) {
            self.profile = profile; self.hex = hex; self.label = label; self.patient = patient; self.alarms = alarms; self.transcript = transcript
        }
    }

    public enum PairingSecretArgument: Sendable, Hashable {
        case passkey(Int)
        case pin(String)
    }

    public enum RequeueTarget: Sendable, Hashable {
        case all
        /// Rows whose quarantine reason contains this text.
        case reason(String)
        case ids([Int64])
    }

    /// The longest silence a clinician may set (`iomtctl alerts silence --for`).
    public static let maxSilenceMilliseconds: Int64 = 24 * 3_600_000
    public static let maxScanSeconds = 120
    /// The longest capture (`iomtctl capture --seconds`); its memory is bounded apart from this (`CaptureTap.Limits`).
    public static let maxCaptureSeconds = 600

    /// The command's name on the wire.
    public var name: String {
        switch self {
        case .ping: "ping"
        case .status: "status"
        case .devices: "devices"
        case .bindings: "bindings"
        case .bind: "bind"
        case .unbind: "unbind"
        case .replay: "replay"
        case .installProfile: "install-profile"
        case .scan: "scan"
        case .pair: "pair"
        case .forget: "forget"
        case .acknowledgeAlert: "alert-ack"
        case .silenceAlert: "alert-silence"
        case .requeueQuarantined: "quarantine-requeue"
        case .capture: "capture"
        case .captureProgress: "capture-progress"
        }
    }

    /// Whether the command changes what the gateway stores or reads (audited with the caller's uid).
    public var changesState: Bool {
        switch self {
        case .ping, .status, .devices, .bindings, .scan, .captureProgress: false
        default: true
        }
    }

    public var arguments: JSONValue {
        switch self {
        case .ping, .status, .devices: return .object([])
        case let .bindings(showPatient): return .object([("showPatient", .bool(showPatient))])
        case let .bind(a):
            var members: [(String, JSONValue)] = [("device", .string(a.device)), ("patient", .string(a.patient))]
            if let from = a.from { members.append(("from", .string(from.iso8601))) }
            if let until = a.until { members.append(("until", .string(until.iso8601))) }
            if a.releaseHeld { members.append(("releaseHeld", .bool(true))) }
            if let given = a.demographics {
                members.append(("heightCm", .number(given.heightCm)))
                if let sex = given.sexAtBirth { members.append(("sexAtBirth", .string(sex))) }
                if let birthDate = given.birthDate { members.append(("birthDate", .string(birthDate))) }
            }
            return .object(members)
        case let .unbind(device, at): return .object([("device", .string(device))] + (at.map { [("at", .string($0.iso8601))] } ?? []))
        case let .replay(a):
            var members: [(String, JSONValue)] = [("profile", .string(a.profile)), ("hex", .string(a.hex))]
            if let label = a.label { members.append(("label", .string(label))) }
            if let patient = a.patient { members.append(("patient", .string(patient))) }
            if a.alarms { members.append(("alarms", .bool(true))) }
            if let transcript = a.transcript { members.append(("transcript", .string(transcript))) }
            return .object(members)
        case let .installProfile(name, content, replace):
            return .object([("name", .string(name)), ("content", .string(content)), ("replace", .bool(replace))])
        case let .scan(seconds): return .object([("seconds", .number(seconds))])
        case let .pair(address, secret):
            switch secret {
            case nil: return .object([("address", .string(address))])
            case let .passkey(passkey)?: return .object([("address", .string(address)), ("passkey", .number(passkey))])
            case let .pin(pin)?: return .object([("address", .string(address)), ("pin", .string(pin))])
            }
        case let .forget(address): return .object([("address", .string(address))])
        case let .acknowledgeAlert(id): return .object([("id", .number(id))])
        case let .silenceAlert(id, milliseconds): return .object([("id", .number(id)), ("milliseconds", .number(milliseconds))])
        case let .requeueQuarantined(target):
            switch target {
            case .all: return .object([("all", .bool(true))])
            case let .reason(text): return .object([("reason", .string(text))])
            case let .ids(ids): return .object([("ids", .array(ids.map { .number($0) }))])
            }
        case let .capture(device, seconds): return .object([("device", .string(device)), ("seconds", .number(seconds))])
        case let .captureProgress(device): return .object([("device", .string(device))])
        }
    }

    /// The request line's JSON.
    public var json: JSONValue { .object([("command", .string(name)), ("arguments", arguments)]) }

    static let names = ["ping", "status", "devices", "bindings", "bind", "unbind", "replay", "install-profile", "scan", "pair", "forget",
                        "alert-ack", "alert-silence", "quarantine-requeue", "capture", "capture-progress"]

    /// Reads a request line. Errors name the field and what was expected; an unknown command says so
    /// (`isUnknownCommand`), so the daemon can tell an older iomtctl from a malformed one.
    public static func decode(_ line: [UInt8]) throws(ControlMessageError) -> ControlCommand {
        let root: JSONValue
        do { root = try JSONValue.parse(bytes: line) } catch {
            throw ControlMessageError(message: "request", field: "(syntax)", expected: "one JSON object with a \"command\" string", found: error.description)
        }
        let request = try ControlFieldReader.object(root, message: "request")
        guard let name = request["command"]?.stringValue else {
            throw ControlMessageError(message: "request", field: "command", expected: "a command name (one of \(names.joined(separator: ", ")))",
                                      found: request["command"].map(JSONFieldReader.describe) ?? "nothing")
        }
        let arguments = try ControlFieldReader.object(request["arguments"] ?? .object([]), message: "request", path: "arguments")
        return try decode(name: name, arguments: arguments)
    }

    static func decode(name: String, arguments a: JSONValue) throws(ControlMessageError) -> ControlCommand {
        var r = ControlFieldReader(message: "\(name) request")
        let path = "arguments"
        let command: ControlCommand
        switch name {
        case "ping": command = .ping
        case "status": command = .status
        case "devices": command = .devices
        case "bindings": command = .bindings(showPatient: r.bool(a, "showPatient", path: path, default: false))
        case "bind":
            let height = r.fields.decimal(a, "heightCm", path: path)
            let sex = r.optionalString(a, "sexAtBirth", path: path), birthDate = r.optionalString(a, "birthDate", path: path)
            if height == nil, sex != nil || birthDate != nil {
                r.fields.fail("\(path).heightCm", expected: "a height in cm with sexAtBirth or birthDate", foundText: "nothing")
            }
            command = .bind(BindArguments(device: r.string(a, "device", path: path) ?? "", patient: r.string(a, "patient", path: path) ?? "",
                                          from: r.instant(a, "from", path: path, required: false), until: r.instant(a, "until", path: path, required: false),
                                          releaseHeld: r.bool(a, "releaseHeld", path: path, default: false),
                                          demographics: height.map { DemographicsArguments(heightCm: $0, sexAtBirth: sex, birthDate: birthDate) }))
        case "unbind": command = .unbind(device: r.string(a, "device", path: path) ?? "", at: r.instant(a, "at", path: path, required: false))
        case "replay":
            command = .replay(ReplayArguments(profile: r.string(a, "profile", path: path) ?? "", hex: r.string(a, "hex", path: path) ?? "",
                                              label: r.optionalString(a, "label", path: path), patient: r.optionalString(a, "patient", path: path),
                                              alarms: r.bool(a, "alarms", path: path, default: false),
                                              transcript: r.optionalString(a, "transcript", path: path)))
        case "install-profile":
            command = .installProfile(name: r.string(a, "name", path: path) ?? "", content: r.string(a, "content", path: path) ?? "",
                                      replace: r.bool(a, "replace", path: path, default: false))
        case "scan":
            let seconds = r.optionalInteger(a, "seconds", path: path) ?? 10
            if !(1...Int64(maxScanSeconds)).contains(seconds) {
                r.fields.fail("\(path).seconds", expected: "1 to \(maxScanSeconds)", foundText: "\(seconds)")
            }
            command = .scan(seconds: Int(clamping: seconds))
        case "pair":
            let address = r.string(a, "address", path: path) ?? ""
            var secret: PairingSecretArgument?
            if let passkey = r.optionalInteger(a, "passkey", path: path) {
                if !(0...999_999).contains(passkey) { r.fields.fail("\(path).passkey", expected: "0 to 999999", foundText: "\(passkey)") }
                secret = .passkey(Int(clamping: passkey))
            } else if let pin = r.optionalString(a, "pin", path: path) {
                if !(1...16).contains(pin.count) { r.fields.fail("\(path).pin", expected: "1 to 16 characters", foundText: "\(pin.count)") }
                secret = .pin(pin)
            }
            command = .pair(address: address, secret: secret)
        case "forget": command = .forget(address: r.string(a, "address", path: path) ?? "")
        case "alert-ack": command = .acknowledgeAlert(id: r.integer(a, "id", path: path))
        case "alert-silence":
            let id = r.integer(a, "id", path: path), milliseconds = r.integer(a, "milliseconds", path: path)
            if !(1...maxSilenceMilliseconds).contains(milliseconds) {
                r.fields.fail("\(path).milliseconds", expected: "1 to \(maxSilenceMilliseconds) (at most 24 h)", foundText: "\(milliseconds)")
            }
            command = .silenceAlert(id: id, milliseconds: milliseconds)
        case "quarantine-requeue":
            var targets: [RequeueTarget] = []
            if r.bool(a, "all", path: path, default: false) { targets.append(.all) }
            if let reason = r.optionalString(a, "reason", path: path) { targets.append(.reason(reason)) }
            if let ids = r.fields.array(a, "ids", path: path, required: false) {
                let numbers = ids.compactMap { $0.numberText.flatMap { Int64($0) } }.filter { $0 > 0 }
                if numbers.count != ids.count || ids.isEmpty { r.fields.fail("\(path).ids", expected: "reading ids (positive integers)", found: .array(ids)) }
                targets.append(.ids(numbers))
            }
            if targets.count != 1 { r.fields.fail(path, expected: "exactly one of all, reason, ids", foundText: "\(targets.count)") }
            command = .requeueQuarantined(targets.first ?? .all)
        case "capture":
            let device = r.string(a, "device", path: path) ?? ""
            let seconds = r.integer(a, "seconds", path: path)
            if !(1...Int64(maxCaptureSeconds)).contains(seconds) {
                r.fields.fail("\(path).seconds", expected: "1 to \(maxCaptureSeconds)", foundText: "\(seconds)")
            }
            command = .capture(device: device, seconds: Int(clamping: seconds))
        case "capture-progress": command = .captureProgress(device: r.string(a, "device", path: path) ?? "")
        default:
            throw ControlMessageError(message: "request", field: "command", expected: "one of \(names.joined(separator: ", "))", found: "\"\(name)\"")
        }
        try r.finish()
        return command
    }
}

extension ControlMessageError {
    /// The request named a command this side does not know (a newer iomtctl than iomtd).
    public var isUnknownCommand: Bool { message == "request" && problems.first?.field == "command" && problems.first?.found?.hasPrefix("\"") == true }
}
