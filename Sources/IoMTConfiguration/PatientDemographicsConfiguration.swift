import IoMTCore
import IoMTSpirometry

/// Patients' demographics for spirometry reference values (docs/configuration.md, "Spirometry reference values"):
/// on the home hub's `patient` object, and per patient in `patients[]` (clinic mode, by PESEL). Sex and date of birth
/// come from the PESEL; declared values are checked against it. Errors name the field and never echo the PESEL.
extension DaemonConfiguration {
    static let demographicsKeys: Set<String> = ["heightCm", "sexAtBirth", "sexAtBirthConfirmed", "dateOfBirth", "referenceEquations", "ethnicity"]

    /// The home hub's `patient` object (its `pesel` already validated) and the top-level `patients[]`.
    static func parseDemographics(_ root: JSONValue, homePatient: String?, _ r: inout JSONFieldReader) -> [String: PatientDemographics] {
        var result: [String: PatientDemographics] = [:]
        if let patient = root["patient"], patient.objectValue != nil, let pesel = homePatient,
           demographicsKeys.contains(where: { patient[$0] != nil }) {
            if patient["heightCm"] == nil { r.fail("patient.heightCm", expected: "the patient's height in cm (reference values need it)", foundText: "nothing") }
            if let demographics = demographics(patient, pesel: pesel, path: "patient", &r) { result[pesel] = demographics }
        }
        for (index, item) in (r.array(root, "patients", path: "", required: false) ?? []).enumerated() {
            let path = "patients[\(index)]"
            guard item.objectValue != nil else { r.fail(path, expected: "an object", found: item); continue }
            r.checkKnownKeys(item, path: path, allowed: demographicsKeys.union(["pesel", "comment"]))
            guard let pesel = r.string(item, "pesel", path: path, required: true, expected: "an 11-digit PESEL") else { continue }
            if item["heightCm"] == nil { r.fail(path + ".heightCm", expected: "the patient's height in cm", foundText: "nothing") }
            guard let demographics = demographics(item, pesel: pesel, path: path, &r) else { continue }
            if result[pesel] != nil {
                r.fail(path + ".pesel", expected: "a patient not listed before (or as the home hub's patient)", foundText: "a repeated PESEL")
                continue
            }
            result[pesel] = demographics
        }
        return result
    }

    private static func demographics(_ object: JSONValue, pesel: String, path: String, _ r: inout JSONFieldReader) -> PatientDemographics? {
        let height = r.decimal(object, "heightCm", path: path)
        var problems = false
        var sex: SexAtBirth? = nil
        if let text = r.string(object, "sexAtBirth", path: path, required: false, expected: "male or female") {
            sex = SexAtBirth(rawValue: text)
            if sex == nil { r.fail(r.join(path, "sexAtBirth"), expected: "male or female", foundText: "\"\(text)\""); problems = true }
        }
        var confirmed = false
        if let item = object["sexAtBirthConfirmed"], !item.isNull {
            if let flag = item.boolValue { confirmed = flag } else { r.fail(r.join(path, "sexAtBirthConfirmed"), expected: "true or false", found: item); problems = true }
        }
        var birthDate: CivilTime? = nil
        if let text = r.string(object, "dateOfBirth", path: path, required: false, expected: "a date YYYY-MM-DD") {
            birthDate = CivilTime(isoDate: text)
            if birthDate == nil { r.fail(r.join(path, "dateOfBirth"), expected: "a date YYYY-MM-DD", foundText: "\"\(text)\""); problems = true }
        }
        var equations = ReferenceEquations.gliGlobal
        if let text = r.string(object, "referenceEquations", path: path, required: false) {
            if let known = ReferenceEquations(rawValue: text) { equations = known } else {
                r.fail(r.join(path, "referenceEquations"), expected: "one of " + ReferenceEquations.allCases.map(\.rawValue).joined(separator: ", "),
                       foundText: "\"\(text)\"")
                problems = true
            }
        }
        var ethnicity: GLIEthnicity? = nil
        if let text = r.string(object, "ethnicity", path: path, required: false) {
            ethnicity = GLIEthnicity(rawValue: text)
            if ethnicity == nil {
                r.fail(r.join(path, "ethnicity"), expected: "one of " + GLIEthnicity.allCases.map(\.rawValue).joined(separator: ", "), foundText: "\"\(text)\"")
                problems = true
            }
        }
        guard let height, !problems else { return nil }
        do {
            return try PatientDemographics.fromPESEL(pesel, heightCm: height.doubleValue, declaredSex: sex, sexAtBirthConfirmed: confirmed,
                                                     declaredBirthDate: birthDate, equations: equations, ethnicity: ethnicity)
        } catch {
            // The reason only: the PESEL itself never appears in a message.
            r.fail(r.join(path, error.field), expected: error.expected, foundText: error.found)
            return nil
        }
    }
}
