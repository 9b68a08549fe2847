import IoMTCore

/// A stored overnight oximetry session — one reading carrying its sample series and iomtd's summary (ViatomOxy README,
/// "Session summary") — as DOM receives it (docs/fhir-mapping.md, "Overnight oximetry"): one PhdRtsaObservation per
/// series (`valueSampledData`, instead of one Observation per record) and one summary Observation whose components are
/// the session's figures and whose `hasMember` are the series. All three come from one stored row and travel in one
/// bundle, so the references are the series' `urn:uuid:` names in that transaction.
enum OvernightOximetryFHIR {
    struct Entries {
        let summary: JSONValue
        let series: [(fullUrl: String, identifier: String, resource: JSONValue)]
    }

    /// The summary's identifier (no PHD IG rule covers a summary; shaped like the spirometry panel's):
    /// `<device>-<patient>-<patient system>-oximetry-session-<reported time stamp>`.
    static func summaryIdentifier(_ observation: Observation) -> String {
        [PHDObservationIdentifier.devicePart(observation.device), PHDObservationIdentifier.patientPart(observation.patientId),
         "oximetry-session", PHDObservationIdentifier.timestampPart(observation)].joined(separator: "-")
    }

    /// PHD IG v1.1.0 PhdRtsaObservation, "Conditional Create Identifier Generation":
    /// `device-patient-type-<period>-<dimensions>-<data[0]>-<unit>-<reported time stamp>`.
    static func seriesIdentifier(_ observation: Observation, _ series: SampleSeries) -> String {
        [PHDObservationIdentifier.devicePart(observation.device), PHDObservationIdentifier.patientPart(observation.patientId),
         String(series.type.mdcCode), String(series.periodMilliseconds), "1", data(series).split(separator: " ").first.map(String.init) ?? "E",
         series.unit, PHDObservationIdentifier.timestampPart(observation)].joined(separator: "-")
    }

    static func entries(_ input: BundleInput, identifierSystem: String, deviceReference: String, gatewayReference: String) -> Entries {
        let observation = input.observation
        let series = observation.series.map { series -> (String, String, JSONValue) in
            let identifier = seriesIdentifier(observation, series)
            let url = "urn:uuid:" + DeterministicUUID.make(from: "series|\(input.storeId)|" + identifier)
            return (url, identifier, rtsa(observation, series, identifier: identifier, identifierSystem: identifierSystem,
                                          deviceReference: deviceReference, gatewayReference: gatewayReference,
                                          alertInterpretation: input.seriesInterpretations[series.type.mdcRefId]))
        }
        return Entries(summary: summary(observation, memberURLs: series.map(\.0), identifierSystem: identifierSystem,
                                        deviceReference: deviceReference, gatewayReference: gatewayReference),
                       series: series)
    }

    /// The period and the samples as they were recorded: origin 0 and factor 1 (the device's own integers), "E" where
    /// a record had no valid value (docs/fhir-mapping.md on this deviation from the IG's RTSA text).
    /// `alertInterpretation`: the strongest v3 code of the alerts this series' samples fired — "in-alarm" with that code,
    /// as on a single reading (PHDObservationResource), so DOM sees which array crossed a threshold.
    static func rtsa(_ observation: Observation, _ series: SampleSeries, identifier: String, identifierSystem: String,
                     deviceReference: String, gatewayReference: String, alertInterpretation: String? = nil) -> JSONValue {
        var categories: [JSONValue] = []
        if PHDObservationResource.vitalSignRefIds.contains(series.type.mdcRefId) {
            categories.append(JSONBuild.concept([JSONBuild.coding(FHIRSystem.observationCategory, "vital-signs", "Vital Signs")]))
        }
        categories.append(JSONBuild.concept([JSONBuild.coding(FHIRSystem.phdObservationCategory, "phd-observation", "PHD generated Observation")]))
        let origin: JSONValue = .object([("value", .number(DecimalValue(0))), ("unit", .string(series.unit)),
                                          ("system", .string(FHIRSystem.ucum)), ("code", .string(series.unit))])
        let sampled: [(String, JSONValue?)] = [
            ("origin", origin),
            ("period", .number(DecimalValue(significand: series.periodMilliseconds))),
            ("factor", .number(DecimalValue(1))),
            ("lowerLimit", series.lowerLimit.map { .number($0) }),
            ("upperLimit", series.upperLimit.map { .number($0) }),
            ("dimensions", .number(DecimalValue(1))),
            ("data", .string(data(series))),
        ]
        let meta: [(String, JSONValue?)] = [("profile", .array([.string(PHDProfile.rtsa)])), ("security", security(observation))]
        let members: [(String, JSONValue?)] = [
            ("resourceType", .string("Observation")),
            ("meta", JSONBuild.object(meta)),
            ("extension", gatewayExtension(gatewayReference)),
            ("identifier", .array([.object([("system", .string(identifierSystem)), ("value", .string(identifier))])])),
            ("status", .string("final")),
            ("category", .array(categories)),
            ("code", PHDObservationResource.code(series.type)),
            ("subject", observation.patientId.map { PHDObservationResource.subject($0) }),
            ("effectiveDateTime", .string(observation.correctedTime.iso8601)),
            ("valueSampledData", JSONBuild.object(sampled)),
            ("interpretation", alertInterpretation.map { .array([PHDObservationResource.alarmInterpretation($0)]) }),
            ("device", .object([("reference", .string(deviceReference))])),
        ]
        return JSONBuild.object(members)
    }

