import IoMTCore

/// Turns one parsed profile document into a `DeviceProfile`, recording every problem it finds
/// (unknown fields included: a typo such as `"partiy"` must not silently fall back to a default).
struct ProfileValidator {
    let file: String
    let knownDriverIds: Set<String>
    private(set) var issues: [ProfileError.Issue] = []

    init(file: String, knownDriverIds: Set<String>) {
        self.file = file; self.knownDriverIds = knownDriverIds
    }

    static let topLevelFields = ["id", "schemaVersion", "manufacturer", "model", "deviceClass", "driver", "transport",
                                 "match", "serial", "sppRole", "driverOptions", "quirks", "bluetoothQuirks", "notes", "support"]
    static let matchFields = ["usb", "bleServices"]
    static let usbFields = ["vendorId", "productId", "product"]
    static let serialFields = ["baudRate", "dataBits", "parity", "stopBits", "flowControl"]
    /// Rates termios can set on Linux (B50 … B4000000).
    static let standardBaudRates: [Int] = [50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200,
                                           38400, 57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000,
                                           1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000]

    mutating func profile(from document: JSONValue) -> DeviceProfile? {
        guard let members = object(document, at: "(document)", allowed: Self.topLevelFields) else { return nil }
        let root = Dictionary(members, uniquingKeysWith: { first, _ in first })

        let id = kebabString(root["id"], at: "id", required: true)
        if let version = root["schemaVersion"] {
            if version.intValue != 1 { issue("schemaVersion", expected: "1", found: version) }
        } else { missing("schemaVersion", expected: "1") }
        let manufacturer = text(root["manufacturer"], at: "manufacturer")
        let model = text(root["model"], at: "model")
        let deviceClass = kebabString(root["deviceClass"], at: "deviceClass", required: true)
        let driver = driverId(root["driver"])
        let transport = transportKind(root["transport"])
        let match = matchRules(root["match"])
        var serial: SerialSettings? = nil
        switch (transport, root["serial"]) {
        case (.serial?, nil): missing("serial", expected: "a serial block (transport is \"serial\")")
        case (.serial?, let block?): serial = serialSettings(block)
        case (.ble?, let block?): issue("serial", expected: "no serial block for transport \"ble\"", found: block)
        default: break
        }
        if transport == .ble, let match { checkBluetoothMatch(match, document: root["match"]) }
        // Only a byte-stream (serial) profile runs over SPP; a BLE profile has no RFCOMM link to open.
        let sppRole: SPPRole?
        if transport == .ble, let value = root["sppRole"] {
            issue("sppRole", expected: "no sppRole for transport \"ble\" (it says which side opens a Bluetooth Classic SPP link)", found: value)
            sppRole = nil
        } else {
            sppRole = enumeration(root["sppRole"], at: "sppRole", required: false)
        }
        var options: [String: JSONValue] = [:]
        if let value = root["driverOptions"] {
            if let members = object(value, at: "driverOptions", allowed: nil) {
                options = Dictionary(members, uniquingKeysWith: { first, _ in first })
            }
        }
        let quirks = quirkNames(root["quirks"])
        let bluetoothQuirks = bluetoothQuirkSet(root["bluetoothQuirks"], transport: transport)
        if let notes = root["notes"], notes.stringValue == nil { issue("notes", expected: "a string", found: notes) }

        let support = root["support"].flatMap { deviceSupport($0) }

        guard let id, let manufacturer, let model, let deviceClass, let driver, let transport, let match else { return nil }
        var profile = DeviceProfile(id: id, manufacturer: manufacturer, model: model, deviceClass: deviceClass, driver: driver,
                                    transport: transport, match: match, serial: serial, driverOptions: options,
                                    quirks: quirks, sourcePath: file)
        profile.support = support
        profile.sppRole = sppRole ?? .deviceConnects
        profile.bluetoothQuirks = bluetoothQuirks
        return profile
    }

    /// `support`: every field a non-empty string, `evidence` one of the kinds.
    private mutating func deviceSupport(_ value: JSONValue) -> DeviceSupport? {
        guard let members = object(value, at: "support", allowed: DeviceSupport.fields) else { return nil }
        let fields = Dictionary(members, uniquingKeysWith: { first, _ in first })
        let texts = DeviceSupport.fields.dropLast().map { text(fields[$0], at: "support." + $0) }
        let kinds = DeviceSupport.Evidence.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        var evidence: DeviceSupport.Evidence?
        if let item = fields["evidence"] {
            evidence = item.stringValue.flatMap(DeviceSupport.Evidence.init(rawValue:))
            if evidence == nil { issue("support.evidence", expected: "one of \(kinds)", found: item) }
        } else { missing("support.evidence", expected: "one of \(kinds)") }
        guard let reads = texts[0], let pairing = texts[1], let clock = texts[2], let history = texts[3], let evidence else { return nil }
        return DeviceSupport(reads: reads, pairing: pairing, clock: clock, history: history, evidence: evidence)
    }

    // MARK: Fields

