import IoMTAlerts
import IoMTCore
import IoMTSpirometry
import IoMTStore

/// The daemon's configuration (`/etc/iomtd/iomtd.json`; format in docs/configuration.md).
public struct DaemonConfiguration: Sendable {
    /// Where iomtd reads its configuration, and where `iomtctl doctor`, `trend`, `decode --fhir` and `rules test` find it,
    /// unless `--config` names another file.
    public static let defaultPath = "/etc/iomtd/iomtd.json"

    public struct Device: Sendable, Hashable {
        public var profileId: String
        /// Serial device path (a stable udev symlink in production, a pty in the lab).
        public var path: String
        public var serialNumber: String?
        /// Position in the file's `devices[]` (which also holds Bluetooth devices), for error messages; nil: hot-plugged.
        public var index: Int? = nil

        package init(profileId: String, path: String, serialNumber: String?, index: Int? = nil) {
            self.profileId = profileId; self.path = path; self.serialNumber = serialNumber; self.index = index
        }
    }

    public struct DOM: Sendable, Hashable {
        public var baseURL: String
        public var batchSize: Int
        public var timeoutMilliseconds: Int
        public var caBundlePath: String?
        public var clientCertificatePath: String?
        public var clientKeyPath: String?
        /// `sha256//<base64>` of DOM's public key(s), `;`-separated; checked on top of CA verification.
        public var pinnedPublicKey: String? = nil
        /// Bearer tokens from an OAuth2 token endpoint (client credentials grant); nil: none sent.
        public var oauth2: OAuth2? = nil
    }

    public struct OAuth2: Sendable, Hashable {
        public var tokenURL: String
        public var clientId: String
        /// Mode 0600, like the other credential files.
        public var clientSecretFile: String
        public var scope: String?
    }

    public struct Webhook: Sendable, Hashable {
        public var url: String
        public var caBundlePath: String?
        public var timeoutMilliseconds: Int
    }

    public struct Gateway: Sendable, Hashable {
        /// IEEE EUI-64 of the gateway as 16 hex digits.
        public var systemId: String
        public var serialNumber: String?
    }

    public var stateDirectory: String
    public var profilesDirectory: String
    public var gateway: Gateway
    /// Home hub: every device is bound to this one patient (PESEL).
    public var patientId: String?
    /// The patient's reference in rule files and alert webhooks (a clinic's pseudonym, never the PESEL).
    public var patientReference: String? = nil
    public var devices: [Device]
    /// DOM's REST API; nil: readings go to the MQTT broker only (at least one of `dom`/`mqtt` is configured).
    public var dom: DOM?
    public var rules: [AlertRule]
    public var alertExecHook: String?
    /// A hook still running after this long is killed with its process group and retried later.
    public var alertExecHookTimeoutMilliseconds: Int = 10_000
    /// A rule file (docs/alert-rules.md); its rules come before the inline `alerts.rules`.
    public var alertRulesFile: String? = nil
    public var alertWebhook: Webhook? = nil
    public var logLevel: Log.Level
    /// Undelivered readings the store holds before it refuses new ones (visible, never a silent drop).
    public var maxUndeliveredReadings: Int
    /// The store's disk bound and compaction age (`store.maxMegabytes`, `store.compactStreamsAfterHours`).
    public var storage = StoragePolicy()
    /// Delivered readings (and dedup-ledger identifiers) older than this are pruned by the hourly retention job
    /// (`store.retentionDays`, default 7).
    public var deliveredRetentionDays = 7
    public var sourcePath: String
    public var control = Control()
    public var hotplug = Hotplug()
    public var bluetooth = Bluetooth()
    /// The MQTT uplink (MQTTConfiguration.swift); nil: readings go to DOM only.
    public var mqtt: MQTT? = nil
    /// A demonstration gateway (scripts/demo.sh): every reading is labelled demonstration data (FHIR HTEST) and its
    /// alarms go out flagged test on every channel, never as a patient's alarm.
    public var demonstration = false
    /// PESEL → sex at birth, date of birth, height and reference equations, for spirometry reference values (the home
    /// hub's `patient`, and `patients[]`). Read by the alert engine and the FHIR mapping; the PESEL stays a map key.
    public var patientDemographics: [String: PatientDemographics] = [:]

