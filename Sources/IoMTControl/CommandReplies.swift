import IoMTCore

// The results of the commands other than `status` and `devices` (DaemonStatus.swift), one type each.

/// `ping`: the daemon answers and says which release it is.
public struct PingReply: ControlPayload, Hashable {
    public var version: String
    public init(version: String) { self.version = version }
    public var json: JSONValue { .object([("version", .string(version))]) }
    public init(json: JSONValue) throws(ControlMessageError) {
        self = try ControlFieldReader.read(json, message: "ping answer") { r, v in PingReply(version: r.string(v, "version") ?? "") }
    }
}

/// `bindings`: clinic bindings, patient masked unless asked.
public struct BindingList: ControlPayload, Hashable {
    public struct Binding: Sendable, Hashable {
        public var id: Int64
        public var device: String
        /// The PESEL, or its mask (last two digits) unless `showPatient`.
        public var patient: String
        public var from: Instant
        public var until: Instant?
        public var active: Bool
        public var createdBy: String
        /// What was given with the binding for spirometry reference values (nil: nothing; the configuration's patients[] applies).
        public var demographics: Demographics?
        public init(id: Int64, device: String, patient: String, from: Instant, until: Instant?, active: Bool, createdBy: String,
                    demographics: Demographics? = nil) {
            self.id = id; self.device = device; self.patient = patient; self.from = from; self.until = until; self.active = active; self.createdBy = createdBy
            self.demographics = demographics
        }
    }

    /// A binding's demographics. The birth date is part of the PESEL: shown only with the patient (`--show-patient`).
    public struct Demographics: Sendable, Hashable {
        public var heightCm: DecimalValue
        public var sexAtBirth: String
        /// YYYY-MM-DD, or nil while the patient is masked.
        public var birthDate: String?
        public init(heightCm: DecimalValue, sexAtBirth: String, birthDate: String?) {
            self.heightCm = heightCm; self.sexAtBirth = sexAtBirth; self.birthDate = birthDate
        }

        var json: JSONValue {
            .object([("heightCm", .number(heightCm)), ("sexAtBirth", .string(sexAtBirth)), ("birthDate", .optional(birthDate))])
        }

        static func read(_ r: inout ControlFieldReader, _ value: JSONValue, path: String) -> Demographics? {
            guard let object = value["demographics"], !object.isNull else { return nil }
            let inner = path.isEmpty ? "demographics" : path + ".demographics"
            return Demographics(heightCm: r.fields.decimal(object, "heightCm", path: inner) ?? DecimalValue(0),
                                sexAtBirth: r.string(object, "sexAtBirth", path: inner) ?? "", birthDate: r.optionalString(object, "birthDate", path: inner))
        }
    }

    public var bindings: [Binding]
    public init(bindings: [Binding]) { self.bindings = bindings }

    public var json: JSONValue {
        .object([("bindings", .array(bindings.map { b in
            .object([("id", .number(b.id)), ("device", .string(b.device)), ("patient", .string(b.patient)), ("from", .string(b.from.iso8601)),
                     ("until", .optional(b.until)), ("active", .bool(b.active)), ("createdBy", .string(b.createdBy)),
                     ("demographics", b.demographics?.json ?? .null)])
        }))])
    }

    public init(json: JSONValue) throws(ControlMessageError) {
        self = try ControlFieldReader.read(json, message: "bindings answer") { r, root in
            BindingList(bindings: r.array(root, "bindings") { r, v, path in
                Binding(id: r.integer(v, "id", path: path), device: r.string(v, "device", path: path) ?? "", patient: r.string(v, "patient", path: path) ?? "",
                        from: r.instant(v, "from", path: path) ?? Instant(millisecondsSinceEpoch: 0), until: r.instant(v, "until", path: path, required: false),
                        active: r.bool(v, "active", path: path), createdBy: r.string(v, "createdBy", path: path) ?? "",
                        demographics: Demographics.read(&r, v, path: path))
            })
        }
    }
}

/// `bind`: the new binding and how many held readings it released.
public struct BindReply: ControlPayload, Hashable {
    public var binding: Int64
    public var device: String
    public var from: Instant
    public var until: Instant?
    public var releasedHeldReadings: Int64
    public init(binding: Int64, device: String, from: Instant, until: Instant?, releasedHeldReadings: Int64) {
        self.binding = binding; self.device = device; self.from = from; self.until = until; self.releasedHeldReadings = releasedHeldReadings
    }
    public var json: JSONValue {
        .object([("binding", .number(binding)), ("device", .string(device)), ("from", .string(from.iso8601)), ("until", .optional(until)),
                 ("releasedHeldReadings", .number(releasedHeldReadings))])
    }
    public init(json: JSONValue) throws(ControlMessageError) {
        self = try ControlFieldReader.read(json, message: "bind answer") { r, v in
            BindReply(binding: r.integer(v, "binding"), device: r.string(v, "device") ?? "", from: r.instant(v, "from") ?? Instant(millisecondsSinceEpoch: 0),
                      until: r.instant(v, "until", required: false), releasedHeldReadings: r.integer(v, "releasedHeldReadings"))
        }
    }
}

