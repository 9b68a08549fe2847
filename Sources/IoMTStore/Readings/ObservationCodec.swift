import IoMTCore

/// Column encodings for observations: exact decimal text, sorted status names, ordered JSON for
/// components and device identity. Every encoder has its inverse here so a row reads back as the
/// observation that was written.
enum ObservationCodec {
    // MARK: Decimals
    /// `DecimalValue.description` drops a positive exponent's scale ("1000" from 1×10^3 and 1000×10^0
    /// look alike), so those keep an explicit exponent: "1e3".
    static func text(_ value: DecimalValue) -> String {
        value.exponent > 0 ? "\(value.significand)e\(value.exponent)" : value.description
    }

    static func decimal(_ text: String) -> DecimalValue? {
        if let e = text.firstIndex(of: "e") {
            guard let significand = Int64(text[..<e]), let exponent = Int(text[text.index(after: e)...]) else { return nil }
            return DecimalValue(significand: significand, exponent: exponent)
        }
        return DecimalValue(text)
    }

    // MARK: Status
    static func text(_ status: MeasurementStatus) -> String { status.sortedNames.joined(separator: ",") }

    static func status(_ text: String) -> MeasurementStatus {
        if text.isEmpty { return [] }
        return Set(text.split(separator: ",").compactMap { StatusFlag(rawValue: String($0)) })
    }

    // MARK: Measurement types
    /// Known types are stored by reference id alone; others carry their full coding (nil when known).
    static func typeJSON(_ type: MeasurementType) -> String? {
        if MeasurementType.byRefId(type.mdcRefId) == type { return nil }
        return typeValue(type).serialized()
    }

    private static func typeValue(_ type: MeasurementType) -> JSONValue {
        .object([("mdcRefId", .string(type.mdcRefId)), ("mdcCode", .number(String(type.mdcCode))),
                 ("loinc", type.loinc.map(JSONValue.string) ?? .null), ("display", .string(type.display)),
                 ("defaultUnit", .string(type.defaultUnit))])
    }

    static func type(refId: String, code: UInt32, json: String?) -> MeasurementType {
        if let json, let value = try? JSONValue.parse(json), let type = type(from: value) { return type }
        if let known = MeasurementType.byRefId(refId), known.mdcCode == code { return known }
        return MeasurementType(mdcRefId: refId, mdcCode: code, loinc: nil, display: refId, defaultUnit: "")
    }

    private static func type(from value: JSONValue) -> MeasurementType? {
        guard let refId = value["mdcRefId"]?.stringValue, let code = value["mdcCode"]?.numberText.flatMap({ UInt32($0) }),
              let display = value["display"]?.stringValue, let unit = value["defaultUnit"]?.stringValue else { return nil }
        return MeasurementType(mdcRefId: refId, mdcCode: code, loinc: value["loinc"]?.stringValue, display: display, defaultUnit: unit)
    }

    // MARK: Components
    static func componentsJSON(_ components: [ObservationComponent]) -> String? {
        if components.isEmpty { return nil }
        let items: [JSONValue] = components.map { component in
            var members: [(String, JSONValue)] = [("type", .string(component.type.mdcRefId)),
                                                  ("code", .number(String(component.type.mdcCode)))]
            if typeJSON(component.type) != nil { members.append(("typeCoding", typeValue(component.type))) }
            members.append(("value", component.value.map { .string(text($0)) } ?? .null))
            members.append(("unit", .string(component.unit)))
            members.append(("status", .array(component.status.sortedNames.map(JSONValue.string))))
            return .object(members)
        }
        return JSONValue.array(items).serialized()
    }

    static func components(_ json: String?) throws(StoreError) -> [ObservationComponent] {
        guard let json else { return [] }
        guard let items = (try? JSONValue.parse(json))?.arrayValue else {
            throw .corrupt("readings.components_json is not a JSON array: \(json.prefix(80)); run `iomtctl store check`")
        }
        return items.map { item in
            let refId = item["type"]?.stringValue ?? ""
            let code = item["code"]?.numberText.flatMap { UInt32($0) } ?? 0
            let coding = item["typeCoding"].flatMap { type(from: $0) }
            let statusNames = item["status"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return ObservationComponent(type: coding ?? type(refId: refId, code: code, json: nil),
                                        value: item["value"]?.stringValue.flatMap(decimal),
                                        unit: item["unit"]?.stringValue ?? "",
                                        status: Set(statusNames.compactMap { StatusFlag(rawValue: $0) }))
        }
    }

    // MARK: Device identity
    static func identityJSON(_ identity: DeviceIdentity) -> String {
        var members: [(String, JSONValue)] = [("profileId", .string(identity.profileId)),
                                              ("manufacturer", .string(identity.manufacturer)),
                                              ("model", .string(identity.model))]
        let optionals: [(String, String?)] = [("serialNumber", identity.serialNumber), ("bluetoothAddress", identity.bluetoothAddress),
                                              ("systemId", identity.systemId), ("firmwareVersion", identity.firmwareVersion),
                                              ("portPath", identity.portPath), ("subDevice", identity.subDevice)]
        for (name, value) in optionals { if let value { members.append((name, .string(value))) } }
        return JSONValue.object(members).serialized()
    }

    static func identity(_ json: String) throws(StoreError) -> DeviceIdentity {
        guard let value = try? JSONValue.parse(json), let profileId = value["profileId"]?.stringValue,
              let manufacturer = value["manufacturer"]?.stringValue, let model = value["model"]?.stringValue else {
            throw .corrupt("devices.identity_json lacks profileId/manufacturer/model: \(json.prefix(80)); run `iomtctl store check`")
        }
        return DeviceIdentity(profileId: profileId, manufacturer: manufacturer, model: model,
                              serialNumber: value["serialNumber"]?.stringValue,
                              bluetoothAddress: value["bluetoothAddress"]?.stringValue,
                              systemId: value["systemId"]?.stringValue,
                              firmwareVersion: value["firmwareVersion"]?.stringValue,
                              portPath: value["portPath"]?.stringValue,
                              subDevice: value["subDevice"]?.stringValue)
    }

    // MARK: Device time
    static func text(_ time: CivilTime) -> String { time.iso8601(withOffset: true, fractionDigits: 3) }
    static func civilTime(_ text: String) -> CivilTime? { CivilTime(iso8601: text) }

    // MARK: Alert priority
    static func rank(_ priority: AlertPriority?) -> Int { priority?.rank ?? 3 }
    static func priority(rank: Int64?) -> AlertPriority? {
        switch rank { case 0: .high; case 1: .medium; case 2: .low; default: nil }
    }
}