    private mutating func driverId(_ value: JSONValue?) -> String? {
        guard let name = text(value, at: "driver") else { return nil }
        guard knownDriverIds.contains(name) else {
            let list = knownDriverIds.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            issue("driver", expected: "a registered driver id (one of \(list.isEmpty ? "none registered" : list))", found: value!)
            return nil
        }
        return name
    }

    private mutating func transportKind(_ value: JSONValue?) -> TransportKind? {
        guard let name = text(value, at: "transport") else { return nil }
        guard let kind = TransportKind(rawValue: name) else {
            issue("transport", expected: "one of \"serial\", \"ble\"", found: value!)
            return nil
        }
        return kind
    }

    private mutating func matchRules(_ value: JSONValue?) -> MatchRules? {
        guard let value else { missing("match", expected: "an object with \"usb\" and/or \"bleServices\""); return nil }
        guard let members = object(value, at: "match", allowed: Self.matchFields) else { return nil }
        let fields = Dictionary(members, uniquingKeysWith: { first, _ in first })
        var rules = MatchRules()
        if let usb = fields["usb"] {
            if let items = array(usb, at: "match.usb") {
                for (index, item) in items.enumerated() {
                    if let rule = usbMatch(item, at: "match.usb[\(index)]") { rules.usb.append(rule) }
                }
            }
        }
        if let services = fields["bleServices"] {
            if let items = array(services, at: "match.bleServices") {
                for (index, item) in items.enumerated() {
                    let path = "match.bleServices[\(index)]"
                    if let uuid = item.stringValue.flatMap(BluetoothUUID.init(parsing:)) {
                        rules.bleServices.append(uuid)
                    } else {
                        issue(path, expected: "a service UUID: 4 hex digits for an assigned number such as \"1822\", or 128 bits as 8-4-4-4-12 hex digits such as \"6e400001-b5a3-f393-e0a9-e50e24dcca9e\"", found: item)
                    }
                }
            }
        }
        return rules
    }

    /// A BLE profile is recognised by its advertised services only: it needs at least one, and USB
    /// rules would never apply to it.
    private mutating func checkBluetoothMatch(_ match: MatchRules, document: JSONValue?) {
        if match.bleServices.isEmpty {
            issues.append(.init(file: file, field: "match.bleServices",
                                expected: "at least one advertised service UUID such as \"1810\" (transport is \"ble\")",
                                found: document?["bleServices"] == nil ? "nothing (the field is missing)" : "an empty array"))
        }
        if !match.usb.isEmpty {
            issues.append(.init(file: file, field: "match.usb", expected: "no USB rules for transport \"ble\"",
                                found: "\(match.usb.count) rule(s)"))
        }
    }

    private mutating func usbMatch(_ value: JSONValue, at path: String) -> USBMatch? {
        guard let members = object(value, at: path, allowed: Self.usbFields) else { return nil }
        let fields = Dictionary(members, uniquingKeysWith: { first, _ in first })
        let vendor = hex16(fields["vendorId"], at: path + ".vendorId")
        let product = hex16(fields["productId"], at: path + ".productId")
        var productString: String? = nil
        if let value = fields["product"] { productString = text(value, at: path + ".product") }
        guard let vendor, let product else { return nil }
        return USBMatch(vendorId: vendor, productId: product, product: productString)
    }

    private mutating func hex16(_ value: JSONValue?, at path: String) -> UInt16? {
        let expectation = "4 hex digits as a string, such as \"10c4\""
        guard let value else { missing(path, expected: expectation); return nil }
        guard let text = value.stringValue, let number = Self.parseHex16(text) else {
            issue(path, expected: expectation, found: value)
            return nil
        }
        return number
    }

