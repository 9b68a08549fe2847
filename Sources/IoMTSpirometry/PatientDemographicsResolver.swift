import IoMTCore
import Synchronization

/// Demographics given with one clinic binding (`iomtctl bind DEVICE --patient PESEL --height CM`): the readings of
/// `deviceKey` measured in [start, end) and attributed to `patientId` are assessed with them.
public struct BoundDemographics: Sendable, Hashable {
    public let deviceKey: String
    public let patientId: String
    public let start: Instant
    /// nil while the binding is open.
    public let end: Instant?
    public let demographics: PatientDemographics

    public init(deviceKey: String, patientId: String, start: Instant, end: Instant?, demographics: PatientDemographics) {
        self.deviceKey = deviceKey; self.patientId = patientId; self.start = start; self.end = end; self.demographics = demographics
    }

    /// Whether this binding is the one that attributed `observation` to its patient: the store's rule (start inclusive,
    /// end exclusive, never by an untrusted time; Sources/IoMTStore/GroupCommit.swift, `insertReading`) and the same patient.
    func attributed(_ observation: Observation) -> Bool {
        observation.device.key == deviceKey && observation.patientId == patientId
            && observation.status.isDisjoint(with: StatusFlag.timeNotAttributable)
            && observation.correctedTime >= start && end.map { observation.correctedTime < $0 } != false
    }
}

/// Whose demographics a reading's spirometry reference values are computed with — the one rule the FHIR bundle builder
/// (referenceRange, z-score and % predicted components, the session panel) and the alert engine (z-score and baseline
/// rules) share (docs/spirometry.md, "Demographics: which apply"):
/// 1. the demographics given with the clinic binding that attributed the reading to its patient;
/// 2. else the patient's entry in the configuration (`patient` on a home hub, `patients[]` by PESEL);
/// 3. else none: the reading goes without reference values and says why.
///
/// The daemon keeps one resolver, told every binding by the store after each change (`Store.observeBindings`), so the
/// readings a new binding attributes are never read before its demographics are known here.
public final class PatientDemographicsResolver: Sendable, Hashable {
    /// PESEL → demographics from the configuration.
    public let configured: [String: PatientDemographics]
    /// Device key → the bindings that carry demographics.
    private let bound: Mutex<[String: [BoundDemographics]]>

    public init(configured: [String: PatientDemographics] = [:], bound: [BoundDemographics] = []) {
        self.configured = configured
        self.bound = Mutex(Self.byDevice(bound))
    }

    /// Replaces what the bindings give (every binding with demographics, as the store now holds them).
    public func replaceBindings(_ bindings: [BoundDemographics]) {
        let byDevice = Self.byDevice(bindings)
        bound.withLock { $0 = byDevice }
    }

    /// The demographics `observation` is assessed with; nil when its patient has none (or it has no patient).
    public func demographics(for observation: Observation) -> PatientDemographics? {
        guard let patient = observation.patientId else { return nil }
        let fromBinding = bound.withLock { $0[observation.device.key]?.first { $0.attributed(observation) } }
        return fromBinding?.demographics ?? configured[patient]
    }

    private static func byDevice(_ bindings: [BoundDemographics]) -> [String: [BoundDemographics]] {
        Dictionary(grouping: bindings, by: \.deviceKey)
    }

    // One resolver is one deployment's view: identity, not contents (its bindings change while it is in use).
    public static func == (lhs: PatientDemographicsResolver, rhs: PatientDemographicsResolver) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