/// `unbind`: the binding that was ended, and when.
public struct UnbindReply: ControlPayload, Hashable {
    public var binding: Int64
    public var device: String
    public var until: Instant
    public init(binding: Int64, device: String, until: Instant) { self.binding = binding; self.device = device; self.until = until }
    public var json: JSONValue { .object([("binding", .number(binding)), ("device", .string(device)), ("until", .string(until.iso8601))]) }
    public init(json: JSONValue) throws(ControlMessageError) {
        self = try ControlFieldReader.read(json, message: "unbind answer") { r, v in
            UnbindReply(binding: r.integer(v, "binding"), device: r.string(v, "device") ?? "", until: r.instant(v, "until") ?? Instant(millisecondsSinceEpoch: 0))
        }
    }
}

/// `replay`: what a capture produced in the live pipeline (stored as test data).
public struct ReplayReply: ControlPayload, Hashable {
    public var profile: String
    public var bytes: Int64
    public var readings: Int64
    public var rejectedFrames: Int64
    public var alarms: Bool
    public var ids: [Int64]
    public init(profile: String, bytes: Int64, readings: Int64, rejectedFrames: Int64, alarms: Bool, ids: [Int64]) {
        self.profile = profile; self.bytes = bytes; self.readings = readings; self.rejectedFrames = rejectedFrames; self.alarms = alarms; self.ids = ids
    }
    public var json: JSONValue {
        .object([("profile", .string(profile)), ("bytes", .number(bytes)), ("readings", .number(readings)), ("rejectedFrames", .number(rejectedFrames)),
                 ("testData", .bool(true)), ("alarms", .bool(alarms)), ("ids", .array(ids.map { .number($0) }))])
    }
    public init(json: JSONValue) throws(ControlMessageError) {
        self = try ControlFieldReader.read(json, message: "replay answer") { r, v in
            ReplayReply(profile: r.string(v, "profile") ?? "", bytes: r.integer(v, "bytes"), readings: r.integer(v, "readings"),
                        rejectedFrames: r.integer(v, "rejectedFrames"), alarms: r.bool(v, "alarms"),
                        ids: (r.fields.array(v, "ids", path: "", required: true) ?? []).compactMap { $0.numberText.flatMap { Int64($0) } })
        }
    }
}

/// `install-profile`: where the profile was written (used from the next start).
public struct InstallProfileReply: ControlPayload, Hashable {
    public var profile: String
    public var path: String
    public var usbAdapters: Int64
    public init(profile: String, path: String, usbAdapters: Int64) { self.profile = profile; self.path = path; self.usbAdapters = usbAdapters }
    public var json: JSONValue {
        .object([("profile", .string(profile)), ("path", .string(path)), ("restartNeeded", .bool(true)), ("usbAdapters", .number(usbAdapters))])
    }
    public init(json: JSONValue) throws(ControlMessageError) {
        self = try ControlFieldReader.read(json, message: "install-profile answer") { r, v in
            InstallProfileReply(profile: r.string(v, "profile") ?? "", path: r.string(v, "path") ?? "", usbAdapters: r.integer(v, "usbAdapters"))
        }
    }
}

