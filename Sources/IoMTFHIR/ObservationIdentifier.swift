import IoMTCore

/// The PHD IG conditional-create identifier, PHD IG v1.1.0 (STU 1.1), "Conditional Create Identifier
/// Generation" of the Numeric and Compound Numeric Observation profiles:
///
///     numeric:  <device>-<patient value>-<patient system>-<MDC type>-<value>-<UCUM unit>-<reported time stamp>
///     compound: <device>-<patient value>-<patient system>-<MDC type>-<value 1>-…-<value n>-<UCUM unit>-<reported time stamp>
///               (units differing between entries: <value 1>-<unit 1>-…-<value n>-<unit n>)
///
/// Every part comes from stored fields only, so re-sending a stored row always yields the same identifier.
public enum PHDObservationIdentifier {
    public static func value(for observation: Observation) -> String {
        // An overnight oximetry session is sent as a summary and its sample arrays: the row is known by the summary's.
        if !observation.series.isEmpty { return OvernightOximetryFHIR.summaryIdentifier(observation) }
        var parts: [String] = [devicePart(observation.device), patientPart(observation.patientId), String(observation.type.mdcCode)]
        if observation.components.isEmpty {
            parts.append(valuePart(observation.value, status: observation.status))
            parts.append(observation.unit)
        } else {
            let units = Set(observation.components.map(\.unit))
            for component in observation.components {
                parts.append(valuePart(component.value, status: component.status.union(observation.status)))
                if units.count > 1 { parts.append(component.unit) }
            }
            if units.count == 1 { parts.append(observation.components[0].unit) }
        }
        parts.append(timestampPart(observation))
        // A compacted stream's summary is no PHD measurement: marked so it can never equal a raw reading's
        // identifier. Its time stamp is the first summarised reading's receipt time, distinct per summary.
        if observation.status.contains(.compactedSummary) { parts.append("summary") }
        return parts.joined(separator: "-")
    }

    /// The PHD's EUI-64 system id; devices without one use their strongest identifier instead
    /// (Bluetooth address, serial number, port) — a documented deviation, see docs/fhir-mapping.md.
    static func devicePart(_ device: DeviceIdentity) -> String {
        if let systemId = device.systemId { return EUI.normalised(systemId) }
        if let address = device.bluetoothAddress { return EUI.normalised(address) }
        if let serial = device.serialNumber { return "\(device.profileId).\(serial)" }
        return "\(device.profileId).\(device.portPath ?? "unknown")"
    }

    /// "Patient.identifier.value-Patient.identifier.system" (the dash is part of the identifier).
    static func patientPart(_ patientId: String?) -> String {
        guard let patientId else { return "unbound" }
        return "\(patientId)-\(FHIRSystem.polishPatient)"
    }

    /// The time stamp as the PHD reported it, HL7 DTM `YYYYMMDDHHMMSS.ss` (PHD IG "Generating the PHD
    /// Reported Time Stamp Identifier", absolute time). Without a device time stamp (live oximetry), or
    /// with one that is no date (an unset Bluetooth clock sends year/month/day 0: every reading would
    /// share it and conditional create would merge them), the gateway's receipt time in UTC is used,
    /// which is stored with the row and never changes.
    static func timestampPart(_ observation: Observation) -> String {
        let stamp = observation.deviceTime.flatMap { $0.isValid ? $0 : nil }
        let civil = stamp ?? CivilTime(instant: observation.receivedAt, utcOffsetMinutes: 0)
        return dtm(civil)
    }

    static func dtm(_ civil: CivilTime) -> String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return pad(civil.year, 4) + pad(civil.month, 2) + pad(civil.day, 2) + pad(civil.hour, 2)
            + pad(civil.minute, 2) + pad(civil.second, 2) + "." + pad(civil.millisecond / 10, 2)
    }

    static func valuePart(_ value: DecimalValue?, status: MeasurementStatus) -> String {
        if let reason = DataAbsence.reason(value: value, status: status) { return reason }
        return value?.description ?? "unknown"
    }

}

/// Measurement status → FHIR dataAbsentReason (`http://terminology.hl7.org/CodeSystem/data-absent-reason`),
/// PHD IG "Measurement Status" table: invalid → error, not-available → not-performed; a measurement still
/// ongoing has no value yet (temp-unknown); FLOAT NaN/±INF keep their own codes, NRes and reserved
/// values are errors. Only these remove the value.
enum DataAbsence {
    /// nil when the value is present and usable.
    static func reason(value: DecimalValue?, status: MeasurementStatus) -> String? {
        // IEEE 11073-20601 special values (Bluetooth SFLOAT/FLOAT): data-absent-reason has a code for each.
        if status.contains(.notANumber) { return "not-a-number" }
        if status.contains(.positiveInfinity) { return "positive-infinity" }
        if status.contains(.negativeInfinity) { return "negative-infinity" }
        if status.contains(.invalid) || status.contains(.probeError) || status.contains(.notAtThisResolution)
            || status.contains(.reservedValue) { return "error" }
        if status.contains(.measurementOngoing) { return "temp-unknown" }
        if value == nil || status.contains(.notAvailable) { return "not-performed" }
        return nil
    }
}
