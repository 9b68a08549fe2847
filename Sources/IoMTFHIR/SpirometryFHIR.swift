import IoMTCore
import IoMTSpirometry

/// What a spirometry reading carries to DOM besides its value (docs/fhir-mapping.md, "Spirometry"): the reference
/// range (LLN–ULN of the patient's GLI equations, with the equations, the patient's age and sex in its text), the
/// z-score, % predicted and predicted value as components, an interpretation against the LLN, and per session a panel
/// Observation whose `hasMember` lists the session's readings, interpreted per ATS/ERS 2022.
enum SpirometryFHIR {
    /// iomtd's own codes where neither MDC nor LOINC has one (LOINC has no spirometry z-score code; the PFT IG of
    /// Automate-Medical lists them as missing).
    static let codeSystem = "urn:iomtd:spirometry"
    static let referenceRangeMeaning = "http://terminology.hl7.org/CodeSystem/referencerange-meaning"
    /// LOINC "FEV1 measured/predicted".
    static let fev1PercentPredictedLOINC = "20152-5"

    /// The measurement types a spirometry session groups (IEEE 11073-10101 / -10421 spirometry terms).
    static let sessionTypes: Set<String> = Set([MeasurementType.fev1, .fvc, .pef, .fev1FvcRatio, .fef2575, .fev05, .fev3, .fev6,
                                                .fef25, .fef50, .fef75, .timeToPeakFlow, .extrapolatedVolume].map(\.mdcRefId))

    /// The elements one reading's Observation gains.
    struct MemberContent {
        var referenceRange: JSONValue?
        var components: [JSONValue] = []
        var note: String?
        var assessment: ParameterAssessment?
    }

    static func member(_ observation: Observation, demographics: PatientDemographics?) -> MemberContent? {
        guard SpirometryAssessment.parameter(of: observation.type) != nil, observation.components.isEmpty,
              DataAbsence.reason(value: observation.value, status: observation.status) == nil else { return nil }
        switch SpirometryAssessment.assess(type: observation.type, value: observation.value, unit: observation.unit,
                                           demographics: demographics, at: observation.correctedTime) {
        case let .failure(reason):
            if case .notReferenced = reason { return nil }
            return MemberContent(note: "No reference values: \(reason)")
        case let .success(assessment):
            guard let demographics else { return nil }
            return content(assessment, observation: observation, demographics: demographics)
        }
    }

    private static func content(_ assessment: ParameterAssessment, observation: Observation, demographics: PatientDemographics) -> MemberContent {
        let parameter = assessment.parameter.rawValue
        let unit = observation.unit
        let digits = (observation.value?.fractionDigits ?? 2) + 1
        func quantity(_ equationValue: Double?) -> JSONValue? {
            guard let equationValue, let value = SpirometryAssessment.readingValue(equationValue, unit: unit, parameter: assessment.parameter) else { return nil }
            return PHDObservationResource.quantity(decimal(value, digits: digits), unit: unit)
        }
        let reference = assessment.reference
        let age = decimal(assessment.ageYears, digits: 1)
        let who = "\(demographics.sex.rawValue), \(ReferenceValueError.format(demographics.heightCm)) cm, \(age) years"
            + (demographics.ethnicity.map { ", \($0.rawValue)" } ?? "")
        let predicted = SpirometryAssessment.readingValue(reference.predicted, unit: unit, parameter: assessment.parameter).map { decimal($0, digits: digits) }
        let range = JSONBuild.object([
            ("low", quantity(reference.lowerLimitOfNormal)),
            ("high", quantity(reference.upperLimitOfNormal)),
            ("type", JSONBuild.concept([JSONBuild.coding(referenceRangeMeaning, "normal", "Normal Range")])),
            ("appliesTo", .array([JSONBuild.concept([], text: "\(assessment.equations.title); \(who)")])),
            ("age", .object([("low", ageQuantity(age)), ("high", ageQuantity(age))])),
            ("text", .string("\(parameter) LLN–ULN (5th–95th centile), \(assessment.equations.title), for \(who); predicted \(predicted.map { "\($0) \(unit)" } ?? "-")")),
        ])
        let z = decimal(assessment.zScore, digits: 2)
        var percentCodings = [JSONBuild.coding(codeSystem, "percent-predicted", "\(parameter) % predicted")]
        if assessment.parameter == .fev1 { percentCodings.append(JSONBuild.coding(FHIRSystem.loinc, fev1PercentPredictedLOINC, "FEV1 measured/predicted")) }
        var components: [JSONValue] = [
            JSONBuild.object([("code", JSONBuild.concept([JSONBuild.coding(codeSystem, "z-score", "\(parameter) z-score")],
                                                         text: "\(parameter) z-score (\(assessment.equations.title))")),
                              ("valueQuantity", .object([("value", .number(z)), ("unit", .string("z-score")),
                                                         ("system", .string(FHIRSystem.ucum)), ("code", .string("1"))]))]),
            JSONBuild.object([("code", JSONBuild.concept(percentCodings, text: "\(parameter) % predicted (\(assessment.equations.title))")),
                              ("valueQuantity", PHDObservationResource.quantity(decimal(assessment.percentPredicted, digits: 1), unit: "%"))]),
        ]
        if let predictedQuantity = quantity(reference.predicted) {
            components.append(JSONBuild.object([("code", JSONBuild.concept([JSONBuild.coding(codeSystem, "predicted", "\(parameter) predicted")],
                                                                           text: "\(parameter) predicted (\(assessment.equations.title))")),
                                                ("valueQuantity", predictedQuantity)]))
        }
        return MemberContent(referenceRange: .array([range]), components: components, assessment: assessment)
    }