    static func summary(_ observation: Observation, memberURLs: [String], identifierSystem: String, deviceReference: String,
                        gatewayReference: String) -> JSONValue {
        let components: [JSONValue] = observation.components.map { component in
            let reason = DataAbsence.reason(value: component.value, status: component.status)
            return JSONBuild.object([
                ("code", PHDObservationResource.code(component.type)),
                ("valueQuantity", reason == nil ? component.value.map { PHDObservationResource.quantity($0, unit: component.unit) } : nil),
                ("dataAbsentReason", reason.map { PHDObservationResource.dataAbsent($0) }),
            ])
        }
        let recording = observation.components.first { $0.type == OvernightOximetry.Figure.recordingTime.type }?.value
        let end = recording.flatMap { Int64($0.description) }.map { observation.correctedTime.adding(milliseconds: $0 * 1000) }
        let period: JSONValue? = end.map { .object([("start", .string(observation.correctedTime.iso8601)), ("end", .string($0.iso8601))]) }
        let members: [(String, JSONValue?)] = [
            ("resourceType", .string("Observation")),
            ("meta", security(observation).map { .object([("security", $0)]) }),
            ("extension", gatewayExtension(gatewayReference)),
            ("identifier", .array([.object([("system", .string(identifierSystem)), ("value", .string(summaryIdentifier(observation)))])])),
            ("status", .string("final")),
            ("code", PHDObservationResource.code(observation.type)),
            ("subject", observation.patientId.map { PHDObservationResource.subject($0) }),
            ("effectiveDateTime", end == nil ? .string(observation.correctedTime.iso8601) : nil),
            ("effectivePeriod", period),
            ("method", .object([("text", .string(OvernightOximetry.methodText))])),
            ("device", .object([("reference", .string(deviceReference))])),
            ("hasMember", .array(memberURLs.map { .object([("reference", .string($0))]) })),
            ("component", components.isEmpty ? nil : .array(components)),
        ]
        return JSONBuild.object(members)
    }

    /// SampledData.data: the samples space-separated; "E" for no valid sample, "L"/"U" below/above the limits (FHIR R4).
    static func data(_ series: SampleSeries) -> String {
        series.samples.map { sample -> String in
            guard let sample else { return "E" }
            let value = DecimalValue(sample)
            if let lower = series.lowerLimit, value < lower { return "L" }
            if let upper = series.upperLimit, upper < value { return "U" }
            return String(sample)
        }.joined(separator: " ")
    }

    private static func security(_ observation: Observation) -> JSONValue? {
        observation.isTestData ? .array([JSONBuild.coding(FHIRSystem.actReason, "HTEST", "test health data")]) : nil
    }

    private static func gatewayExtension(_ reference: String) -> JSONValue {
        .array([.object([("url", .string(FHIRSystem.gatewayDeviceExtension)),
                         ("valueReference", .object([("reference", .string(reference))]))])])
    }
}
