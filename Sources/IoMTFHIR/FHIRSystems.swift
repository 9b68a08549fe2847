/// Code systems, identifier systems and profile URLs used on the wire.
/// Sources: HL7 PHD IG v1.1.0 (STU 1.1, FHIR R4), https://hl7.org/fhir/uv/phd/STU1.1/ — see docs/fhir-mapping.md.
public enum FHIRSystem {
    public static let mdc = "urn:iso:std:iso:11073:10101"
    public static let loinc = "http://loinc.org"
    public static let ucum = "http://unitsofmeasure.org"
    /// IEEE EUI-64 system identifier of a PHD or PHG (PHD IG: PhgDevice/PhdDevice identifier).
    public static let eui64 = "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680"
    public static let bluetoothAddress = "http://hl7.org/fhir/sid/eui-48/bluetooth"
    /// Polish national patient identifier (PESEL) OID.
    public static let polishPatient = "urn:oid:2.16.840.1.113883.3.4424.1.1.616"
    public static let observationCategory = "http://terminology.hl7.org/CodeSystem/observation-category"
    /// PHD IG code system of the `phd-observation` category (CodeSystem PhdObservationCategories).
    public static let phdObservationCategory = "http://hl7.org/fhir/uv/phd/CodeSystem/PhdObservationCategories"
    public static let dataAbsentReason = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
    public static let interpretation = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
    /// IEEE 11073 measurement-status codes: the PoCD IG CodeSystem the PHD IG v1.1.0 fixes for
    /// Observation.interpretation (PhdBaseObservation, slice MsmtStatusInterpretation).
    public static let measurementStatus = "http://hl7.org/fhir/uv/pocd/CodeSystem/measurement-status"
    public static let actReason = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
    /// PHD IG code system of the Device identifier types (SYSID, BTMAC, …).
    public static let continuaDeviceIdentifiers = "http://hl7.org/fhir/uv/phd/CodeSystem/ContinuaDeviceIdentifiers"
    public static let identifierType = "http://terminology.hl7.org/CodeSystem/v2-0203"
    public static let gatewayDeviceExtension = "http://hl7.org/fhir/StructureDefinition/observation-gatewayDevice"
}

public enum PHDProfile {
    public static let numeric = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdNumericObservation"
    public static let compoundNumeric = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdCompoundNumericObservation"
    public static let coincidentTimeStamp = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdCoincidentTimeStampObservation"
    public static let rtsa = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdRtsaObservation"
    public static let phgDevice = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhgDevice"
    public static let phdDevice = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdDevice"
}

/// Small helpers to build ordered JSON without optional noise.
enum JSONBuild {
    /// An object from members, dropping those whose value is nil.
    static func object(_ members: [(String, JSONValue?)]) -> JSONValue {
        .object(members.compactMap { key, value in value.map { (key, $0) } })
    }

    static func coding(_ system: String, _ code: String, _ display: String? = nil) -> JSONValue {
        object([("system", .string(system)), ("code", .string(code)), ("display", display.map { .string($0) })])
    }

    static func concept(_ codings: [JSONValue], text: String? = nil) -> JSONValue {
        object([("coding", codings.isEmpty ? nil : .array(codings)), ("text", text.map { .string($0) })])
    }
}

import IoMTCore