    /// The store's delivery destinations, each with its own delivery state: "dom", "mqtt" or both.
    public var deliveryDestinations: [String] { (dom == nil ? [] : ["dom"]) + (mqtt == nil ? [] : ["mqtt"]) }
    /// The destination status, metrics and iomtctl report: DOM when configured, else the broker.
    public var primaryDestination: String { dom == nil ? "mqtt" : "dom" }

    public var storePath: String { stateDirectory + "/iomtd.sqlite" }
    /// Profiles a technician installed with `iomtctl profiles install` (the daemon's own, audited).
    public var localProfilesDirectory: String { stateDirectory + "/profiles" }
    /// Where profiles are loaded from: the shipped set, then the local ones.
    public var profileDirectories: [String] { [profilesDirectory, localProfilesDirectory] }
}

extension DaemonConfiguration {
    static let topLevelKeys: Set<String> = ["stateDirectory", "profilesDirectory", "gateway", "patient", "devices", "dom", "alerts", "store", "control", "hotplug", "bluetooth", "logLevel", "comment",
                                               "mqtt", "demonstration", "patients"]

    /// Parses and validates a configuration file's text; every problem names the field and what was expected.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> DaemonConfiguration {
        let root = try JSONFieldReader.parseObject(text, file: file)
        var r = JSONFieldReader()
        r.checkKnownKeys(root, path: "", allowed: topLevelKeys)

        let stateDirectory = r.string(root, "stateDirectory", path: "", required: true, expected: "a directory path") ?? ""
        let profilesDirectory = r.string(root, "profilesDirectory", path: "", required: true, expected: "a directory path") ?? ""

        var gateway = Gateway(systemId: "", serialNumber: nil)
        if let g = r.object(root, "gateway", path: "", required: true) {
            r.checkKnownKeys(g, path: "gateway", allowed: ["systemId", "serialNumber"])
            let systemId = r.string(g, "systemId", path: "gateway", required: true, expected: "16 hex digits (IEEE EUI-64)") ?? ""
            if !systemId.isEmpty, systemId.count != 16 || !systemId.allSatisfy(\.isHexDigit) {
                r.fail("gateway.systemId", expected: "16 hex digits (IEEE EUI-64)", foundText: "\"\(systemId)\"")
            }
            gateway = Gateway(systemId: systemId.uppercased(), serialNumber: r.string(g, "serialNumber", path: "gateway", required: false))
        }

        var patientId: String? = nil
        var patientReference: String? = nil
        if let p = r.object(root, "patient", path: "", required: false) {
            r.checkKnownKeys(p, path: "patient", allowed: demographicsKeys.union(["pesel", "reference"]))
            patientReference = r.string(p, "reference", path: "patient", required: false, expected: "the clinic's patient reference (not the PESEL)")
            if let reference = patientReference, reference.count == 11, reference.allSatisfy(\.isNumber) {
                r.fail("patient.reference", expected: "a reference that is not a PESEL (it appears in rule files and webhooks)", foundText: "11 digits")
            }
            if let pesel = r.string(p, "pesel", path: "patient", required: true, expected: "an 11-digit PESEL") {
                do { try PESEL.validate(pesel); patientId = pesel } catch {
                    // The message names the field but never echoes the identifier itself.
                    r.fail("patient.pesel", expected: "a valid PESEL", foundText: error.description)
                }
            }
        }

        let demographics = parseDemographics(root, homePatient: patientId, &r)

