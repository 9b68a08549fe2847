import IoMTCore

/// One stored observation as a PhdNumericObservation / PhdCompoundNumericObservation.
enum PHDObservationResource {
    /// Types FHIR's vital-signs category applies to (FHIR R4 §observation-vitalsigns).
    static let vitalSignRefIds: Set<String> = [
        MeasurementType.spo2.mdcRefId, MeasurementType.pulseRateOximetry.mdcRefId,
        MeasurementType.bloodPressure.mdcRefId, MeasurementType.pulseRateBloodPressure.mdcRefId,
        MeasurementType.heartRate.mdcRefId, MeasurementType.bodyTemperature.mdcRefId, MeasurementType.bodyWeight.mdcRefId,
    ]

    /// PhdBaseObservation: every interpretation carries exactly one measurement-status coding; a threshold the reading
    /// crossed is "in-alarm" (PHD IG "Measurement Status" table), the alert's v3 code follows it.
    static func alarmInterpretation(_ code: String) -> JSONValue {
        JSONBuild.concept([JSONBuild.coding(FHIRSystem.measurementStatus, "in-alarm", "In alarm"), JSONBuild.coding(FHIRSystem.interpretation, code)])
    }

    /// `spirometry`: a spirometry reading's reference range, z-score and % predicted (SpirometryFHIR).
    static func make(_ input: BundleInput, identifierSystem: String, deviceReference: String, gatewayReference: String,
                     spirometry: SpirometryFHIR.MemberContent? = nil) -> JSONValue {
        let observation = input.observation
        let compound = !observation.components.isEmpty

        var categories: [JSONValue] = []
        if vitalSignRefIds.contains(observation.type.mdcRefId) {
            categories.append(JSONBuild.concept([JSONBuild.coding(FHIRSystem.observationCategory, "vital-signs", "Vital Signs")]))
        }
        categories.append(JSONBuild.concept([JSONBuild.coding(FHIRSystem.phdObservationCategory, "phd-observation", "PHD generated Observation")]))

        var security: JSONValue? = nil
        if observation.status.contains(.testData) || observation.status.contains(.demonstrationData) {
            security = .array([JSONBuild.coding(FHIRSystem.actReason, "HTEST", "test health data")])
        }

        var interpretations: [JSONValue] = []
        if let code = input.interpretation { interpretations.append(alarmInterpretation(code)) }
        // PHD IG "Measurement Status": these flags keep the value and are reported as interpretations.
        for (flag, code, display) in [(StatusFlag.questionable, "questionable", "Questionable"),
                                      (.calibrationOngoing, "calibration-ongoing", "Calibration ongoing"),
                                      (.earlyIndication, "early-indication", "Early indication")]
        where observation.status.contains(flag) {
            interpretations.append(JSONBuild.concept([JSONBuild.coding(FHIRSystem.measurementStatus, code, display)]))
        }

        var valueQuantity: JSONValue? = nil
        var valueDateTime: JSONValue? = nil
        var absent: JSONValue? = nil
        if let deviceTime = CoincidentTimeStamp.deviceTime(of: observation) {
            // PhdCoincidentTimeStampObservation: the device clock as read; effectiveDateTime is the gateway's time then.
            valueDateTime = .string(deviceTime.iso8601)
        } else if !compound {
            if let reason = DataAbsence.reason(value: observation.value, status: observation.status) {
                absent = dataAbsent(reason)
            } else if let value = observation.value {
                valueQuantity = quantity(value, unit: observation.unit)
            }
        } else if observation.status.contains(.invalid) {
            absent = dataAbsent("error")
        }

        var components: [JSONValue] = observation.components.map { component in
            let status = component.status.union(observation.status)
            let reason = DataAbsence.reason(value: component.value, status: status)
            return JSONBuild.object([
                ("code", code(component.type)),
                ("valueQuantity", reason == nil ? component.value.map { quantity($0, unit: component.unit) } : nil),
                ("dataAbsentReason", reason.map { dataAbsent($0) }),
            ])
        }

        // A compacted stream's per-minute summary: the mean as the value over an effectivePeriod, the minimum
        // and maximum as components (docs/fhir-mapping.md, "Summaries under storage pressure").
        components += spirometry?.components ?? []
        var effectivePeriod: JSONValue? = nil
        var note: JSONValue? = spirometry?.note.map { .array([.object([("text", .string($0))])]) }
        if let summary = input.summary {
            effectivePeriod = .object([("start", .string(observation.correctedTime.iso8601)), ("end", .string(summary.periodEnd.iso8601))])
            components += [("minimum", summary.minimum), ("maximum", summary.maximum)].map { label, value in
                JSONBuild.object([("code", statisticCode(observation.type, label)), ("valueQuantity", quantity(value, unit: observation.unit))])
            }
            note = .array([.object([("text", .string("Summary of \(summary.count) readings over the period (mean as value), compacted by the gateway under storage pressure"))])])
        }

        return JSONBuild.object([
            ("resourceType", .string("Observation")),
            ("meta", JSONBuild.object([
                ("profile", .array([.string(valueDateTime != nil ? PHDProfile.coincidentTimeStamp : compound ? PHDProfile.compoundNumeric : PHDProfile.numeric)])),
                ("security", security),
            ])),
            ("extension", .array([.object([
                ("url", .string(FHIRSystem.gatewayDeviceExtension)),
                ("valueReference", .object([("reference", .string(gatewayReference))])),
            ])])),
            ("identifier", .array([.object([
                ("system", .string(identifierSystem)),
                ("value", .string(PHDObservationIdentifier.value(for: observation))),
            ])])),
            // An early estimate is preliminary (PHD IG measurement status "early-indication").
            ("status", .string(observation.status.contains(.earlyIndication) ? "preliminary" : "final")),
            ("category", .array(categories)),
            ("code", code(observation.type)),
            ("subject", observation.patientId.map { subject($0) }),
            ("effectiveDateTime", effectivePeriod == nil ? .string(observation.correctedTime.iso8601) : nil),
            ("effectivePeriod", effectivePeriod),
            ("valueQuantity", valueQuantity),
            ("valueDateTime", valueDateTime),
            ("dataAbsentReason", absent),
            ("interpretation", interpretations.isEmpty ? nil : .array(interpretations)),
            ("device", .object([("reference", .string(deviceReference))])),
            ("referenceRange", spirometry?.referenceRange),
            ("component", components.isEmpty ? nil : .array(components)),
            ("note", note),
        ])
    }

