import IoMTCore
import Synchronization

/// Demographics given with one clinic binding (`iomtctl bind DEVICE --patient PESEL --height CM`): the readings that
/// binding attributed (`Observation.bindingId`, recorded by the store where it decides the patient) are assessed with them.
public struct BoundDemographics: Sendable, Hashable {
    public let bindingId: Int64
    public let demographics: PatientDemographics

    public init(bindingId: Int64, demographics: PatientDemographics) {
        self.bindingId = bindingId; self.demographics = demographics
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
    /// Binding id → the demographics given with it (only bindings that carry some).
    private let bound: Mutex<[Int64: PatientDemographics]>

    public init(configured: [String: PatientDemographics] = [:], bound: [BoundDemographics] = []) {
        self.configured = configured
        self.bound = Mutex(Self.byBinding(bound))
    }

    /// Replaces what the bindings give (every binding with demographics, as the store now holds them).
    public func replaceBindings(_ bindings: [BoundDemographics]) {
        let byBinding = Self.byBinding(bindings)
        bound.withLock { $0 = byBinding }
    }

    /// The demographics `observation` is assessed with; nil when its patient has none (or it has no patient).
    public func demographics(for observation: Observation) -> PatientDemographics? {
        guard let patient = observation.patientId else { return nil }
        let fromBinding = observation.bindingId.flatMap { id in bound.withLock { $0[id] } }
        return fromBinding ?? configured[patient]
    }

    private static func byBinding(_ bindings: [BoundDemographics]) -> [Int64: PatientDemographics] {
        Dictionary(bindings.map { ($0.bindingId, $0.demographics) }, uniquingKeysWith: { _, last in last })
    }

    // One resolver is one deployment's view: identity, not contents (its bindings change while it is in use).
    public static func == (lhs: PatientDemographicsResolver, rhs: PatientDemographicsResolver) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