    private static func ageQuantity(_ age: DecimalValue) -> JSONValue {
        .object([("value", .number(age)), ("unit", .string("a")), ("system", .string(FHIRSystem.ucum)), ("code", .string("a"))])
    }

    /// A double as an exact decimal with `digits` fraction digits (for display values computed from the equations).
    static func decimal(_ value: Double, digits: Int) -> DecimalValue {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (value * scale).rounded()
        guard scaled.isFinite, abs(scaled) < 9e15 else { return DecimalValue(0) }
        return DecimalValue(significand: Int64(scaled), exponent: -digits)
    }

    // MARK: - Sessions

    /// One spirometry session in a batch: readings of one device and patient at one corrected time.
    struct Session {
        var members: [BundleInput]
    }

    /// Sessions of two or more spirometry readings, in first-seen order (deterministic bundle layout).
    static func sessions(_ entries: [BundleInput]) -> [Session] {
        var order: [String] = []
        var groups: [String: [BundleInput]] = [:]
        for input in entries where input.summary == nil && sessionTypes.contains(input.observation.type.mdcRefId) {
            let observation = input.observation
            let key = "\(observation.device.key)|\(observation.patientId ?? "")|\(observation.correctedTime.millisecondsSinceEpoch)|\(observation.isTestData)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(input)
        }
        return order.compactMap { groups[$0]!.count >= 2 ? Session(members: groups[$0]!) : nil }
    }

    /// The session's conditional-create identifier: like a PHD identifier, with the members' MDC codes in place of a
    /// value, so a session split over two batches gives two panels, each exact about its members.
    static func identifier(_ session: Session) -> String {
        let first = session.members[0].observation
        let codes = session.members.map { String($0.observation.type.mdcCode) }.sorted().joined(separator: ".")
        return [PHDObservationIdentifier.devicePart(first.device), PHDObservationIdentifier.patientPart(first.patientId),
                "spirometry-session", codes, PHDObservationIdentifier.timestampPart(first)].joined(separator: "-")
    }

    static func panel(_ session: Session, memberURLs: [String], identifierSystem: String, identifier: String, deviceReference: String,
                      gatewayReference: String, assessments: [Int64: ParameterAssessment]) -> JSONValue {
        let first = session.members[0].observation
        // The members' assessments as their own Observations already carry them (computed once per reading).
        var z: [SpirometryParameter: Double] = [:]
        for input in session.members {
            if let assessment = assessments[input.storeId] { z[assessment.parameter] = assessment.zScore }
        }
        let interpretation = SpirometryInterpretation.interpret(ratioZ: z[.fev1FVC], fev1Z: z[.fev1], fvcZ: z[.fvc])
        let inputs = [(SpirometryParameter.fev1FVC, "FEV1/FVC"), (.fev1, "FEV1"), (.fvc, "FVC")]
            .compactMap { parameter, name in z[parameter].map { "\(name) z \(decimal($0, digits: 2))" } }.joined(separator: ", ")
        var interpretationJSON: JSONValue? = nil
        var note: String? = nil
        if let interpretation {
            let severity = interpretation.severity.map { "-" + $0.rawValue } ?? ""
            interpretationJSON = .array([JSONBuild.concept([
                JSONBuild.coding(codeSystem, interpretation.pattern.rawValue + severity, interpretation.text),
                JSONBuild.coding(FHIRSystem.interpretation, interpretation.pattern == .normal ? "N" : "A", interpretation.pattern == .normal ? "Normal" : "Abnormal"),
            ], text: "\(interpretation.text) (ATS/ERS 2022 interpretive strategy; \(inputs))")])
        } else {
            note = "Not interpreted: the session's reference z-scores (FEV1/FVC, FEV1, FVC) do not decide it"
                + (inputs.isEmpty ? " (no reference values)" : " (\(inputs))")
        }
        let test = session.members.contains { $0.observation.isTestData }
        return JSONBuild.object([
            ("resourceType", .string("Observation")),
            ("meta", test ? .object([("security", .array([JSONBuild.coding(FHIRSystem.actReason, "HTEST", "test health data")]))]) : nil),
            ("extension", .array([.object([
                ("url", .string(FHIRSystem.gatewayDeviceExtension)),
                ("valueReference", .object([("reference", .string(gatewayReference))])),
            ])])),
            ("identifier", .array([.object([("system", .string(identifierSystem)), ("value", .string(identifier))])])),
            ("status", .string("final")),
            ("code", JSONBuild.concept([JSONBuild.coding(codeSystem, "session", "Spirometry session")],
                                       text: "Spirometry session (forced expiratory manoeuvre)")),
            ("subject", first.patientId.map { patientId in
                .object([("identifier", .object([("system", .string(FHIRSystem.polishPatient)), ("value", .string(patientId))]))])
            }),
            ("effectiveDateTime", .string(first.correctedTime.iso8601)),
            ("interpretation", interpretationJSON),
            ("note", note.map { .array([.object([("text", .string($0))])]) }),
            ("device", .object([("reference", .string(deviceReference))])),
            ("hasMember", .array(memberURLs.map { .object([("reference", .string($0))]) })),
        ])
    }
}
