import IoMTCore
import IoMTSpirometry

/// Everything the alert engine reacts to, in order. Time enters only through inputs (reading times and
/// ticks from the injected clock), so replaying the same inputs gives the same alerts.
public enum AlertInput: Sendable, Hashable {
    /// A stored reading (with its store row id, when it has one).
    case observation(Observation, id: Int64?)
    /// A gateway fact about a device or the gateway itself (device-unreachable, storage-nearly-full,
    /// dom-unreachable, battery-low, …) turning on or off. `deviceKey` "gateway" for the gateway's own.
    case condition(name: String, active: Bool, deviceKey: String, deviceClass: String?, patientId: String?, at: Instant)
    /// A clinician acknowledged the episode: no more repetition or escalation.
    case acknowledge(episode: String, at: Instant)
    /// Repetition and escalation paused for the episode until `until`.
    case silence(episode: String, until: Instant, at: Instant)
    /// Time passes: persistence, missed-measurement and escalation timers are checked.
    case tick(Instant)
}

/// What the engine knows about the deployment that readings do not carry.
public struct AlertContext: Sendable, Hashable {
    /// Profile id → device class (the profile's `deviceClass`).
    public var deviceClasses: [String: String]
    /// Patient id (PESEL) → the patient reference rules are keyed by. The PESEL never leaves this map.
    public var patientReferences: [String: String]
    /// Whose sex at birth, birth date, height and equations z-score rules use: the same resolver as the FHIR bundles'
    /// (the binding's demographics, else the configuration's; docs/spirometry.md).
    public var demographics: PatientDemographicsResolver

    public init(deviceClasses: [String: String] = [:], patientReferences: [String: String] = [:], demographics: PatientDemographicsResolver) {
        self.deviceClasses = deviceClasses; self.patientReferences = patientReferences; self.demographics = demographics
    }

    /// `patientDemographics`: patient id (PESEL) → demographics, as the configuration gives them (no bindings).
    public init(deviceClasses: [String: String] = [:], patientReferences: [String: String] = [:],
                patientDemographics: [String: PatientDemographics] = [:]) {
        self.init(deviceClasses: deviceClasses, patientReferences: patientReferences,
                  demographics: PatientDemographicsResolver(configured: patientDemographics))
    }
}

/// One input that contributed to an alert, recorded with it for traceability.
public struct AlertEvidence: Sendable, Hashable, Codable {
    public var observationId: Int64?
    public var at: Instant
    public var measurement: String
    public var value: DecimalValue?
    public var note: String

    public init(observationId: Int64?, at: Instant, measurement: String, value: DecimalValue?, note: String = "") {
        self.observationId = observationId; self.at = at; self.measurement = measurement; self.value = value; self.note = note
    }

    public var json: JSONValue {
        .object([("observationId", observationId.map { .number($0) } ?? .null), ("at", .string(at.iso8601)),
                 ("measurement", .string(measurement)), ("value", value.map { .string($0.description) } ?? .null),
                 ("note", .string(note))])
    }

    public static func json(_ list: [AlertEvidence]) -> String { JSONValue.array(list.map(\.json)).serialized() }
}