    static func parseHex16(_ text: String) -> UInt16? {
        let bytes = Array(text.utf8)
        guard bytes.count == 4, bytes.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 102) }) else { return nil }
        return UInt16(text, radix: 16)
    }

    private mutating func serialSettings(_ value: JSONValue) -> SerialSettings? {
        guard let members = object(value, at: "serial", allowed: Self.serialFields) else { return nil }
        let fields = Dictionary(members, uniquingKeysWith: { first, _ in first })
        let rates = Self.standardBaudRates.map(String.init).joined(separator: ", ")
        let baud = integer(fields["baudRate"], at: "serial.baudRate", expected: "a standard termios rate (one of \(rates))") {
            Self.standardBaudRates.contains($0)
        }
        let dataBits = integer(fields["dataBits"], at: "serial.dataBits", expected: "an integer from 5 to 8") { (5...8).contains($0) }
        let stopBits = integer(fields["stopBits"], at: "serial.stopBits", expected: "1 or 2") { (1...2).contains($0) }
        let parity: SerialSettings.Parity? = enumeration(fields["parity"], at: "serial.parity", required: true)
        let flow: SerialSettings.FlowControl? = enumeration(fields["flowControl"], at: "serial.flowControl", required: false)
        guard let baud, let dataBits, let stopBits, let parity else { return nil }
        return SerialSettings(baudRate: baud, dataBits: dataBits, parity: parity, stopBits: stopBits, flowControl: flow ?? .none)
    }

    private mutating func enumeration<Value: RawRepresentable & CaseIterable>(_ value: JSONValue?, at path: String,
                                                                           required: Bool) -> Value? where Value.RawValue == String {
        let names = Value.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard let value else {
            if required { missing(path, expected: "one of \(names)") }
            return nil
        }
        guard let text = value.stringValue, let result = Value(rawValue: text) else {
            issue(path, expected: "one of \(names)", found: value)
            return nil
        }
        return result
    }

    private mutating func quirkNames(_ value: JSONValue?) -> Set<String> {
        guard let value, let items = array(value, at: "quirks") else { return [] }
        var names: Set<String> = []
        for (index, item) in items.enumerated() {
            let path = "quirks[\(index)]"
            guard let name = kebabString(item, at: path, required: true) else { continue }
            if !names.insert(name).inserted { issue(path, expected: "each quirk listed once", found: item) }
        }
        return names
    }

    /// `bluetoothQuirks`: names from the closed set `BluetoothQuirk` (each changes what the connection does, so a typo
    /// must not pass as a label), each once, and only on a Bluetooth LE profile.
    private mutating func bluetoothQuirkSet(_ value: JSONValue?, transport: TransportKind?) -> Set<BluetoothQuirk> {
        guard let value else { return [] }
        if transport == .serial {
            issue("bluetoothQuirks", expected: "no bluetoothQuirks for transport \"serial\" (they change a Bluetooth LE connection)", found: value)
            return []
        }
        guard let items = array(value, at: "bluetoothQuirks") else { return [] }
        let names = BluetoothQuirk.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        var quirks: Set<BluetoothQuirk> = []
        for (index, item) in items.enumerated() {
            let path = "bluetoothQuirks[\(index)]"
            guard let quirk = item.stringValue.flatMap(BluetoothQuirk.init(rawValue:)) else {
                issue(path, expected: "one of \(names)", found: item)
                continue
            }
            if !quirks.insert(quirk).inserted { issue(path, expected: "each quirk listed once", found: item) }
        }
        return quirks
    }

    // MARK: Primitives

    private mutating func object(_ value: JSONValue, at path: String, allowed: [String]?) -> [(String, JSONValue)]? {
        guard let members = value.objectValue else {
            issue(path, expected: "an object", found: value)
            return nil
        }
        var seen: Set<String> = []
        for (key, _) in members {
            let fieldPath = path == "(document)" ? key : path + "." + key
            if !seen.insert(key).inserted {
                issues.append(.init(file: file, field: fieldPath, expected: "each field once", found: "a repeated field"))
            }
            if let allowed, !allowed.contains(key) {
                let list = allowed.map { "\"\($0)\"" }.joined(separator: ", ")
                issues.append(.init(file: file, field: fieldPath, expected: "a known field (one of \(list))",
                                    found: "unknown field \"\(key)\""))
            }
        }
        return members
    }

    private mutating func array(_ value: JSONValue, at path: String) -> [JSONValue]? {
        guard let items = value.arrayValue else { issue(path, expected: "an array", found: value); return nil }
        return items
    }

    private mutating func text(_ value: JSONValue?, at path: String) -> String? {
        guard let value else { missing(path, expected: "a non-empty string"); return nil }
        guard let text = value.stringValue, !text.isEmpty else { issue(path, expected: "a non-empty string", found: value); return nil }
        return text
    }

    /// Ids, device classes and quirk names: lower-case letters, digits and '-' (`[a-z0-9-]+`).
    private mutating func kebabString(_ value: JSONValue?, at path: String, required: Bool) -> String? {
        let expectation = "a string of lower-case letters, digits and '-' ([a-z0-9-]+)"
        guard let value else { if required { missing(path, expected: expectation) }; return nil }
        guard let text = value.stringValue, !text.isEmpty,
              text.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }) else {
            issue(path, expected: expectation, found: value)
            return nil
        }
        return text
    }

    private mutating func integer(_ value: JSONValue?, at path: String, expected: String, accept: (Int) -> Bool) -> Int? {
        guard let value else { missing(path, expected: expected); return nil }
        guard let number = value.intValue, accept(number) else { issue(path, expected: expected, found: value); return nil }
        return number
    }

    private mutating func missing(_ path: String, expected: String) {
        issues.append(.init(file: file, field: path, expected: expected, found: "nothing (the field is missing)"))
    }

    private mutating func issue(_ path: String, expected: String, found value: JSONValue) {
        issues.append(.init(file: file, field: path, expected: expected, found: Self.describe(value)))
    }

    /// How a found value is shown: strings quoted, numbers as written, containers by kind.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case let .string(text):
            let shown = text.count > 60 ? String(text.prefix(60)) + "…" : text
            return JSONValue.string(shown).serialized()
        case let .number(text): return text.count > 40 ? String(text.prefix(40)) + "…" : text
        case let .bool(flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array, .object: return value.kindDescription
        }
    }
}

extension SerialSettings.Parity: CaseIterable {
    public static var allCases: [SerialSettings.Parity] { [.none, .odd, .even] }
}

extension SerialSettings.FlowControl: CaseIterable {
    public static var allCases: [SerialSettings.FlowControl] { [.none, .rtscts, .xonxoff] }
}