        var devices: [Device] = []
        for (index, item) in (r.array(root, "devices", path: "", required: false) ?? []).enumerated() {
            let path = "devices[\(index)]"
            guard item.objectValue != nil else { r.fail(path, expected: "an object", found: item); continue }
            if isBluetoothDevice(item) { continue } // parseBluetooth reads it
            r.checkKnownKeys(item, path: path, allowed: ["profile", "path", "serialNumber"])
            let profile = r.string(item, "profile", path: path, required: true, expected: "a profile id from the profiles directory")
            let devicePath = r.string(item, "path", path: path, required: true, expected: "a serial device path such as /dev/ttyUSB0")
            if let devicePath, !devicePath.hasPrefix("/") { r.fail(path + ".path", expected: "an absolute path", foundText: "\"\(devicePath)\"") }
            if let profile, let devicePath {
                devices.append(Device(profileId: profile, path: devicePath, serialNumber: r.string(item, "serialNumber", path: path, required: false),
                                      index: index))
            }
        }

        let dom = parseDOM(root, &r, required: false)

        var rules: [AlertRule] = []
        var execHook: String? = nil
        var execHookTimeout = 10_000
        var rulesFile: String? = nil
        var webhook: Webhook? = nil
        if let a = r.object(root, "alerts", path: "", required: false) {
            r.checkKnownKeys(a, path: "alerts", allowed: ["rules", "execHook", "execHookTimeoutMs", "rulesFile", "webhook"])
            execHook = r.string(a, "execHook", path: "alerts", required: false, expected: "an executable path")
            execHookTimeout = r.integer(a, "execHookTimeoutMs", path: "alerts", range: 100...600_000, default: 10_000)
            rulesFile = r.string(a, "rulesFile", path: "alerts", required: false, expected: "the path of a rule file")
            if let w = r.object(a, "webhook", path: "alerts", required: false) {
                r.checkKnownKeys(w, path: "alerts.webhook", allowed: ["url", "caBundle", "timeoutMs"])
                let url = r.url(w, "url", path: "alerts.webhook", required: true)
                if let url {
                    webhook = Webhook(url: url, caBundlePath: r.string(w, "caBundle", path: "alerts.webhook", required: false),
                                      timeoutMilliseconds: r.integer(w, "timeoutMs", path: "alerts.webhook", range: 100...60_000, default: 5000))
                }
            }
            var seen: Set<String> = []
            for (index, item) in (r.array(a, "rules", path: "alerts", required: false) ?? []).enumerated() {
                let path = "alerts.rules[\(index)]"
                guard item.objectValue != nil else { r.fail(path, expected: "an object", found: item); continue }
                r.checkKnownKeys(item, path: path, allowed: ["id", "measurement", "below", "above", "priority"])
                let id = r.string(item, "id", path: path, required: true, expected: "a unique rule id")
                if let id, !seen.insert(id).inserted { r.fail(path + ".id", expected: "a unique rule id", foundText: "\"\(id)\" again") }
                let measurement = r.string(item, "measurement", path: path, required: true, expected: "an MDC reference id such as MDC_PULS_OXIM_SAT_O2")
                if let measurement, MeasurementType.byRefId(measurement) == nil {
                    r.fail(path + ".measurement", expected: "a known MDC reference id (" + MeasurementType.all.map(\.mdcRefId).joined(separator: ", ") + ")", foundText: "\"\(measurement)\"")
                }
                let below = r.decimal(item, "below", path: path)
                let above = r.decimal(item, "above", path: path)
                if below == nil, above == nil, item["below"] == nil, item["above"] == nil {
                    r.fail(path, expected: "at least one of \"below\" or \"above\"", foundText: "neither")
                }
                if let below, let above, !(below < above) {
                    r.fail(path + ".above", expected: "a limit greater than below (\(below))", foundText: above.description)
                }
                let priorityText = r.string(item, "priority", path: path, required: false) ?? "medium"
                let priority = AlertPriority(rawValue: priorityText)
                if priority == nil { r.fail(path + ".priority", expected: "one of high, medium, low", foundText: "\"\(priorityText)\"") }
                if let id, let measurement {
                    rules.append(AlertRule.threshold(id: id, measurement: measurement, below: below, above: above, priority: priority ?? .medium))
                }
            }
        }