    /// PhdBaseObservation requires subject.reference: a conditional reference (FHIR R4 transaction, "conditional
    /// references") that DOM resolves to the patient with this PESEL; the identifier stays for readers that use it.
    static func subject(_ patientId: String) -> JSONValue {
        .object([
            ("reference", .string("Patient?" + ConditionalQuery.identifier(system: FHIRSystem.polishPatient, value: patientId))),
            ("identifier", .object([("system", .string(FHIRSystem.polishPatient)), ("value", .string(patientId))])),
        ])
    }

    /// The type's own coding, its text naming the statistic ("minimum", "maximum").
    static func statisticCode(_ type: MeasurementType, _ statistic: String) -> JSONValue {
        var codings = [JSONBuild.coding(FHIRSystem.mdc, String(type.mdcCode), type.mdcRefId)]
        if let loinc = type.loinc { codings.append(JSONBuild.coding(FHIRSystem.loinc, loinc, type.display)) }
        return JSONBuild.concept(codings, text: "\(statistic) of \(type.mdcRefId) over the period")
    }

    static func code(_ type: MeasurementType) -> JSONValue {
        // A gateway-defined code (urn:iomtd:oximetry#odi3, …): no MDC or LOINC coding exists for it; DOM maps it.
        if let local = type.localCoding { return JSONBuild.concept([JSONBuild.coding(local.system, local.code, type.display)], text: type.display) }
        var codings = [JSONBuild.coding(FHIRSystem.mdc, String(type.mdcCode), type.mdcRefId)]
        if let loinc = type.loinc { codings.append(JSONBuild.coding(FHIRSystem.loinc, loinc, type.display)) }
        return JSONBuild.concept(codings, text: "\(type.mdcRefId): \(type.display)")
    }

    /// valueQuantity.value is the exact decimal text at the device's precision (36.50 stays 36.50).
    static func quantity(_ value: DecimalValue, unit: String) -> JSONValue {
        .object([
            ("value", .number(value)),
            ("unit", .string(unit)),
            ("system", .string(FHIRSystem.ucum)),
            ("code", .string(unit)),
        ])
    }

    static func dataAbsent(_ code: String) -> JSONValue {
        JSONBuild.concept([JSONBuild.coding(FHIRSystem.dataAbsentReason, code)])
    }
}
