import IoMTCore

/// The IEEE 11073-20601 specialization a PHD's measurements belong to (PhdDevice.specialization, required by the PHD IG
/// v1.1.0). Our devices report no System-Type-Spec-List, so it is inferred from the MDC reference ids of what they
/// measured; codes from the IG's ValueSet DeviceTypes11073MDC (Tests/Conformance/phd-ig-1.1.0).
struct PHDSpecialization: Hashable, Comparable {
    let code: String
    let referenceId: String
    let display: String

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.code < rhs.code }

    static let pulseOximeter = Self(code: "528388", referenceId: "MDC_DEV_SPEC_PROFILE_PULS_OXIM", display: "Pulse oximeter")
    static let bloodPressure = Self(code: "528391", referenceId: "MDC_DEV_SPEC_PROFILE_BP", display: "Non-invasive Blood Pressure monitor")
    static let thermometer = Self(code: "528392", referenceId: "MDC_DEV_SPEC_PROFILE_TEMP", display: "Thermometer")
    static let weightScale = Self(code: "528399", referenceId: "MDC_DEV_SPEC_PROFILE_SCALE", display: "Weight scale")
    static let glucose = Self(code: "528401", referenceId: "MDC_DEV_SPEC_PROFILE_GLUCOSE", display: "Glucose monitor")
    static let spirometer = Self(code: "528413", referenceId: "MDC_DEV_SPEC_PROFILE_SPIRO", display: "Spirometer")
    static let heartRate = Self(code: "528525", referenceId: "MDC_DEV_SUB_SPEC_PROFILE_HR", display: "ECG supporting just heart rate")
    /// "Device following the 20601 standard but no specific specialization": a device whose batch held only clock reads.
    static let generic = Self(code: "528457", referenceId: "MDC_DEV_SPEC_PROFILE_GENERIC", display: "Generic device")

    /// By reference-id prefix, so a new measurement type of a known family needs no entry here.
    private static let byPrefix: [(String, PHDSpecialization)] = [
        ("MDC_PULS_OXIM_", .pulseOximeter),
        ("MDC_PRESS_BLD_NONINV", .bloodPressure), ("MDC_PRESS_CUFF", .bloodPressure), ("MDC_PULS_RATE_NON_INV", .bloodPressure),
        ("MDC_TEMP_", .thermometer),
        ("MDC_MASS_BODY", .weightScale), ("MDC_LEN_BODY", .weightScale), ("MDC_RATIO_MASS_BODY", .weightScale),
        ("MDC_CONC_GLU", .glucose), ("MDC_CONC_HBA1C", .glucose),
        ("MDC_VOL_AWAY", .spirometer), ("MDC_FLOW_AWAY", .spirometer), ("MDC_RATIO_AWAY", .spirometer),
        ("MDC_ECG_", .heartRate),
    ]

    static func of(_ type: MeasurementType) -> PHDSpecialization? {
        byPrefix.first { type.mdcRefId.hasPrefix($0.0) }?.1
    }

    /// The specializations of a device's measurements, in code order; `generic` when none is known.
    static func of(_ types: [MeasurementType]) -> [PHDSpecialization] {
        let found = Set(types.compactMap(of)).sorted()
        return found.isEmpty ? [.generic] : found
    }
}
