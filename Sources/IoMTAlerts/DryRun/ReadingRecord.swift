import IoMTCore

/// One line of `iomtctl readings export` (NDJSON): the observation contract of `iomtctl decode` plus the
/// row id, the gateway's times and the device identity. No patient identifier: exports are for checking
/// rules and devices, and `iomtctl rules test --patient REF` says whose rules to apply.
public enum ReadingRecord {
    public static func json(id: Int64, observation o: Observation) -> JSONValue {
        let decoded = DecodedMeasurement(type: o.type, value: o.value, unit: o.unit, components: o.components, status: o.status,
                                         deviceTime: o.deviceTime, rawFrame: [], series: o.series)
        var members = decoded.contractJSON.objectValue ?? []
        members.insert(("id", .number(id)), at: 0)
        members += [
            ("receivedAt", .string(o.receivedAt.iso8601)),
            ("correctedTime", .string(o.correctedTime.iso8601)),
            ("device", .object([
                ("profileId", .string(o.device.profileId)), ("manufacturer", .string(o.device.manufacturer)),
                ("model", .string(o.device.model)), ("serialNumber", o.device.serialNumber.map { .string($0) } ?? .null),
                ("portPath", o.device.portPath.map { .string($0) } ?? .null), ("key", .string(o.device.key)),
            ])),
        ]
        return .object(members)
    }

    public struct Failure: Error, CustomStringConvertible {
        public let line: Int
        public let field: String
        public let expected: String
        public var description: String { "line \(line): \(field): expected \(expected)" }
    }

    /// Reads an export line back. `patientId` is what the dry run binds the reading to (a placeholder that
    /// maps to the patient reference under test).
    public static func observation(from value: JSONValue, line: Int, patientId: String?) throws(Failure) -> (Int64?, Observation) {
        func fail(_ field: String, _ expected: String) -> Failure { Failure(line: line, field: field, expected: expected) }
        guard let code = value["code"]?.stringValue, let type = knownType(code) else { throw fail("code", "a known MDC reference id") }
        let measured = try decimal(value["value"], field: "value", fail: fail)
        let unit = value["unit"]?.stringValue ?? type.defaultUnit
        let status = try flags(value["status"], field: "status", fail: fail)
        var components: [ObservationComponent] = []
        for (index, item) in (value["components"]?.arrayValue ?? []).enumerated() {
            guard let code = item["code"]?.stringValue, let componentType = knownType(code) else {
                throw fail("components[\(index)].code", "a known MDC reference id")
            }
            components.append(ObservationComponent(type: componentType, value: try decimal(item["value"], field: "components[\(index)].value", fail: fail),
                                                   unit: item["unit"]?.stringValue ?? componentType.defaultUnit,
                                                   status: try flags(item["status"], field: "components[\(index)].status", fail: fail)))
        }
        guard let received = value["receivedAt"]?.stringValue.flatMap(Instant.init(iso8601:)) else {
            throw fail("receivedAt", "an ISO 8601 instant such as 2026-11-23T10:00:00.000Z")
        }
        let corrected = value["correctedTime"]?.stringValue.flatMap(Instant.init(iso8601:)) ?? received
        let device = value["device"]
        guard let profileId = device?["profileId"]?.stringValue else { throw fail("device.profileId", "the device's profile id") }
        let identity = DeviceIdentity(profileId: profileId, manufacturer: device?["manufacturer"]?.stringValue ?? "",
                                      model: device?["model"]?.stringValue ?? "", serialNumber: device?["serialNumber"]?.stringValue,
                                      portPath: device?["portPath"]?.stringValue)
        var series: [SampleSeries] = []
        for (index, item) in (value["series"]?.arrayValue ?? []).enumerated() {
            guard let code = item["code"]?.stringValue, let seriesType = MeasurementType.byRefId(code) else {
                throw fail("series[\(index)].code", "a known MDC reference id")
            }
            guard let period = item["periodMs"]?.numberText.flatMap({ Int64($0) }), period > 0, let samples = item["samples"]?.arrayValue else {
                throw fail("series[\(index)]", "periodMs (a positive integer) and samples (integers or null)")
            }
            series.append(SampleSeries(type: seriesType, unit: item["unit"]?.stringValue, periodMilliseconds: period, lowerLimit: nil, upperLimit: nil,
                                       samples: samples.map { $0.numberText.flatMap { Int($0) } }))
        }
        let observation = Observation(type: type, value: measured, unit: unit, components: components, status: status,
                                      receivedAt: received, correctedTime: corrected, device: identity, patientId: patientId, rawFrame: [],
                                      series: series)
        return (value["id"]?.numberText.flatMap { Int64($0) }, observation)
    }

    /// A catalogue type, or one of the overnight oximetry session's local codes (what `readings export` writes for it).
    private static func knownType(_ code: String) -> MeasurementType? {
        if let known = MeasurementType.byRefId(code) { return known }
        if code == OvernightOximetry.session.mdcRefId { return OvernightOximetry.session }
        return OvernightOximetry.Figure.allCases.map(\.type).first { $0.mdcRefId == code }
    }

    private static func decimal(_ value: JSONValue?, field: String, fail: (String, String) -> Failure) throws(Failure) -> DecimalValue? {
        guard let value, !value.isNull else { return nil }
        guard let text = value.stringValue ?? value.numberText, let decimal = DecimalValue(text) else { throw fail(field, "a decimal as a string, e.g. \"97\"") }
        return decimal
    }

    private static func flags(_ value: JSONValue?, field: String, fail: (String, String) -> Failure) throws(Failure) -> MeasurementStatus {
        var result = MeasurementStatus()
        for item in value?.arrayValue ?? [] {
            guard let name = item.stringValue, let flag = StatusFlag(rawValue: name) else {
                throw fail(field, "status names (" + StatusFlag.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            result.insert(flag)
        }
        return result
    }
}