/// `scan`: Bluetooth LE health devices and Classic devices offering SPP (or of the health device class), strongest first.
public struct ScanReply: ControlPayload, Hashable {
    public struct Device: Sendable, Hashable {
        public var address: String
        public var name: String?
        public var rssi: Int64?
        /// The health profile its advertised services match, or nil.
        public var profile: String?
        public var paired: Bool
        public var trusted: Bool
        public var connected: Bool
        public var uuids: [String]
        /// "le" or "bredr" (Bluetooth Classic).
        public var transport: String
        /// A Classic device offering the Serial Port Profile (UUID 0x1101).
        public var serialPort: Bool
        public init(address: String, name: String?, rssi: Int64?, profile: String?, paired: Bool, trusted: Bool, connected: Bool, uuids: [String],
                    transport: String = "le", serialPort: Bool = false) {
            self.address = address; self.name = name; self.rssi = rssi; self.profile = profile; self.paired = paired; self.trusted = trusted
            self.connected = connected; self.uuids = uuids; self.transport = transport; self.serialPort = serialPort
        }
    }
    public var seconds: Int64
    public var devices: [Device]
    public init(seconds: Int64, devices: [Device]) { self.seconds = seconds; self.devices = devices }
    public var json: JSONValue {
        .object([("seconds", .number(seconds)), ("devices", .array(devices.map { d in
            .object([("address", .string(d.address)), ("name", .optional(d.name)), ("rssi", .optional(d.rssi)), ("profile", .optional(d.profile)),
                     ("transport", .string(d.transport)), ("serialPort", .bool(d.serialPort)),
                     ("paired", .bool(d.paired)), ("trusted", .bool(d.trusted)), ("connected", .bool(d.connected)),
                     ("uuids", .array(d.uuids.map { .string($0) }))])
        }))])
    }
    public init(json: JSONValue) throws(ControlMessageError) {
        self = try ControlFieldReader.read(json, message: "scan answer") { r, root in
            ScanReply(seconds: r.integer(root, "seconds"), devices: r.array(root, "devices") { r, v, path in
                Device(address: r.string(v, "address", path: path) ?? "", name: r.optionalString(v, "name", path: path),
                       rssi: r.optionalInteger(v, "rssi", path: path), profile: r.optionalString(v, "profile", path: path),
                       paired: r.bool(v, "paired", path: path), trusted: r.bool(v, "trusted", path: path), connected: r.bool(v, "connected", path: path),
                       uuids: (v["uuids"]?.arrayValue ?? []).compactMap(\.stringValue),
                       transport: r.optionalString(v, "transport", path: path) ?? "le", serialPort: v["serialPort"]?.boolValue ?? false)
            })
        }
    }
}

/// `pair`: the device BlueZ paired and trusted.
public struct PairReply: ControlPayload, Hashable {
    public var address: String
    public var paired: Bool
    public var trusted: Bool
    public var profile: String?
    public init(address: String, paired: Bool, trusted: Bool, profile: String?) {
        self.address = address; self.paired = paired; self.trusted = trusted; self.profile = profile
    }
    public var json: JSONValue {
        .object([("address", .string(address)), ("paired", .bool(paired)), ("trusted", .bool(trusted)), ("profile", .optional(profile))])
    }
    public init(json: JSONValue) throws(ControlMessageError) {
        self = try ControlFieldReader.read(json, message: "pair answer") { r, v in
            PairReply(address: r.string(v, "address") ?? "", paired: r.bool(v, "paired"), trusted: r.bool(v, "trusted"), profile: r.optionalString(v, "profile"))
        }
    }
}

/// `forget`: the device BlueZ removed with its bond.
public struct ForgetReply: ControlPayload, Hashable {
    public var address: String
    public init(address: String) { self.address = address }
    public var json: JSONValue { .object([("address", .string(address)), ("forgotten", .bool(true))]) }
    public init(json: JSONValue) throws(ControlMessageError) {
        self = try ControlFieldReader.read(json, message: "forget answer") { r, v in ForgetReply(address: r.string(v, "address") ?? "") }
    }
}

/// `alert-ack` / `alert-silence`: the action the daemon recorded on its store, and by whom.
public struct AlertActionReply: ControlPayload, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable { case acknowledge, silence }
    public var alert: Int64
    public var episode: String
    public var kind: Kind
    /// The end of a silence.
    public var until: Instant?
    public var actor: String
    public init(alert: Int64, episode: String, kind: Kind, until: Instant?, actor: String) {
        self.alert = alert; self.episode = episode; self.kind = kind; self.until = until; self.actor = actor
    }
    public var json: JSONValue {
        .object([("alert", .number(alert)), ("episode", .string(episode)), ("kind", .string(kind.rawValue)), ("until", .optional(until)),
                 ("actor", .string(actor))])
    }
    public init(json: JSONValue) throws(ControlMessageError) {
        self = try ControlFieldReader.read(json, message: "alert action answer") { r, v in
            AlertActionReply(alert: r.integer(v, "alert"), episode: r.string(v, "episode") ?? "", kind: r.choice(v, "kind", as: Kind.self) ?? .acknowledge,
                             until: r.instant(v, "until", required: false), actor: r.string(v, "actor") ?? "")
        }
    }
}

/// `quarantine-requeue`: how many quarantined readings went back in the delivery queue, and by whom.
public struct RequeueReply: ControlPayload, Hashable {
    public var requeued: Int64
    public var actor: String
    public init(requeued: Int64, actor: String) { self.requeued = requeued; self.actor = actor }
    public var json: JSONValue { .object([("requeued", .number(requeued)), ("actor", .string(actor))]) }
    public init(json: JSONValue) throws(ControlMessageError) {
        self = try ControlFieldReader.read(json, message: "quarantine-requeue answer") { r, v in
            RequeueReply(requeued: r.integer(v, "requeued"), actor: r.string(v, "actor") ?? "")
        }
    }
}
