import IoMTCore
import IoMTSpirometry

/// `iomtctl rules test`: runs readings through a rule set with the daemon's engine and reports which alerts
/// would fire, when and from which rule. Time is ticked once a second from the first reading to the last
/// (plus `extendMilliseconds`), so persistence, missed-measurement and escalation behave as in the daemon.
public struct RuleDryRun {
    public struct Result {
        public var readings: Int
        public var alerts: [(line: Int?, event: AlertEvent)]
        public var suppressedByRateLimit: Int
    }

    /// The placeholder patient id readings are bound to, mapped to the reference under test.
    static let patientPlaceholder = "dry-run-patient"

    public let ruleSet: RuleSet
    public let deviceClasses: [String: String]
    public let patientReference: String?
    /// The patient's demographics (from the daemon's configuration), so z-score rules judge as the daemon does.
    public let demographics: PatientDemographics?
    public let extendMilliseconds: Int64

    public init(ruleSet: RuleSet, deviceClasses: [String: String], patientReference: String?, demographics: PatientDemographics? = nil,
                extendMilliseconds: Int64 = 0) {
        self.ruleSet = ruleSet; self.deviceClasses = deviceClasses; self.patientReference = patientReference
        self.demographics = demographics; self.extendMilliseconds = extendMilliseconds
    }

    /// `text`: NDJSON as `iomtctl readings export` writes it, or lines of `iomtctl decode` output
    /// (`{"observations":[…]}`) which then need `"receivedAt"` and `"device"` on the line (or `decodedDevice`).
    public func run(ndjson text: String, decodedDevice: DeviceIdentity? = nil) throws(ReadingRecord.Failure) -> Result {
        var readings: [(line: Int, id: Int64?, observation: Observation)] = []
        let patientId = patientReference != nil || demographics != nil ? Self.patientPlaceholder : nil
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            guard rawLine.contains(where: { !$0.isWhitespace }) else { continue }
            let value: JSONValue
            do { value = try JSONValue.parse(String(rawLine)) } catch {
                throw ReadingRecord.Failure(line: line, field: "(syntax)", expected: "one JSON object per line (\(error))")
            }
            if let decoded = value["observations"]?.arrayValue {
                for item in decoded {
                    var merged = item.objectValue ?? []
                    for key in ["receivedAt", "correctedTime", "device"] where item[key] == nil {
                        if let shared = value[key] { merged.append((key, shared)) }
                    }
                    if value["device"] == nil, let decodedDevice {
                        merged.append(("device", .object([("profileId", .string(decodedDevice.profileId)),
                                                          ("serialNumber", decodedDevice.serialNumber.map { .string($0) } ?? .null)])))
                    }
                    let (id, observation) = try ReadingRecord.observation(from: .object(merged), line: line, patientId: patientId)
                    readings.append((line, id, observation))
                }
            } else {
                let (id, observation) = try ReadingRecord.observation(from: value, line: line, patientId: patientId)
                readings.append((line, id, observation))
            }
        }
        var context = AlertContext(deviceClasses: deviceClasses, patientDemographics: demographics.map { [Self.patientPlaceholder: $0] } ?? [:])
        if let patientReference { context.patientReferences[Self.patientPlaceholder] = patientReference }
        var engine = AlertEngine(ruleSet: ruleSet, context: context)
        var alerts: [(line: Int?, event: AlertEvent)] = []
        var clock: Instant? = nil
        func tick(until end: Instant, engine: inout AlertEngine) {
            guard var next = clock.map({ $0.adding(milliseconds: 1000) }) else { return }
            while next <= end {
                alerts += engine.process(.tick(next)).map { (nil, $0) }
                clock = next
                next = next.adding(milliseconds: 1000)
            }
        }
        for reading in readings {
            tick(until: reading.observation.receivedAt, engine: &engine)
            // An overnight oximetry session is evaluated sample by sample, as the daemon does.
            for sample in reading.observation.evaluatedReadings {
                alerts += engine.process(.observation(sample, id: reading.id)).map { (reading.line, $0) }
            }
            if clock.map({ $0 < reading.observation.receivedAt }) ?? true { clock = reading.observation.receivedAt }
        }
        if let last = clock { tick(until: last.adding(milliseconds: extendMilliseconds), engine: &engine) }
        return Result(readings: readings.count, alerts: alerts, suppressedByRateLimit: engine.suppressedCount)
    }
}
