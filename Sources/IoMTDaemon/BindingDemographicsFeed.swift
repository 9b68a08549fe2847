import IoMTCore
import IoMTSpirometry
import IoMTStore

extension PatientDemographicsResolver {
    /// Takes the demographics given with the store's bindings (`Store.observeBindings` calls this after every change).
    /// The reference equations stay the patient's configured ones (`referenceEquations`, `ethnicity` in patients[]) when
    /// the configuration names the patient, else GLI Global: the bedside gives the body, not the choice of equations.
    func replaceBindings(from bindings: [PatientBinding]) {
        replaceBindings(bindings.compactMap { binding in
            guard let given = binding.demographics, let sex = SexAtBirth(rawValue: given.sexAtBirth) else { return nil }
            let configured = configured[binding.patientId]
            let demographics = PatientDemographics(sex: sex, birthDate: given.birthDate, heightCm: given.heightCm,
                                                   equations: configured?.equations ?? .gliGlobal, ethnicity: configured?.ethnicity)
            return BoundDemographics(bindingId: binding.id, demographics: demographics)
        })
    }
}

extension PatientDemographicsResolver {
    /// The daemon's one resolver (for its bundles, DOM's and the broker's, and its alert engine): the configuration's
    /// patients, and the demographics of every binding `store` holds, kept current by the store after each change.
    public static func following(_ store: Store, configured: [String: PatientDemographics]) async -> PatientDemographicsResolver {
        let resolver = PatientDemographicsResolver(configured: configured)
        await store.observeBindings { [resolver] bindings in resolver.replaceBindings(from: bindings) }
        return resolver
    }
}
