/// The figures of an overnight oximetry session that iomtd computes (ViatomOxy README, "Session summary") and sends to
/// DOM as components of one summary Observation (docs/fhir-mapping.md, "Overnight oximetry"). Neither IEEE 11073-10101
/// nor a LOINC code we could verify from a citable source names them exactly (a session mean, a 3 % vs 4 % ODI, T90), so
/// they are local codes of the code system `urn:iomtd:oximetry`, each with its text, which DOM maps.
public enum OvernightOximetry {
    public static let codeSystem = "urn:iomtd:oximetry"

    public static let session = local("session", "Overnight pulse oximetry session", unit: "")

    /// One figure of the summary: its local code (the raw value), its text and UCUM unit as `type`.
    public enum Figure: String, CaseIterable, Sendable {
        case recordingTime = "recording-time", validTime = "valid-time", spo2Mean = "spo2-mean", spo2Minimum = "spo2-min", t90
        case t90Share = "t90-percent", odi3, odi4, pulseMean = "pulse-mean", pulseMinimum = "pulse-min", pulseMaximum = "pulse-max"

        public var type: MeasurementType { OvernightOximetry.local(rawValue, Self.texts[self]!.display, unit: Self.texts[self]!.unit) }

        private static let texts: [Figure: (display: String, unit: String)] = [
            .recordingTime: ("Recording time (records × interval)", "s"), .validTime: ("Time with a valid SpO2 and pulse rate", "s"),
            .spo2Mean: ("SpO2 mean over the valid time", "%"), .spo2Minimum: ("SpO2 minimum", "%"), .t90: ("T90: time with SpO2 below 90 %", "s"),
            .t90Share: ("T90 as a share of the valid time", "%"), .odi3: ("ODI3: desaturations of 3 points or more per hour of valid time", "/h"),
            .odi4: ("ODI4: desaturations of 4 points or more per hour of valid time", "/h"), .pulseMean: ("Pulse rate mean over the valid time", "/min"),
            .pulseMinimum: ("Pulse rate minimum", "/min"), .pulseMaximum: ("Pulse rate maximum", "/min"),
        ]
    }

    /// How the figures were computed, sent as the summary's `method.text`.
    public static let methodText = "Computed by the iomtd gateway from the device's stored records (not the device's own header figures): "
        + "means over records with a valid value; T90 = records with SpO2 < 90 % × interval; a desaturation is SpO2 at least 3 (ODI3) "
        + "or 4 (ODI4) points below the highest valid SpO2 of the preceding 120 s for at least 10 s, ending when SpO2 is back above "
        + "that threshold (a record without a valid value ends it); indices per hour of valid time"

    static func local(_ code: String, _ display: String, unit: String) -> MeasurementType {
        MeasurementType(mdcRefId: codeSystem + "#" + code, mdcCode: 0, loinc: nil, display: display, defaultUnit: unit)
    }
}

extension MeasurementType {
    /// A gateway-defined code (no MDC term): stored with MDC code 0 and `<code system>#<code>` as its reference id.
    public var localCoding: (system: String, code: String)? {
        guard mdcCode == 0, let hash = mdcRefId.firstIndex(of: "#"), mdcRefId.hasPrefix("urn:") else { return nil }
        return (String(mdcRefId[..<hash]), String(mdcRefId[mdcRefId.index(after: hash)...]))
    }
}