        var maxUndelivered = 100_000_000
        var storage = StoragePolicy()
        var retentionDays = 7
        if let store = r.object(root, "store", path: "", required: false) {
            r.checkKnownKeys(store, path: "store", allowed: ["maxUndeliveredReadings", "maxMegabytes", "compactStreamsAfterHours", "retentionDays"])
            retentionDays = r.integer(store, "retentionDays", path: "store", range: 1...3650, default: retentionDays)
            maxUndelivered = r.integer(store, "maxUndeliveredReadings", path: "store", range: 1...100_000_000, default: maxUndelivered)
            storage.maxBytes = Int64(r.integer(store, "maxMegabytes", path: "store", range: 16...1_048_576, default: Int(storage.maxBytes >> 20))) << 20
            storage.compactStreamsOlderThanMilliseconds = Int64(r.integer(store, "compactStreamsAfterHours", path: "store", range: 1...720,
                default: Int(storage.compactStreamsOlderThanMilliseconds / 3_600_000))) * 3_600_000
        }

        var level = Log.Level.info
        if let text = r.string(root, "logLevel", path: "", required: false) {
            switch text {
            case "debug": level = .debug
            case "info": level = .info
            case "notice": level = .notice
            case "warning": level = .warning
            case "error": level = .error
            default: r.fail("logLevel", expected: "one of debug, info, notice, warning, error", foundText: "\"\(text)\"")
            }
        }

        let control = parseControl(root, &r)
        let hotplug = parseHotplug(root, &r)
        let bluetooth = parseBluetooth(root, &r)
        let mqtt = parseMQTT(root, gatewaySystemId: gateway.systemId, &r)
        if root["dom"] == nil, root["mqtt"] == nil {
            r.fail("dom", expected: "a \"dom\" section (DOM's REST API) or an \"mqtt\" section (the provider's broker), or both", foundText: "neither")
        }

        var demonstration = false
        if let item = root["demonstration"], !item.isNull {
            if let flag = item.boolValue { demonstration = flag } else { r.fail("demonstration", expected: "true or false", found: item) }
        }

        guard r.problems.isEmpty else { throw ConfigurationError(file: file, problems: r.problems) }
        var configuration = DaemonConfiguration(stateDirectory: stateDirectory, profilesDirectory: profilesDirectory, gateway: gateway,
                                   patientId: patientId, patientReference: patientReference, devices: devices, dom: dom, rules: rules,
                                   alertExecHook: execHook, alertRulesFile: rulesFile, alertWebhook: webhook,
                                   logLevel: level, maxUndeliveredReadings: maxUndelivered, sourcePath: file)
        configuration.storage = storage
        configuration.deliveredRetentionDays = retentionDays
        configuration.alertExecHookTimeoutMilliseconds = execHookTimeout
        configuration.control = control
        configuration.hotplug = hotplug
        configuration.bluetooth = bluetooth
        configuration.mqtt = mqtt
        configuration.demonstration = demonstration
        configuration.patientDemographics = demographics
        return configuration
    }
}

extension DaemonConfiguration {
    static let pinExpectation = "sha256// followed by the base64 SHA-256 of DOM's public key (several joined by ;)"

    /// CURLOPT_PINNEDPUBLICKEY's hash form: `sha256//` + base64 of 32 bytes (44 characters, one `=`).
    static func isPinList(_ text: String) -> Bool {
        let base64: Set<Character> = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        return text.split(separator: ";", omittingEmptySubsequences: false).allSatisfy { item in
            guard item.hasPrefix("sha256//") else { return false }
            let digest = item.dropFirst("sha256//".count)
            return digest.count == 44 && digest.hasSuffix("=") && digest.dropLast().allSatisfy { base64.contains($0) }
        }
    }
}
